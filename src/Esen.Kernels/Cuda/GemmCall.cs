using Esen.Native.Cublas;

namespace Esen.Kernels.Cuda;

/// <summary>
/// One cuBLAS call, <c>cublasGemmStridedBatchedEx</c> on FP32 matrices with <see cref="ComputeType"/>
/// (a plain <c>cublasSgemm</c> when <see cref="BatchCount"/> is 1), issued with the handle in
/// <see cref="MathMode"/>, in cuBLAS's own column-major terms: for each batch entry b,
/// C_b = Alpha·op(A_b)·op(B_b) + Beta·C_b with C_b M×N, X_b = X + b·StrideX (elements).
/// Build it with <see cref="RowMajor"/>; the fields are what reaches cuBLAS.
/// </summary>
internal readonly record struct GemmCall(
    CublasOperation TransA, CublasOperation TransB, int M, int N, int K, float Alpha,
    ulong A, int Lda, long StrideA, ulong B, int Ldb, long StrideB, float Beta, ulong C, int Ldc, long StrideC, int BatchCount,
    CublasMath MathMode, CublasComputeType ComputeType)
{
    /// <summary>
    /// The call computing the row-major product Y = alpha·op(X)·op(W) + beta·Y, with Y m×n (leading
    /// dimension ldy), op(X) m×k and op(W) k×n, X stored row-major with row length ldx (k, or m when
    /// transposed) and W with row length ldw (n, or k when transposed), in the cuBLAS math mode and
    /// compute type of <paramref name="math"/>.
    /// <para>
    /// cuBLAS is column-major, and a row-major matrix with row length ld is, byte for byte, its own
    /// transpose in column-major with leading dimension ld. So Esen computes Yᵀ = op(W)ᵀ·op(X)ᵀ:
    /// cublas(transa = transW, transb = transX, m = n, n = m, k = k, A = W, lda = ldw, B = X, ldb = ldx,
    /// C = Y, ldc = ldy). Why the flags carry over unchanged: untransposed row-major W (k×n, row length n)
    /// read column-major is the n×k matrix Wᵀ, exactly the first factor, so OP_N; a transposed W is stored
    /// n×k (row length k), read column-major it is k×n = W itself, whose transpose is wanted, so OP_T.
    /// Likewise for X. No data moves and the result lands row-major in Y.
    /// </para>
    /// </summary>
    public static GemmCall RowMajor(
        GpuMath math, bool transX, bool transW, int m, int n, int k, float alpha, ulong x, int ldx, ulong w, int ldw, float beta, ulong y, int ldy) =>
        new(Op(transW), Op(transX), M: n, N: m, K: k, alpha, A: w, Lda: ldw, StrideA: 0, B: x, Ldb: ldx, StrideB: 0, beta, C: y, Ldc: ldy, StrideC: 0, BatchCount: 1,
            math.BlasMathMode, math.BlasComputeType);

    /// <summary>This call repeated <paramref name="count"/> times, with X, W, Y advancing by the given row-major strides (elements; 0 shares the operand).</summary>
    public GemmCall Batched(int count, long strideX, long strideW, long strideY) =>
        this with { BatchCount = count, StrideA = strideW, StrideB = strideX, StrideC = strideY };

    private static CublasOperation Op(bool transpose) => transpose ? CublasOperation.Transpose : CublasOperation.None;
}
