using Esen.Kernels.Cpu;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Execution;

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
    public static ReferenceComparison Compare(ReadOnlySpan<float> outputs, ReadOnlySpan<float> reference) => ReferenceComparison.Of(outputs, reference);

    private static Tensor RunAlone(LayerGraph graph, Tensor batch)
    {
        using var executor = new CpuExecutor(graph.ForBatch(batch.Shape[0]));
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = batch })[graph.Outputs[0].Name];
    }
}
