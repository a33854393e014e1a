using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>Register tile (Mr×Nr) and cache blocks (Mc×Kc of A in L2, Kc×Nr of B in L1, Kc×Nc of B in L3).</summary>
internal readonly record struct GemmTiling(GemmIsa Isa, int Mr, int Nr, int Mc, int Kc, int Nc)
{
    public static GemmTiling For(GemmIsa isa) => isa switch
    {
        // Kc·Nr·4 B = 32 KiB of B panel stays in a 48 KiB L1d; Mc·Kc·4 B = 128 KiB of A in L2.
        GemmIsa.Avx512 => new GemmTiling(isa, 8, 32, 128, 256, 2048),
        GemmIsa.Avx2 => new GemmTiling(isa, 6, 16, 120, 256, 2048),
        _ => new GemmTiling(isa, 4, 8, 64, 256, 1024),
    };

    /// <summary>
    /// Splits an m×n output into part <paramref name="index"/> of <paramref name="parts"/> in whole tiles: along its
    /// longer side, or with <paramref name="preferColumns"/> along the columns as long as whole tiles leave the
    /// largest part at most 15% above an even share (169 columns in two parts of 96 and 73 do; 196 in 128 and 68
    /// do not: the second thread would wait a third of the time, more than the packing a row split repeats).
    /// </summary>
    public (int I0, int I1, int J0, int J1) Part(int index, int parts, int m, int n, bool preferColumns = false)
    {
        if (parts == 1)
        {
            return (0, m, 0, n);
        }

        int chunk = RoundUp((n + parts - 1) / parts, Nr);
        if (n >= m || (preferColumns && 20L * chunk * parts <= 23L * n))
        {
            int j0 = Math.Min(n, index * chunk);
            return (0, m, j0, Math.Min(n, j0 + chunk));
        }

        int rows = RoundUp((m + parts - 1) / parts, Mr);
        int i0 = Math.Min(m, index * rows);
        return (i0, Math.Min(m, i0 + rows), 0, n);
    }

    /// <summary>How many parts to split a GEMM into: one when it is too small to repay waking workers.</summary>
    public static int PartsFor(long flops, int threads) =>
        flops < 1 << 18 ? 1 : Math.Max(1, Math.Min(threads, Environment.ProcessorCount));

    /// <summary><paramref name="value"/> rounded up to a multiple of <paramref name="multiple"/> (tile and panel padding).</summary>
    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}

/// <summary>Bias per row of C, then an activation, applied once a C block has its final value.</summary>
internal readonly unsafe struct GemmEpilogue
{
    private readonly float* _rowBias;
    private readonly FusedActivation _activation;

    public GemmEpilogue(float* rowBias, FusedActivation activation)
    {
        _rowBias = rowBias;
        _activation = activation;
    }

    public bool IsNone => _rowBias == null && _activation.Kind == ActivationKind.None;

    /// <summary>Whether a register tile can apply all of it (bias and ReLU only).</summary>
    public bool FitsTile => _activation.Kind is ActivationKind.None or ActivationKind.Relu;

    /// <summary>The tile form, for the block of rows starting at <paramref name="row"/>.</summary>
    public TileEpilogue ForTile(int row) => new(_rowBias == null ? null : _rowBias + row, _activation.Kind == ActivationKind.Relu);

    public void Apply(float* row, int count, int rowIndex) =>
        _activation.Apply(new Span<float>(row, count), _rowBias == null ? 0f : _rowBias[rowIndex]);
}

/// <summary>
/// The blocked GEMM loop nest (Goto &amp; van de Geijn, "Anatomy of High-Performance Matrix Multiplication",
/// ACM TOMS 34(3), 2008): for each Nc column block and Kc depth block pack B, for each Mc row block pack A,
/// then sweep Nr×Mr register tiles with B's micro-panel held in L1.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C with the epilogue, split over up to <paramref name="threads"/> threads.</summary>
    public static void Gemm<TB>(
        GemmIsa isa, int m, int n, int k, float alpha, MatrixA a, TB b, float beta, float* c, int ldc,
        GemmEpilogue epilogue, int threads)
        where TB : struct, IGemmBSource
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        var tiling = GemmTiling.For(isa);
        int parts = GemmTiling.PartsFor(2L * m * n * k, threads);
        if (parts == 1)
        {
            RunBlock(tiling, 0, m, 0, n, k, alpha, a, ref b, beta, c, ldc, epilogue);
            return;
        }

        GemmJob<TB> job = GemmJob<TB>.ForCurrentThread;
        job.Set(tiling, parts, m, n, k, alpha, a, b, beta, c, ldc, epilogue);
        CpuParallel.For(job, parts, threads);
    }

    /// <summary>The single-threaded loop nest over rows [i0, i1) and columns [j0, j1) of C.</summary>
    public static void RunBlock<TA, TB>(
        GemmTiling t, int i0, int i1, int j0, int j1, int k, float alpha, TA a, ref TB b, float beta,
        float* c, int ldc, GemmEpilogue epilogue)
        where TA : struct, IGemmASource
        where TB : struct, IGemmBSource
    {
        if (i0 >= i1 || j0 >= j1)
        {
            return;
        }

        if (k == 0 || alpha == 0f)
        {
            ScaleBlock(i0, i1, j0, j1, beta, c, ldc, epilogue);
            return;
        }

        // When op(B)'s rows are contiguous and A is a single Mc block, each B panel is used by one sweep of
        // A tiles only: reading it in place beats copying it (1×1 convolutions, small-batch fully connected).
        // Not when the stride is a multiple of 1 KiB: then every row of a panel maps to the same few L1 sets.
        float* bOrigin = null;
        int ldb = 0;
        bool inPlace = i1 - i0 <= t.Mc && b.TryGetRows(out bOrigin, out ldb) && ldb % 256 != 0;
        GemmWorkspace workspace = GemmWorkspace.Current;
        float* scratchA = workspace.PackedA(t.Mc * t.Kc);
        float* packedB = workspace.PackedB(t.Kc * ((t.Nc + t.Nr - 1) / t.Nr * t.Nr));
        for (int jc = j0; jc < j1; jc += t.Nc)
        {
            int nc = Math.Min(t.Nc, j1 - jc);
            int fullColumns = inPlace ? nc / t.Nr * t.Nr : 0;
            for (int pc = 0; pc < k; pc += t.Kc)
            {
                int kc = Math.Min(t.Kc, k - pc);
                bool first = pc == 0, last = pc + kc == k;
                b.Pack(packedB, pc, kc, jc + fullColumns, nc - fullColumns, t.Nr);
                var panels = new BPanels(packedB, fullColumns, inPlace ? bOrigin + ((long)pc * ldb) + jc : null, inPlace ? ldb : 0);
                for (int ic = i0; ic < i1; ic += t.Mc)
                {
                    int mc = Math.Min(t.Mc, i1 - ic);
                    float* packedA = a.Panels(scratchA, ic, mc, pc, kc, t.Mr, alpha);

                    // The AVX-512 tile applies bias and ReLU in registers as it stores the last depth block.
                    bool inTile = last && t.Isa == GemmIsa.Avx512 && epilogue.FitsTile;
                    MacroKernel(t, kc, mc, nc, packedA, panels, c + ((long)ic * ldc) + jc, ldc, first ? beta : 1f, first && beta == 0f, inTile ? epilogue.ForTile(ic) : default);
                    if (last && !inTile && !epilogue.IsNone)
                    {
                        for (int i = ic; i < ic + mc; i++)
                        {
                            epilogue.Apply(c + ((long)i * ldc) + jc, nc, i);
                        }
                    }
                }
            }
        }
    }

    private static void MacroKernel(GemmTiling t, int kc, int mc, int nc, float* packedA, BPanels panels, float* c, int ldc, float beta, bool overwrite, TileEpilogue epilogue)
    {
        for (int jr = 0; jr < nc; jr += t.Nr)
        {
            int cols = Math.Min(t.Nr, nc - jr);
            float* bPanel = panels.Panel(jr, kc, t.Nr, out int bStride);
            for (int ir = 0; ir < mc; ir += t.Mr)
            {
                int rows = Math.Min(t.Mr, mc - ir);
                float* aPanel = packedA + ((long)ir * kc);
                float* cTile = c + ((long)ir * ldc) + jr;
                switch (t.Isa)
                {
                    case GemmIsa.Avx512 when cols <= 16:
                        GemmMicroKernels.Avx512Tile8x16(kc, aPanel, bPanel, bStride, cTile, ldc, rows, cols, beta, overwrite, epilogue.Down(ir));
                        break;
                    case GemmIsa.Avx512:
                        GemmMicroKernels.Avx512Tile8x32(kc, aPanel, bPanel, bStride, cTile, ldc, rows, cols, beta, overwrite, epilogue.Down(ir));
                        break;
                    case GemmIsa.Avx2:
                        GemmMicroKernels.Avx2Tile6x16(kc, aPanel, bPanel, bStride, cTile, ldc, rows, cols, beta, overwrite);
                        break;
                    default:
                        GemmMicroKernels.ScalarTile4x8(kc, aPanel, bPanel, bStride, cTile, ldc, rows, cols, beta, overwrite);
                        break;
                }
            }
        }
    }

    /// <summary>Where each Nr-column panel of the current B block lives: the first columns in place, the rest packed.</summary>
    private readonly struct BPanels(float* packed, int inPlaceColumns, float* inPlace, int inPlaceStride)
    {
        public float* Panel(int jr, int kc, int nr, out int stride)
        {
            stride = jr < inPlaceColumns ? inPlaceStride : nr;
            return jr < inPlaceColumns ? inPlace + jr : packed + ((long)(jr - inPlaceColumns) * kc);
        }
    }

    /// <summary>C = beta·C (zero when beta is 0, without reading C) for an empty inner dimension or alpha = 0.</summary>
    private static void ScaleBlock(int i0, int i1, int j0, int j1, float beta, float* c, int ldc, GemmEpilogue epilogue)
    {
        for (int i = i0; i < i1; i++)
        {
            var row = new Span<float>(c + ((long)i * ldc) + j0, j1 - j0);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }

            if (!epilogue.IsNone)
            {
                epilogue.Apply(c + ((long)i * ldc) + j0, j1 - j0, i);
            }
        }
    }

    /// <summary>One GEMM split into parts; cached per calling thread so the parallel path allocates nothing.</summary>
    private sealed class GemmJob<TB> : ParallelWork
        where TB : struct, IGemmBSource
    {
        [ThreadStatic]
        private static GemmJob<TB>? t_cached;

        private GemmTiling _tiling;
        private int _parts, _m, _n, _k, _ldc;
        private float _alpha, _beta;
        private MatrixA _a;
        private TB _b;
        private float* _c;
        private GemmEpilogue _epilogue;

        public static GemmJob<TB> ForCurrentThread => t_cached ??= new GemmJob<TB>();

        public void Set(GemmTiling tiling, int parts, int m, int n, int k, float alpha, MatrixA a, TB b, float beta, float* c, int ldc, GemmEpilogue epilogue)
        {
            (_tiling, _parts, _m, _n, _k, _alpha, _a, _b, _beta, _ldc, _epilogue) = (tiling, parts, m, n, k, alpha, a, b, beta, ldc, epilogue);
            _c = c;
        }

        public override void Execute(int index)
        {
            (int i0, int i1, int j0, int j1) = _tiling.Part(index, _parts, _m, _n);
            TB b = _b;
            RunBlock(_tiling, i0, i1, j0, j1, _k, _alpha, _a, ref b, _beta, _c, _ldc, _epilogue);
        }
    }
}
