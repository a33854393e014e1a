using Esen.Kernels.Graph;

namespace Esen.Kernels.Ops;

/// <summary>A MaxPool or AveragePool node's attributes, read once.</summary>
/// <param name="Geometry">The window (kernel_shape, strides, pads, dilations, auto_pad, ceil_mode).</param>
/// <param name="CountIncludePad">AveragePool: padding counts in the divisor (count_include_pad).</param>
/// <param name="ColumnMajorIndices">MaxPool: the indices output is column-major (storage_order = 1).</param>
public sealed record PoolWindow(WindowGeometry Geometry, bool CountIncludePad, bool ColumnMajorIndices)
{
    /// <summary>True when ceil_mode is set (the last window may run past the padded input).</summary>
    public bool CeilMode { get; init; }
}

/// <summary>
/// The sliding-window ops' description (Conv, MaxPool, AveragePool), read for every layer that needs it:
/// shape inference, both executors and the cost analysis resolve a node's window here, with ONNX's
/// defaults and the same checks.
/// </summary>
public static class SlidingWindows
{
    /// <summary>
    /// A Conv's window over input <paramref name="x"/> with weights <paramref name="w"/>: the kernel is the
    /// weights' spatial size, which kernel_shape, when given, must equal.
    /// </summary>
    /// <exception cref="GraphException">kernel_shape disagrees with the weights, or the window does not fit.</exception>
    public static WindowGeometry Conv(Node node, TensorShape x, TensorShape w)
    {
        ArgumentNullException.ThrowIfNull(node);
        long[] kernel = w.Dimensions[2..].ToArray();
        long[]? declared = node.GetInts("kernel_shape");
        if (declared is not null && !declared.AsSpan().SequenceEqual(kernel))
        {
            throw new GraphException($"{node.Describe()}: kernel_shape [{string.Join(',', declared)}] does not match weights {w}");
        }

        return WindowGeometry.Resolve(node, x, kernel, allowCeil: false);
    }

    /// <summary>A Conv's group count (attribute group, default 1): input and output channels split into that many independent convolutions.</summary>
    /// <exception cref="GraphException">group is not a positive int.</exception>
    public static int Groups(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        long group = node.GetInt("group", 1);
        return group is > 0 and <= int.MaxValue ? (int)group : throw new GraphException($"{node.Describe()}: group {group} must be positive");
    }

    /// <summary>A pooling node's window over input <paramref name="x"/> and its other attributes.</summary>
    /// <exception cref="GraphException">kernel_shape is missing, or the window does not fit.</exception>
    public static PoolWindow Pool(Node node, TensorShape x)
    {
        ArgumentNullException.ThrowIfNull(node);
        long[] kernel = node.GetInts("kernel_shape") ?? throw new GraphException($"{node.Describe()}: kernel_shape is required");
        return new PoolWindow(
            WindowGeometry.Resolve(node, x, kernel, allowCeil: true),
            node.GetInt("count_include_pad", 0) != 0,
            node.GetInt("storage_order", 0) != 0)
        {
            CeilMode = node.GetInt("ceil_mode", 0) != 0,
        };
    }
}
