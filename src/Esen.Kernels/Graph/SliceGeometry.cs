namespace Esen.Kernels.Graph;

/// <summary>
/// A resolved Slice: for every input axis the first index, the step and the element count (ONNX
/// clamping rules applied; opset &lt; 10 attributes or opset ≥ 10 constant inputs).
/// </summary>
/// <param name="Starts">First index per axis.</param>
/// <param name="Steps">Step per axis (negative walks backwards).</param>
/// <param name="OutputShape">Output shape.</param>
public sealed record SliceGeometry(long[] Starts, long[] Steps, TensorShape OutputShape)
{
    /// <summary>Resolves the slice of the node in <paramref name="c"/>.</summary>
    /// <exception cref="GraphException">starts/ends/axes/steps are inconsistent or a step is zero.</exception>
    public static SliceGeometry Resolve(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        Node node = c.Node;
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10 || node.Has("starts"))
        {
            starts = node.GetInts("starts") ?? throw c.Fail("starts is required");
            ends = node.GetInts("ends") ?? throw c.Fail("ends is required");
            axes = node.GetInts("axes");
        }
        else
        {
            starts = c.ConstantInts(1, "starts");
            ends = c.ConstantInts(2, "ends");
            axes = c.Has(3) ? c.ConstantInts(3, "axes") : null;
            steps = c.Has(4) ? c.ConstantInts(4, "steps") : null;
        }

        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
        {
            throw c.Fail("starts, ends, axes and steps differ in length");
        }

        long[] first = new long[x.Rank], step = Enumerable.Repeat(1L, x.Rank).ToArray(), dims = x.ToArray();
        var seen = new bool[x.Rank];
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = x.NormalizeAxis(axes[i], node.Describe());
            if (seen[axis])
            {
                throw c.Fail($"axis {axes[i]} is repeated");
            }

            seen[axis] = true;
            long size = x[axis], s = steps[i];
            if (s == 0)
            {
                throw c.Fail("a step is 0");
            }

            long start = starts[i] < 0 ? starts[i] + size : starts[i];
            long end = ends[i] < 0 ? ends[i] + size : ends[i];
            if (s > 0)
            {
                start = Math.Clamp(start, 0, size);
                end = Math.Clamp(end, 0, size);
                dims[axis] = end > start ? (end - start + s - 1) / s : 0;
            }
            else
            {
                start = Math.Clamp(start, -1, size - 1);
                end = Math.Clamp(end, -1, size - 1);
                dims[axis] = start > end ? (start - end - s - 1) / -s : 0;
            }

            first[axis] = start;
            step[axis] = s;
        }

        return new SliceGeometry(first, step, new TensorShape(dims));
    }
}
