namespace Esen.Kernels.Cpu.Ops;

/// <summary>Matrix products in float64, for the values whose precision float32's GEMM would lose.</summary>
internal static partial class CpuOps
{
    /// <summary>
    /// y[i, j] = Σₚ a[i, p] · b[p, j] in double, p ascending, for row-major a (m × k), b (k × n) and y (m × n). Every
    /// product is added, so NaN and ∞ propagate as IEEE 754 says (0 · ∞ is NaN).
    /// </summary>
    public static void MatMul(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y, int m, int n, int k)
    {
        Span<double> output = y[..(m * n)];
        output.Clear();
        for (int i = 0; i < m; i++)
        {
            Span<double> row = output.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                double scale = a[(i * k) + p];
                ReadOnlySpan<double> bRow = b.Slice(p * n, n);
                for (int j = 0; j < n; j++)
                {
                    row[j] += scale * bRow[j];
                }
            }
        }
    }

    /// <summary>
    /// ONNX Gemm in double: y = alpha · op(a) · op(b) + beta · y, where op transposes when asked, a is stored with
    /// row stride <paramref name="lda"/> and b with <paramref name="ldb"/>, and y (m × n, row-major) holds C already
    /// broadcast (ignored when <paramref name="beta"/> is 0). Each dot product sums p ascending.
    /// </summary>
    public static void Gemm(
        bool transA, bool transB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> y)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += a[transA ? (p * lda) + i : (i * lda) + p] * b[transB ? (j * ldb) + p : (p * ldb) + j];
                }

                y[(i * n) + j] = beta == 0 ? alpha * sum : (alpha * sum) + (beta * y[(i * n) + j]);
            }
        }
    }
}
