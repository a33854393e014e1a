namespace Esen.Kernels.Cpu.Kernels;

/// <summary>CPU kernels over float32 spans; one file per op.</summary>
public static partial class CpuKernels
{
    /// <summary>
    /// Row-major single-precision GEMM: C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k and op(B)
    /// is k×n. <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/> are row strides
    /// of the stored (untransposed) matrices. When beta is 0, C is not read (NaNs in it do not leak).
    /// </summary>
    /// <param name="threads">Upper bound on worker threads; 1 runs on the caller.</param>
    /// <exception cref="ArgumentException">A span is too short for its dimensions and stride.</exception>
    public static void Gemm(
        bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc,
        int threads = 1)
    {
        CheckMatrix(a, transA ? k : m, transA ? m : k, lda, nameof(a));
        CheckMatrix(b, transB ? n : k, transB ? k : n, ldb, nameof(b));
        CheckMatrix(c, m, n, ldc, nameof(c));
        Gemm(GemmMicroKernels.Best, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
    }

    /// <summary>
    /// The checked GEMM on a chosen instruction set (tests run every set this machine has): a few rows of A
    /// against a transposed B as dot products (<see cref="SmallRowsGemmJob"/>), the rest blocked.
    /// </summary>
    internal static unsafe void Gemm(
        GemmIsa isa, bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc,
        int threads)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (SmallRowsGemmJob.Applies(isa, transA, transB, m, k))
            {
                SmallRowsGemmJob.Run(m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, threads);
                return;
            }

            GemmDriver.Gemm(
                isa, m, n, k, alpha, new MatrixA(pa, lda, transA), new MatrixB(pb, ldb, transB), beta, pc, ldc,
                default, threads);
        }
    }

    private static void CheckMatrix(ReadOnlySpan<float> span, int rows, int cols, int stride, string name)
    {
        if (rows < 0 || cols < 0 || stride < cols)
        {
            throw new ArgumentException($"{name}: invalid shape {rows}x{cols} with row stride {stride}", name);
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * stride) + cols;
        if (span.Length < needed)
        {
            throw new ArgumentException($"{name}: {span.Length} elements, {rows}x{cols} with row stride {stride} needs {needed}", name);
        }
    }
}
