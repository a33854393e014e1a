using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.Ops;

/// <summary>Gemm's one description against the ONNX operator specification.</summary>
public sealed class GemmAttributesTests
{
    [Fact]
    public void WithoutAttributes_ItIsAPlainProductPlusC() =>
        Assert.Equal(new GemmAttributes(false, false, 1f, 1f), GemmAttributes.Of(new Node("g", "Gemm", ["a", "b"], ["y"])));

    [Fact]
    public void Transposes_SwapWhichDimensionIsTheDepth()
    {
        var node = new Node("g", "Gemm", ["a", "b"], ["y"], new Dictionary<string, AttributeValue>
        {
            ["transA"] = AttributeValue.Int(1), ["transB"] = AttributeValue.Int(1), ["alpha"] = AttributeValue.Float(0.5f), ["beta"] = AttributeValue.Float(0f),
        });

        GemmAttributes gemm = GemmAttributes.Of(node);

        Assert.Equal((0.5f, 0f), (gemm.Alpha, gemm.Beta));
        Assert.Equal((4L, 3L), gemm.RowsAndDepthOfA(new TensorShape(3, 4)));
        Assert.Equal((5L, 6L), gemm.DepthAndColumnsOfB(new TensorShape(6, 5)));
    }
}
