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
}
