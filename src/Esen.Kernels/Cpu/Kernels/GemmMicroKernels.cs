using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>The instruction set a GEMM runs with; each has its own register tile.</summary>
internal enum GemmIsa
{
    /// <summary>Portable scalar loops.</summary>
    Scalar,

    /// <summary>AVX2 + FMA3: 16 ymm registers, a 6×16 tile (12 accumulators).</summary>
    Avx2,

    /// <summary>AVX-512F: 32 zmm registers, an 8×32 tile (16 accumulators).</summary>
    Avx512,
}

/// <summary>
/// Register-tiled micro-kernels: C[rows×cols] (+)= A-panel · B-panel over kc steps, where the A panel holds Mr
/// floats per step (packed, zero-padded) and the B panel Nr floats per step, <c>bStride</c> floats apart (Nr when
/// packed, the row stride when read in place). Full tiles store straight
/// into C; AVX-512 edge tiles store with lane masks, the others go through a small stack tile. When <c>overwrite</c> is set C is written without being
/// read (beta = 0), otherwise C = acc + beta·C.
/// </summary>
[SkipLocalsInit]
internal static unsafe class GemmMicroKernels
{
    /// <summary>The best instruction set this machine supports.</summary>
    public static GemmIsa Best { get; } =
        Avx512F.IsSupported ? GemmIsa.Avx512 : (Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Avx2 : GemmIsa.Scalar);

    /// <summary>Whether <paramref name="isa"/> can run here.</summary>
    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Avx512 => Avx512F.IsSupported,
        GemmIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>The 8×32 AVX-512 tile; <paramref name="epilogue"/> (bias, ReLU) is applied in registers as it stores, for the last depth block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Tile8x32(int kc, float* a, float* b, int bStride, float* c, int ldc, int rows, int cols, float beta, bool overwrite, TileEpilogue epilogue = default)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        // Two k steps per iteration: the loop's scalar bookkeeping shares ports 0 and 5 with the FMAs.
        int p = 0;
        for (; p + 1 < kc; p += 2)
        {
            Step512(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            Step512(a + 8, b + bStride, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            a += 16;
            b += 2 * bStride;
        }

        if (p < kc)
        {
            Step512(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
        }

        if (rows == 8 && cols == 32)
        {
            Store512(c, c00, c01, beta, overwrite, epilogue, 0);
            Store512(c + ldc, c10, c11, beta, overwrite, epilogue, 1);
            Store512(c + (2 * ldc), c20, c21, beta, overwrite, epilogue, 2);
            Store512(c + (3 * ldc), c30, c31, beta, overwrite, epilogue, 3);
            Store512(c + (4 * ldc), c40, c41, beta, overwrite, epilogue, 4);
            Store512(c + (5 * ldc), c50, c51, beta, overwrite, epilogue, 5);
            Store512(c + (6 * ldc), c60, c61, beta, overwrite, epilogue, 6);
            Store512(c + (7 * ldc), c70, c71, beta, overwrite, epilogue, 7);
            return;
        }

        // Edge tiles store with lane masks, row by row up to the tile's height.
        Vector512<float> lo = MaskedRow.FirstLanes(cols), hi = MaskedRow.FirstLanes(cols - 16);
        StoreMasked512(c, c00, lo, beta, overwrite, epilogue, 0);
        StoreMasked512(c + 16, c01, hi, beta, overwrite, epilogue, 0);
        if (rows > 1)
        {
            StoreMasked512(c + ldc, c10, lo, beta, overwrite, epilogue, 1);
            StoreMasked512(c + ldc + 16, c11, hi, beta, overwrite, epilogue, 1);
        }

        if (rows > 2)
        {
            StoreMasked512(c + (2 * ldc), c20, lo, beta, overwrite, epilogue, 2);
            StoreMasked512(c + (2 * ldc) + 16, c21, hi, beta, overwrite, epilogue, 2);
        }

        if (rows > 3)
        {
            StoreMasked512(c + (3 * ldc), c30, lo, beta, overwrite, epilogue, 3);
            StoreMasked512(c + (3 * ldc) + 16, c31, hi, beta, overwrite, epilogue, 3);
        }

        if (rows > 4)
        {
            StoreMasked512(c + (4 * ldc), c40, lo, beta, overwrite, epilogue, 4);
            StoreMasked512(c + (4 * ldc) + 16, c41, hi, beta, overwrite, epilogue, 4);
        }

        if (rows > 5)
        {
            StoreMasked512(c + (5 * ldc), c50, lo, beta, overwrite, epilogue, 5);
            StoreMasked512(c + (5 * ldc) + 16, c51, hi, beta, overwrite, epilogue, 5);
        }

        if (rows > 6)
        {
            StoreMasked512(c + (6 * ldc), c60, lo, beta, overwrite, epilogue, 6);
            StoreMasked512(c + (6 * ldc) + 16, c61, hi, beta, overwrite, epilogue, 6);
        }

        if (rows > 7)
        {
            StoreMasked512(c + (7 * ldc), c70, lo, beta, overwrite, epilogue, 7);
            StoreMasked512(c + (7 * ldc) + 16, c71, hi, beta, overwrite, epilogue, 7);
        }
    }

    /// <summary>
    /// The 8×16 AVX-512 tile for edge blocks of at most 16 columns (such as the 9 left over from 13×13 = 169
    /// outputs): the 8×32 tile would spend half or more of its FMAs on zero padding there. Reads the first 16
    /// floats of each B row and stores with lane masks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Tile8x16(int kc, float* a, float* b, int bStride, float* c, int ldc, int rows, int cols, float beta, bool overwrite, TileEpilogue epilogue = default)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        int p = 0;
        for (; p + 1 < kc; p += 2)
        {
            Step512x16(a, b, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            Step512x16(a + 8, b + bStride, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            a += 16;
            b += 2 * bStride;
        }

        if (p < kc)
        {
            Step512x16(a, b, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
        }

        Vector512<float> mask = MaskedRow.FirstLanes(cols);
        StoreMasked512(c, c0, mask, beta, overwrite, epilogue, 0);
        if (rows > 1)
        {
            StoreMasked512(c + ldc, c1, mask, beta, overwrite, epilogue, 1);
        }

        if (rows > 2)
        {
            StoreMasked512(c + (2 * ldc), c2, mask, beta, overwrite, epilogue, 2);
        }

        if (rows > 3)
        {
            StoreMasked512(c + (3 * ldc), c3, mask, beta, overwrite, epilogue, 3);
        }

        if (rows > 4)
        {
            StoreMasked512(c + (4 * ldc), c4, mask, beta, overwrite, epilogue, 4);
        }

        if (rows > 5)
        {
            StoreMasked512(c + (5 * ldc), c5, mask, beta, overwrite, epilogue, 5);
        }

        if (rows > 6)
        {
            StoreMasked512(c + (6 * ldc), c6, mask, beta, overwrite, epilogue, 6);
        }

        if (rows > 7)
        {
            StoreMasked512(c + (7 * ldc), c7, mask, beta, overwrite, epilogue, 7);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Tile6x16(int kc, float* a, float* b, int bStride, float* c, int ldc, int rows, int cols, float beta, bool overwrite)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00);
            c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10);
            c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20);
            c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30);
            c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40);
            c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50);
            c51 = Fma.MultiplyAdd(av, b1, c51);
            a += 6;
            b += bStride;
        }

        const int Nr = 16;
        bool full = rows == 6 && cols == Nr;
        float* tile = stackalloc float[full ? 0 : 6 * Nr];
        float* dst = full ? c : tile;
        int ld = full ? ldc : Nr;
        bool direct = overwrite || !full;
        Store256(dst, c00, c01, beta, direct);
        Store256(dst + ld, c10, c11, beta, direct);
        Store256(dst + (2 * ld), c20, c21, beta, direct);
        Store256(dst + (3 * ld), c30, c31, beta, direct);
        Store256(dst + (4 * ld), c40, c41, beta, direct);
        Store256(dst + (5 * ld), c50, c51, beta, direct);
        if (!full)
        {
            StoreEdge(tile, Nr, c, ldc, rows, cols, beta, overwrite);
        }
    }

    /// <summary>The portable 4×8 tile, for machines without AVX2.</summary>
    public static void ScalarTile4x8(int kc, float* a, float* b, int bStride, float* c, int ldc, int rows, int cols, float beta, bool overwrite)
    {
        const int Mr = 4, Nr = 8;
        float* acc = stackalloc float[Mr * Nr];
        new Span<float>(acc, Mr * Nr).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < Mr; i++)
            {
                float av = a[i];
                for (int j = 0; j < Nr; j++)
                {
                    acc[(i * Nr) + j] = MathF.FusedMultiplyAdd(av, b[j], acc[(i * Nr) + j]);
                }
            }

            a += Mr;
            b += bStride;
        }

        StoreEdge(acc, Nr, c, ldc, rows, cols, beta, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step512(
        float* a, float* b,
        ref Vector512<float> c00, ref Vector512<float> c01, ref Vector512<float> c10, ref Vector512<float> c11,
        ref Vector512<float> c20, ref Vector512<float> c21, ref Vector512<float> c30, ref Vector512<float> c31,
        ref Vector512<float> c40, ref Vector512<float> c41, ref Vector512<float> c50, ref Vector512<float> c51,
        ref Vector512<float> c60, ref Vector512<float> c61, ref Vector512<float> c70, ref Vector512<float> c71)
    {
        Vector512<float> b0 = Vector512.Load(b);
        Vector512<float> b1 = Vector512.Load(b + 16);
        Vector512<float> av = Vector512.Create(a[0]);
        c00 = Avx512F.FusedMultiplyAdd(av, b0, c00);
        c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
        av = Vector512.Create(a[1]);
        c10 = Avx512F.FusedMultiplyAdd(av, b0, c10);
        c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
        av = Vector512.Create(a[2]);
        c20 = Avx512F.FusedMultiplyAdd(av, b0, c20);
        c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
        av = Vector512.Create(a[3]);
        c30 = Avx512F.FusedMultiplyAdd(av, b0, c30);
        c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
        av = Vector512.Create(a[4]);
        c40 = Avx512F.FusedMultiplyAdd(av, b0, c40);
        c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
        av = Vector512.Create(a[5]);
        c50 = Avx512F.FusedMultiplyAdd(av, b0, c50);
        c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
        av = Vector512.Create(a[6]);
        c60 = Avx512F.FusedMultiplyAdd(av, b0, c60);
        c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
        av = Vector512.Create(a[7]);
        c70 = Avx512F.FusedMultiplyAdd(av, b0, c70);
        c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* dst, Vector512<float> lo, Vector512<float> hi, float beta, bool overwrite, TileEpilogue epilogue, int row)
    {
        if (!overwrite)
        {
            Vector512<float> scale = Vector512.Create(beta);
            lo = Avx512F.FusedMultiplyAdd(Vector512.Load(dst), scale, lo);
            hi = Avx512F.FusedMultiplyAdd(Vector512.Load(dst + 16), scale, hi);
        }

        if (epilogue.RowBias != null)
        {
            Vector512<float> bias = Vector512.Create(epilogue.RowBias[row]);
            lo += bias;
            hi += bias;
        }

        if (epilogue.Relu)
        {
            lo = TileEpilogue.Rectify(lo);
            hi = TileEpilogue.Rectify(hi);
        }

        lo.Store(dst);
        hi.Store(dst + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step512x16(
        float* a, float* b,
        ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3,
        ref Vector512<float> c4, ref Vector512<float> c5, ref Vector512<float> c6, ref Vector512<float> c7)
    {
        Vector512<float> b0 = Vector512.Load(b);
        c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
        c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
        c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
        c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
        c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
        c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
        c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
        c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
    }

    /// <summary>Stores the lanes of <paramref name="mask"/> (none when it is empty, so C past the edge is never touched).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreMasked512(float* dst, Vector512<float> acc, Vector512<float> mask, float beta, bool overwrite, TileEpilogue epilogue, int row)
    {
        if (!overwrite)
        {
            acc = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(dst, mask, Vector512<float>.Zero), Vector512.Create(beta), acc);
        }

        if (epilogue.RowBias != null)
        {
            acc += Vector512.Create(epilogue.RowBias[row]);
        }

        if (epilogue.Relu)
        {
            acc = TileEpilogue.Rectify(acc);
        }

        Avx512F.MaskStore(dst, mask, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* dst, Vector256<float> lo, Vector256<float> hi, float beta, bool overwrite)
    {
        if (!overwrite)
        {
            Vector256<float> scale = Vector256.Create(beta);
            lo = Fma.MultiplyAdd(Vector256.Load(dst), scale, lo);
            hi = Fma.MultiplyAdd(Vector256.Load(dst + 8), scale, hi);
        }

        lo.Store(dst);
        hi.Store(dst + 8);
    }

    private static void StoreEdge(float* tile, int tileStride, float* c, int ldc, int rows, int cols, float beta, bool overwrite)
    {
        for (int i = 0; i < rows; i++)
        {
            float* src = tile + (i * tileStride);
            float* dst = c + ((long)i * ldc);
            for (int j = 0; j < cols; j++)
            {
                dst[j] = overwrite ? src[j] : src[j] + (beta * dst[j]);
            }
        }
    }
}

/// <summary>
/// The part of a GEMM epilogue a register tile can apply before it stores: a bias per row of C (pointing at
/// the tile's first row; null for none) and ReLU. Other activations run over finished rows instead.
/// </summary>
internal readonly unsafe struct TileEpilogue(float* rowBias, bool relu)
{
    public float* RowBias { get; } = rowBias;

    public bool Relu { get; } = relu;

    /// <summary>
    /// max(x, 0) with a NaN kept, in one instruction: vmaxps returns its second operand when either is NaN
    /// (Intel SDM, MAXPS), where <see cref="Vector512.Max{T}(Vector512{T}, Vector512{T})"/> spends three on IEEE 754 maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Rectify(Vector512<float> x) => Avx512F.Max(Vector512<float>.Zero, x);

    /// <summary>The same epilogue for the tile that starts <paramref name="rows"/> rows further down.</summary>
    public TileEpilogue Down(int rows) => new(RowBias == null ? null : RowBias + rows, Relu);
}
