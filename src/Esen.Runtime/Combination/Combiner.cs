using Esen.Kernels.Graph;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Combination;

/// <summary>
/// The ensemble combination rules on member outputs of equal shape [batch, …]; each row (one input's
/// output, the elements after the batch dimension) is combined on its own.
/// </summary>
public static class Combiner
{
    /// <summary>Combines member outputs into a new tensor of the same shape.</summary>
    /// <param name="weights">One weight per member (used by weighted and vote).</param>
    /// <exception cref="ArgumentException">No outputs, shapes differ, or the weights do not match the members.</exception>
    public static Tensor Combine(CombineRule rule, IReadOnlyList<Tensor> outputs, IReadOnlyList<double> weights)
    {
        if (outputs.Count == 0)
        {
            throw new ArgumentException("there are no member outputs to combine", nameof(outputs));
        }

        TensorShape shape = outputs[0].Shape;
        for (int m = 1; m < outputs.Count; m++)
        {
            if (outputs[m].Shape != shape)
            {
                throw new ArgumentException($"member {m} output {outputs[m].Shape} differs from member 0 output {shape}", nameof(outputs));
            }
        }

        var destination = new float[shape.ElementCount];
        int rowLength = shape.Rank == 0 ? 1 : checked((int)shape.Product(1, shape.Rank));
        Combine(rule, [.. outputs.Select(o => o.Floats)], weights, rowLength, destination);
        return Tensor.FromFloats(shape, destination);
    }

    /// <summary>Combines flat member outputs (rows of <paramref name="rowLength"/>) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The lengths or the weights do not match.</exception>
    public static void Combine(CombineRule rule, IReadOnlyList<float[]> outputs, IReadOnlyList<double> weights, int rowLength, Span<float> destination)
    {
        if (weights.Count != outputs.Count)
        {
            throw new ArgumentException($"{weights.Count} weights for {outputs.Count} members", nameof(weights));
        }

        int length = destination.Length;
        if (outputs.Any(o => o.Length != length) || rowLength <= 0 || length % rowLength != 0)
        {
            throw new ArgumentException("member outputs and destination must all hold the same whole number of rows", nameof(outputs));
        }

        switch (rule)
        {
            case CombineRule.Mean:
                WeightedMean(outputs, [.. Enumerable.Repeat(1.0, outputs.Count)], destination);
                break;
            case CombineRule.Weighted:
                WeightedMean(outputs, weights, destination);
                break;
            case CombineRule.Max:
                Max(outputs, destination);
                break;
            case CombineRule.Vote:
                Vote(outputs, weights, rowLength, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown combination rule");
        }
    }

    /// <summary>The index of the largest element; the lowest index among equals.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }

    // Accumulates in double so the result does not depend on the member order beyond rounding once.
    private static void WeightedMean(IReadOnlyList<float[]> outputs, IReadOnlyList<double> weights, Span<float> destination)
    {
        double total = weights.Sum();
        for (int i = 0; i < destination.Length; i++)
        {
            double sum = 0;
            for (int m = 0; m < outputs.Count; m++)
            {
                sum += weights[m] * outputs[m][i];
            }

            destination[i] = (float)(sum / total);
        }
    }

    private static void Max(IReadOnlyList<float[]> outputs, Span<float> destination)
    {
        outputs[0].CopyTo(destination);
        for (int m = 1; m < outputs.Count; m++)
        {
            float[] output = outputs[m];
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = Math.Max(destination[i], output[i]);
            }
        }
    }

    private static void Vote(IReadOnlyList<float[]> outputs, IReadOnlyList<double> weights, int rowLength, Span<float> destination)
    {
        var tally = new double[rowLength];
        destination.Clear();
        for (int row = 0; row < destination.Length / rowLength; row++)
        {
            Array.Clear(tally);
            for (int m = 0; m < outputs.Count; m++)
            {
                tally[ArgMax(outputs[m].AsSpan(row * rowLength, rowLength))] += weights[m];
            }

            int winner = 0;
            for (int c = 1; c < rowLength; c++)
            {
                if (tally[c] > tally[winner])
                {
                    winner = c;
                }
            }

            destination[(row * rowLength) + winner] = 1f;
        }
    }
}
