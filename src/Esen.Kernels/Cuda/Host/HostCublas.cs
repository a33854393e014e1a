using System.Runtime.InteropServices;
using Esen.Native.Cublas;

namespace Esen.Kernels.Cuda.Host;

/// <summary>
/// cuBLAS's single-precision GEMM written from its documented semantics, on host memory: the lowering's
/// row-major-to-column-major mapping is checked against an independent definition, not against itself.
/// </summary>
internal static class HostCublas
{
    /// <summary>
    /// C_b = alpha·op(A_b)·op(B_b) + beta·C_b, column-major: element (i, j) of a matrix with leading
    /// dimension ld is at i + j·ld, and op(X)(i, p) is X(p, i) when transposed (cuBLAS sgemm and
    /// gemmStridedBatchedEx docs); beta = 0 ignores C's previous contents, NaN included.
    /// </summary>
    public static void Gemm(in GemmCall call)
    {
        float[] a = Read(call.A, Extent(call.TransA == CublasOperation.None, call.M, call.K, call.Lda, call.StrideA, call.BatchCount));
        float[] b = Read(call.B, Extent(call.TransB == CublasOperation.None, call.K, call.N, call.Ldb, call.StrideB, call.BatchCount));
        float[] c = Read(call.C, Extent(true, call.M, call.N, call.Ldc, call.StrideC, call.BatchCount));
        for (int batch = 0; batch < call.BatchCount; batch++)
        {
            long a0 = batch * call.StrideA, b0 = batch * call.StrideB, c0 = batch * call.StrideC;
            for (int j = 0; j < call.N; j++)
            {
                for (int i = 0; i < call.M; i++)
                {
                    double sum = 0;
                    for (int p = 0; p < call.K; p++)
                    {
                        float av = call.TransA == CublasOperation.None ? a[a0 + i + ((long)p * call.Lda)] : a[a0 + p + ((long)i * call.Lda)];
                        float bv = call.TransB == CublasOperation.None ? b[b0 + p + ((long)j * call.Ldb)] : b[b0 + j + ((long)p * call.Ldb)];
                        sum += (double)av * bv;
                    }

                    long at = c0 + i + ((long)j * call.Ldc);
                    c[at] = (float)((call.Alpha * sum) + (call.Beta == 0f ? 0 : call.Beta * c[at]));
                }
            }
        }

        Marshal.Copy(c, 0, (IntPtr)call.C, c.Length);
    }

    // Elements a column-major rows×cols operand (stored transposed when not plain) spans over all batch entries.
    private static int Extent(bool plain, int rows, int cols, int ld, long stride, int batch) =>
        (int)((stride * (batch - 1)) + (plain ? ((long)ld * (cols - 1)) + rows : ((long)ld * (rows - 1)) + cols));

    private static float[] Read(ulong address, int count)
    {
        float[] values = new float[count];
        Marshal.Copy((IntPtr)address, values, 0, count);
        return values;
    }
}
