namespace Esen.Kernels.Graph;

/// <summary>
/// What a ReduceMean or ReduceMax node reduces: the input split into the dimensions it keeps and those it reduces,
/// each with its input strides. Output element o (in the order of the kept dimensions) reduces the input elements
/// at <c>Σ keptCoordinate·KeptStrides + Σ reducedCoordinate·ReducedStrides</c>, the reduced coordinates in
/// row-major order.
/// </summary>
/// <param name="OutputShape">The output shape (reduced dimensions kept as 1 with keepdims, dropped without).</param>
/// <param name="KeptDims">The input's dimensions with every reduced one set to 1: the output's elements in order.</param>
/// <param name="KeptStrides">The input strides of the kept dimensions, 0 for the reduced ones.</param>
/// <param name="ReducedDims">The extents of the reduced dimensions, 1 for the kept ones.</param>
/// <param name="ReducedStrides">The input strides of the reduced dimensions, 0 for the kept ones.</param>
public sealed record ReductionGeometry(TensorShape OutputShape, int[] KeptDims, int[] KeptStrides, int[] ReducedDims, int[] ReducedStrides)
{
    /// <summary>How many input elements each output element reduces.</summary>
    public long ReducedCount => ReducedDims.Aggregate(1L, (p, d) => p * d);

    /// <summary>
    /// Resolves the reduction of the node in <paramref name="c"/>: axes from the attribute before opset 18 and from the
    /// optional constant second input since, keepdims (default 1), and noop_with_empty_axes (default 0; with no axes it
    /// makes the node an identity, reducing nothing, where otherwise no axes reduce every dimension).
    /// </summary>
    /// <exception cref="GraphException">An axis is out of range or repeated, or the axes input is not a constant.</exception>
    public static ReductionGeometry Resolve(InferenceContext c)
    {
        TensorShape x = c.FloatShape(0);
        Node node = c.Node;
        long[] axes = c.Opset < 18 ? node.GetInts("axes") ?? [] : c.Has(1) ? c.ConstantInts(1, "axes") : [];
        bool keepDims = node.GetInt("keepdims", 1) != 0;
        var reduced = new bool[x.Rank];
        if (axes.Length == 0)
        {
            Array.Fill(reduced, node.GetInt("noop_with_empty_axes", 0) == 0);
        }

        foreach (long a in axes)
        {
            int axis = x.NormalizeAxis(a, node.Describe());
            reduced[axis] = !reduced[axis] ? true : throw c.Fail($"axis {a} is repeated");
        }

        int[] strides = new int[x.Rank];
        long stride = 1;
        for (int i = x.Rank - 1; i >= 0; i--)
        {
            strides[i] = (int)stride;
            stride *= x[i];
        }

        int[] dims = x.ToIntArray();
        return new ReductionGeometry(
            new TensorShape(x.Select((d, i) => reduced[i] ? 1L : d).Where((_, i) => keepDims || !reduced[i]).ToArray()),
            dims.Select((d, i) => reduced[i] ? 1 : d).ToArray(),
            strides.Select((s, i) => reduced[i] ? 0 : s).ToArray(),
            dims.Select((d, i) => reduced[i] ? d : 1).ToArray(),
            strides.Select((s, i) => reduced[i] ? s : 0).ToArray());
    }
}
