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
        _ = threads;

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    float bv = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += av * bv;
                }

                int ci = (i * ldc) + j;
                c[ci] = beta == 0f ? alpha * sum : (alpha * sum) + (beta * c[ci]);
            }
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
