using Esen.Kernels.Graph;

namespace Esen.Kernels.Ops;

/// <summary>
/// A Gemm node's attributes, read once with ONNX's defaults (no transposes, α = β = 1):
/// Y = α·op(A)·op(B) + β·C.
/// </summary>
/// <param name="TransA">A is stored transposed (transA).</param>
/// <param name="TransB">B is stored transposed (transB).</param>
/// <param name="Alpha">The product's scale.</param>
/// <param name="Beta">C's scale.</param>
public sealed record GemmAttributes(bool TransA, bool TransB, float Alpha, float Beta)
{
    /// <summary>The attributes of <paramref name="node"/>.</summary>
    public static GemmAttributes Of(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new GemmAttributes(node.GetInt("transA", 0) != 0, node.GetInt("transB", 0) != 0, node.GetFloat("alpha", 1f), node.GetFloat("beta", 1f));
    }

    /// <summary>(M, K) of op(A) for A of shape <paramref name="a"/>.</summary>
    public (long M, long K) RowsAndDepthOfA(TensorShape a) => TransA ? (a[1], a[0]) : (a[0], a[1]);

    /// <summary>(K, N) of op(B) for B of shape <paramref name="b"/>.</summary>
    public (long K, long N) DepthAndColumnsOfB(TensorShape b) => TransB ? (b[1], b[0]) : (b[0], b[1]);
}
