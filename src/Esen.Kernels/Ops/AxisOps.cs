using Esen.Kernels.Graph;

namespace Esen.Kernels.Ops;

/// <summary>
/// A tensor seen as [Outer, Length, Inner] around one axis: the view every along-one-axis kernel takes
/// (Softmax, Gather, Concat), in row-major order.
/// </summary>
/// <param name="Axis">The axis, non-negative.</param>
/// <param name="Outer">Product of the dimensions before the axis.</param>
/// <param name="Length">Elements along the axis (for opset &lt; 13 Softmax, the flattened trailing size).</param>
/// <param name="Inner">Product of the dimensions after the axis (1 when flattened).</param>
public readonly record struct AxisExtent(int Axis, long Outer, long Length, long Inner)
{
    /// <summary>The extent of <paramref name="shape"/> around <paramref name="axis"/> (already normalised).</summary>
    public static AxisExtent Around(TensorShape shape, int axis) =>
        new(axis, shape.Product(0, axis), shape[axis], shape.Product(axis + 1, shape.Rank));
}

/// <summary>
/// The along-one-axis ops' attributes (Softmax, Gather, Concat) and the normalisations' (BatchNormalization,
/// LayerNormalization), read once with ONNX's defaults for every layer that needs them: shape inference,
/// both executors, the rewrites and the execution schedule.
/// </summary>
public static class AxisOps
{
    /// <summary>BatchNormalization's and LayerNormalization's default epsilon (ONNX, every opset).</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>
    /// The axis Softmax works along for input <paramref name="x"/>. Before opset 13 the input is flattened to
    /// 2-D at the axis (default 1) and each row is one softmax; since then it works along one axis (default −1).
    /// </summary>
    public static AxisExtent Softmax(Node node, TensorShape x, int opset)
    {
        ArgumentNullException.ThrowIfNull(node);
        bool flattens = opset < 13;
        int axis = x.NormalizeAxis(node.GetInt("axis", flattens ? 1 : -1), node.Describe());
        return flattens ? new AxisExtent(axis, x.Product(0, axis), x.Product(axis, x.Rank), 1) : AxisExtent.Around(x, axis);
    }

    /// <summary>The axis Gather indexes along in <paramref name="data"/> (default 0).</summary>
    public static AxisExtent Gather(Node node, TensorShape data)
    {
        ArgumentNullException.ThrowIfNull(node);
        return AxisExtent.Around(data, data.NormalizeAxis(node.GetInt("axis", 0), node.Describe()));
    }

    /// <summary>The axis Concat joins along, for inputs of rank <paramref name="rank"/> (required by ONNX).</summary>
    /// <exception cref="GraphException">The attribute is missing or out of range.</exception>
    public static int ConcatAxis(Node node, int rank)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Has("axis")
            ? TensorShape.NormalizeAxis(node.GetInt("axis", 0), rank, node.Describe())
            : throw new GraphException($"{node.Describe()}: axis is required");
    }

    /// <summary>BatchNormalization's epsilon.</summary>
    public static float BatchNormEpsilon(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.GetFloat("epsilon", DefaultEpsilon);
    }

    /// <summary>
    /// LayerNormalization over input <paramref name="x"/>: the first normalised axis (default −1) and epsilon.
    /// Each of the <c>Outer</c> rows of <c>Length</c> elements is normalised on its own.
    /// </summary>
    public static (AxisExtent Rows, float Epsilon) LayerNorm(Node node, TensorShape x)
    {
        ArgumentNullException.ThrowIfNull(node);
        int axis = x.NormalizeAxis(node.GetInt("axis", -1), node.Describe());
        return (new AxisExtent(axis, x.Product(0, axis), x.Product(axis, x.Rank), 1), node.GetFloat("epsilon", DefaultEpsilon));
    }
}
