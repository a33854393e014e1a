using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// C = alpha·A·Bᵀ + beta·C on AVX-512 for at most <see cref="MaxRows"/> rows of A, with B stored n × k in
/// contiguous rows: a fully connected layer at batch 1–8 with ONNX Gemm's transB = 1 weights. The blocked
/// GEMM packs all of B, transposed, on every call although each element of B then serves at most four
/// multiply-adds per row of A: MobileNetV2's 1280 → 1000 classifier took 1.2 ms that way, 7× ONNX Runtime's time
/// (2026-12-06). Here every output is the dot product of a row of A and a row of B, read where they lie: a
/// step loads 16 floats of four rows of B and of up to four rows of A into 16 accumulators, so B streams
/// through once per four rows of A, and each accumulator is reduced to its output at the end. Rows of A past
/// m repeat the last one, and so do columns past n, and neither is stored. Tasks take runs of 64 columns and
/// sweep them once per four rows of A, the second time from L2.
/// </summary>
internal sealed unsafe class SmallRowsGemmJob : ParallelWork
{
    /// <summary>The most rows of A this path takes: two tiles of four, beyond which the packed GEMM reuses B enough.</summary>
    public const int MaxRows = 8;

    private const int TileRows = 4;

    private const int Lanes = MaskedRow.Lanes;

    /// <summary>Columns per task when the work is split: 16 tiles of four, small enough to balance two threads on 1000 outputs.</summary>
    private const int ColumnsPerTask = 64;

    [ThreadStatic]
    private static SmallRowsGemmJob? t_cached;

    private int _m, _n, _k, _lda, _ldb, _ldc;
    private float _alpha, _beta;
    private float* _a, _b, _c;

    /// <summary>Whether the product runs here on <paramref name="isa"/>: untransposed A of at most <see cref="MaxRows"/> rows, transposed B, a depth of at least one vector.</summary>
    public static bool Applies(GemmIsa isa, bool transA, bool transB, int m, int k) =>
        isa == GemmIsa.Avx512 && Avx512F.IsSupported && !transA && transB && m is > 0 and <= MaxRows && k >= Lanes;

    /// <summary>Runs the product over up to <paramref name="threads"/> threads.</summary>
    public static void Run(int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads)
    {
        SmallRowsGemmJob job = t_cached ??= new SmallRowsGemmJob();
        (job._m, job._n, job._k, job._lda, job._ldb, job._ldc, job._alpha, job._beta) = (m, n, k, lda, ldb, ldc, alpha, beta);
        job._a = a;
        job._b = b;
        job._c = c;
        int tasks = (n + ColumnsPerTask - 1) / ColumnsPerTask;
        CpuParallel.For(job, tasks, GemmTiling.PartsFor(2L * m * n * k, threads));
    }

    public override void Execute(int index)
    {
        int end = Math.Min(_n, (index + 1) * ColumnsPerTask);
        for (int row = 0; row < _m; row += TileRows)
        {
            for (int j = index * ColumnsPerTask; j < end; j += 4)
            {
                Tile(row, Math.Min(TileRows, _m - row), j, Math.Min(4, end - j));
            }
        }
    }

    /// <summary>Outputs [j, j + columns) of rows [row, row + rows) of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile(int row, int rows, int j, int columns)
    {
        int k = _k;
        float* a = _a + ((long)row * _lda);
        float* x0 = a, x1 = a + ((long)Math.Min(1, rows - 1) * _lda), x2 = a + ((long)Math.Min(2, rows - 1) * _lda), x3 = a + ((long)Math.Min(3, rows - 1) * _lda);
        float* w0 = _b + ((long)j * _ldb), w1 = _b + ((long)(j + Math.Min(1, columns - 1)) * _ldb);
        float* w2 = _b + ((long)(j + Math.Min(2, columns - 1)) * _ldb), w3 = _b + ((long)(j + Math.Min(3, columns - 1)) * _ldb);
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
        int p = 0;
        for (; p + Lanes <= k; p += Lanes)
        {
            Step(
                Vector512.Load(x0 + p), Vector512.Load(x1 + p), Vector512.Load(x2 + p), Vector512.Load(x3 + p),
                Vector512.Load(w0 + p), Vector512.Load(w1 + p), Vector512.Load(w2 + p), Vector512.Load(w3 + p),
                ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13,
                ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
        }

        if (p < k)
        {
            Vector512<float> inside = MaskedRow.FirstLanes(k - p), zero = Vector512<float>.Zero;
            Step(
                Avx512F.MaskLoad(x0 + p, inside, zero), Avx512F.MaskLoad(x1 + p, inside, zero), Avx512F.MaskLoad(x2 + p, inside, zero), Avx512F.MaskLoad(x3 + p, inside, zero),
                Avx512F.MaskLoad(w0 + p, inside, zero), Avx512F.MaskLoad(w1 + p, inside, zero), Avx512F.MaskLoad(w2 + p, inside, zero), Avx512F.MaskLoad(w3 + p, inside, zero),
                ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13,
                ref s20, ref s21, ref s22, ref s23, ref s30, ref s31, ref s32, ref s33);
        }

        Store(row, j, columns, s00, s01, s02, s03);
        if (rows > 1)
        {
            Store(row + 1, j, columns, s10, s11, s12, s13);
        }

        if (rows > 2)
        {
            Store(row + 2, j, columns, s20, s21, s22, s23);
        }

        if (rows > 3)
        {
            Store(row + 3, j, columns, s30, s31, s32, s33);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(
        Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3,
        Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, Vector512<float> w3,
        ref Vector512<float> s00, ref Vector512<float> s01, ref Vector512<float> s02, ref Vector512<float> s03,
        ref Vector512<float> s10, ref Vector512<float> s11, ref Vector512<float> s12, ref Vector512<float> s13,
        ref Vector512<float> s20, ref Vector512<float> s21, ref Vector512<float> s22, ref Vector512<float> s23,
        ref Vector512<float> s30, ref Vector512<float> s31, ref Vector512<float> s32, ref Vector512<float> s33)
    {
        s00 = Avx512F.FusedMultiplyAdd(x0, w0, s00);
        s01 = Avx512F.FusedMultiplyAdd(x0, w1, s01);
        s02 = Avx512F.FusedMultiplyAdd(x0, w2, s02);
        s03 = Avx512F.FusedMultiplyAdd(x0, w3, s03);
        s10 = Avx512F.FusedMultiplyAdd(x1, w0, s10);
        s11 = Avx512F.FusedMultiplyAdd(x1, w1, s11);
        s12 = Avx512F.FusedMultiplyAdd(x1, w2, s12);
        s13 = Avx512F.FusedMultiplyAdd(x1, w3, s13);
        s20 = Avx512F.FusedMultiplyAdd(x2, w0, s20);
        s21 = Avx512F.FusedMultiplyAdd(x2, w1, s21);
        s22 = Avx512F.FusedMultiplyAdd(x2, w2, s22);
        s23 = Avx512F.FusedMultiplyAdd(x2, w3, s23);
        s30 = Avx512F.FusedMultiplyAdd(x3, w0, s30);
        s31 = Avx512F.FusedMultiplyAdd(x3, w1, s31);
        s32 = Avx512F.FusedMultiplyAdd(x3, w2, s32);
        s33 = Avx512F.FusedMultiplyAdd(x3, w3, s33);
    }

    /// <summary>Reduces row <paramref name="row"/>'s accumulators into C[row, j..j + columns): alpha·sum, plus beta·C unless beta is 0 (then C is not read).</summary>
    private void Store(int row, int j, int columns, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3)
    {
        float* c = _c + ((long)row * _ldc) + j;
        float sum0 = Vector512.Sum(s0), sum1 = Vector512.Sum(s1), sum2 = Vector512.Sum(s2), sum3 = Vector512.Sum(s3);
        c[0] = Scale(c, sum0);
        if (columns > 1)
        {
            c[1] = Scale(c + 1, sum1);
        }

        if (columns > 2)
        {
            c[2] = Scale(c + 2, sum2);
        }

        if (columns > 3)
        {
            c[3] = Scale(c + 3, sum3);
        }
    }

    private float Scale(float* c, float sum) => _beta == 0f ? _alpha * sum : (_alpha * sum) + (_beta * *c);
}
