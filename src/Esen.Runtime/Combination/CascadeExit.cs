using Esen.Kernels.Graph;

namespace Esen.Runtime.Combination;

/// <summary>
/// The cascade exit rule <c>max_softmax</c>: an input leaves a stage when the largest probability of
/// the softmax of its output row is at least the stage's threshold (ESCAN's confidence exit). The
/// stage outputs are treated as logits; a model that already ends in Softmax is softmaxed again, which
/// keeps the order of the classes but flattens the confidence, so give such models lower thresholds.
/// </summary>
public static class CascadeExit
{
    /// <summary>max_j softmax(row)_j = 1 / Σ_j exp(row_j − max(row)).</summary>
    public static double MaxSoftmax(ReadOnlySpan<float> row)
    {
        if (row.IsEmpty)
        {
            throw new ArgumentException("an output row cannot be empty", nameof(row));
        }

        float max = row[0];
        foreach (float v in row)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in row)
        {
            sum += Math.Exp(v - max);
        }

        return 1.0 / sum;
    }

    /// <summary>For each row of <paramref name="stageOutput"/> ([batch, …]): does it leave at this threshold?</summary>
    public static bool[] Exits(Tensor stageOutput, double threshold)
    {
        TensorShape shape = stageOutput.Shape;
        int rows = checked((int)shape[0]);
        int rowLength = checked((int)shape.Product(1, shape.Rank));
        float[] data = stageOutput.Floats;
        var exits = new bool[rows];
        for (int r = 0; r < rows; r++)
        {
            exits[r] = MaxSoftmax(data.AsSpan(r * rowLength, rowLength)) >= threshold;
        }

        return exits;
    }
}
