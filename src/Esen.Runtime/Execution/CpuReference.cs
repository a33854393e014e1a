using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Execution;

/// <summary>How far a runtime's combined outputs are from the reference.</summary>
/// <param name="MaxAbsDifference">Largest element-wise |difference|.</param>
/// <param name="MaxMagnitude">Largest |reference| element.</param>
/// <param name="RelativeL2">‖output − reference‖₂ / ‖reference‖₂ (the absolute norm when the reference is zero).</param>
public sealed record ReferenceComparison(double MaxAbsDifference, double MaxMagnitude, double RelativeL2);

/// <summary>
/// The independent check of a run: every member of an ensemble run alone on the whole batch by the
/// CPU executor, and combined by the spec's rule. Batching, partitions, pipelining and the executor
/// under test play no part in it.
/// </summary>
public static class CpuReference
{
    /// <summary>The combined outputs of <paramref name="graphs"/> on <paramref name="batch"/> ([rows, ...]).</summary>
    /// <exception cref="NotSupportedException">A cascade: which stage answers a row depends on the run's exits.</exception>
    public static Tensor Run(EnsembleSpec spec, IReadOnlyList<LayerGraph> graphs, Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(graphs);
        if (spec.Kind != EnsembleKind.Ensemble)
        {
            throw new NotSupportedException("the CPU reference combines ensembles; a cascade's answer depends on its exits");
        }

        Tensor[] alone = [.. graphs.Select(g => RunAlone(g, batch))];
        return Combiner.Combine(spec.Combine, alone, [.. spec.Members.Select(m => m.Weight)]);
    }

    /// <summary>Compares <paramref name="outputs"/> with <paramref name="reference"/> element by element.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public static ReferenceComparison Compare(ReadOnlySpan<float> outputs, ReadOnlySpan<float> reference)
    {
        if (outputs.Length != reference.Length)
        {
            throw new ArgumentException($"{outputs.Length} outputs against {reference.Length} reference elements", nameof(outputs));
        }

        double maxDifference = 0, maxMagnitude = 0, squaredError = 0, squaredReference = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            double difference = outputs[i] - (double)reference[i];
            maxDifference = Math.Max(maxDifference, Math.Abs(difference));
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs(reference[i]));
            squaredError += difference * difference;
            squaredReference += (double)reference[i] * reference[i];
        }

        double error = Math.Sqrt(squaredError);
        return new ReferenceComparison(maxDifference, maxMagnitude, squaredReference > 0 ? error / Math.Sqrt(squaredReference) : error);
    }

    private static Tensor RunAlone(LayerGraph graph, Tensor batch)
    {
        using var executor = new CpuExecutor(graph.ForBatch(batch.Shape[0]));
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = batch })[graph.Outputs[0].Name];
    }
}
