using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.Ops;

/// <summary>The sliding-window ops' one description: ONNX's defaults and checks, read once.</summary>
public sealed class SlidingWindowsTests
{
    private static readonly TensorShape s_image = new(1, 3, 7, 7);

    [Fact]
    public void Pool_ReadsEveryAttribute_WithOnnxDefaults()
    {
        var plain = new Node("p", "AveragePool", ["x"], ["y"], new Dictionary<string, AttributeValue> { ["kernel_shape"] = AttributeValue.Ints(3, 3) });
        var flagged = plain.WithAttributes(new Dictionary<string, AttributeValue>
        {
            ["count_include_pad"] = AttributeValue.Int(1),
            ["storage_order"] = AttributeValue.Int(1),
            ["ceil_mode"] = AttributeValue.Int(1),
            ["strides"] = AttributeValue.Ints(2, 2),
        });

        PoolWindow defaults = SlidingWindows.Pool(plain, s_image);
        PoolWindow set = SlidingWindows.Pool(flagged, s_image);

        Assert.Equal((false, false, false), (defaults.CountIncludePad, defaults.ColumnMajorIndices, defaults.CeilMode));
        Assert.Equal([5, 5], defaults.Geometry.Output);
        Assert.Equal((true, true, true), (set.CountIncludePad, set.ColumnMajorIndices, set.CeilMode));
        Assert.Equal([3, 3], set.Geometry.Output);
    }

    [Fact]
    public void Pool_WithoutKernelShape_NamesTheNode()
    {
        var ex = Assert.Throws<GraphException>(() => SlidingWindows.Pool(new Node("pool3", "MaxPool", ["x"], ["y"]), s_image));

        Assert.Contains("pool3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("kernel_shape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conv_TakesTheKernelFromTheWeights_AndRefusesADisagreeingKernelShape()
    {
        var weights = new TensorShape(8, 3, 5, 5);
        var conv = new Node("conv", "Conv", ["x", "w"], ["y"]);

        Assert.Equal([5, 5], SlidingWindows.Conv(conv, s_image, weights).Kernel);
        var wrong = conv.WithAttributes(new Dictionary<string, AttributeValue> { ["kernel_shape"] = AttributeValue.Ints(3, 3) });
        var ex = Assert.Throws<GraphException>(() => SlidingWindows.Conv(wrong, s_image, weights));
        Assert.Contains("kernel_shape [3,3] does not match weights", ex.Message, StringComparison.Ordinal);
    }
}
