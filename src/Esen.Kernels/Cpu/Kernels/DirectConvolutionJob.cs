using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// Direct convolution on AVX-512 for layers with few output channels per group (MNIST's and CIFAR-10's 8–24,
/// and up to 64 when their input is narrow: SqueezeNet's conv1). Constant weights of more than 32 channels with
/// 64 taps or more go to <see cref="ChannelVectorConvolutionJob"/> instead (SqueezeNet's 55 × 55 expands).
/// In the GEMM form each im2col element packed serves only that many rows of the tile, so packing costs about
/// as much as multiplying. Here each task copies its part of one image's group into a zero-padded buffer;
/// 16 neighbouring outputs of a row then read each tap with one unmasked load at a fixed offset, and a tile
/// of 4 output channels × 4 such chunks sums every tap in registers before one masked store with the bias
/// and ReLU applied. Chunks run past the end of a row into padding or the next row; those lanes are never
/// stored. The output rows go in bands whose input fits L1, each swept by every 4-channel tile in turn.
/// Horizontal stride 1 or 2: with 2 the buffer keeps each row's even and odd columns apart, so a chunk's
/// taps are contiguous either way.
/// </summary>
internal sealed unsafe class DirectConvolutionJob : ParallelWork
{
    /// <summary>The most output channels per group this path always takes: with more, the GEMM tile amortises im2col over enough rows.</summary>
    private const int MaxOutChannelsPerGroup = 32;

    /// <summary>
    /// The most it takes when a band of <see cref="MinBandRows"/> output rows keeps its input in L1 (SqueezeNet's
    /// 55 × 55 expands, 16 input channels: 10% faster than the GEMM, 2026-12-06); wider inputs (ResNet's 64
    /// channels at 56 × 56) stay on the GEMM, where re-reading them from L2 for every 4 output channels cost 10%.
    /// </summary>
    private const int MaxBandedOutChannelsPerGroup = 64;

    private const int MinBandRows = 4;

    private const int Lanes = MaskedRow.Lanes;

    /// <summary>Input bytes per band of output rows: two thirds of a 48 KiB L1d, the rest for weights and output.</summary>
    private const int BandBytes = 32 * 1024;

    [ThreadStatic]
    private static DirectConvolutionJob? t_cached;

    private ConvolutionJob.Arguments _args;
    private int _parts;

    public static DirectConvolutionJob ForCurrentThread => t_cached ??= new DirectConvolutionJob();

    /// <summary>Whether <paramref name="s"/> runs here on <paramref name="isa"/> rather than as a GEMM.</summary>
    public static bool Applies(GemmIsa isa, in Conv2DShape s) =>
        isa == GemmIsa.Avx512 && Avx512F.IsSupported && !s.IsDepthwise && s.StrideW is 1 or 2
        && s.KernelHeight * s.KernelWidth > 1
        && (s.OutChannelsPerGroup <= MaxOutChannelsPerGroup || (s.OutChannelsPerGroup <= MaxBandedOutChannelsPerGroup && BandRows(s) >= MinBandRows));

    /// <summary>Sets the call; each (image, group) is split into <paramref name="parts"/> ranges of output rows.</summary>
    public void Set(in ConvolutionJob.Arguments args, int parts)
    {
        _args = args;
        _parts = parts;
    }

    public override void Execute(int index)
    {
        Conv2DShape s = _args.Shape;
        int imageGroup = index / _parts, part = index % _parts;
        int n = imageGroup / s.Groups, g = imageGroup % s.Groups;
        int oy0 = (int)((long)s.OutHeight * part / _parts), oy1 = (int)((long)s.OutHeight * (part + 1) / _parts);
        if (oy0 == oy1)
        {
            return;
        }

        int cg = s.InChannelsPerGroup, og = s.OutChannelsPerGroup;
        int phaseWidth = PhaseWidth(s);
        int rows = ((oy1 - 1 - oy0) * s.StrideH) + ((s.KernelHeight - 1) * s.DilationH) + 1;
        int phasePlane = rows * phaseWidth, plane = s.StrideW * phasePlane, depth = cg * s.KernelHeight * s.KernelWidth;

        // Lanes past the last output of the last row read up to Lanes − 1 floats beyond the last plane.
        int length = checked((cg * plane) + Lanes);
        float[] buffer = PaddedImage.Buffer(length);
        int[] taps = PaddedImage.Taps(s, s.StrideW, rows, phaseWidth);

        float* image = _args.Input + ((((long)n * s.InChannels) + (g * cg)) * s.InHeight * s.InWidth);
        fixed (float* padded = buffer)
        fixed (int* tapOffsets = taps)
        {
            PaddedImage.Copy(s, s.StrideW, image, cg, oy0 * s.StrideH, rows, phaseWidth, padded, length);
            int spatial = s.OutHeight * s.OutWidth;
            float* output = _args.Output + ((((long)n * s.OutChannels) + (g * og)) * spatial);
            float* weights = _args.Weights + ((long)g * og * depth);
            float* bias = _args.Bias == null ? null : _args.Bias + (g * og);
            int band = BandRows(s);
            for (int top = oy0; top < oy1; top += band)
            {
                for (int o = 0; o < og; o += 4)
                {
                    Tiles(s, padded, phaseWidth, tapOffsets, depth, weights, bias, o, Math.Min(4, og - o), output, oy0, top, Math.Min(oy1, top + band));
                }
            }

            if (_args.Activation.Kind is not (ActivationKind.None or ActivationKind.Relu))
            {
                for (int o = 0; o < og; o++)
                {
                    _args.Activation.Apply(new Span<float>(output + ((long)o * spatial) + (oy0 * s.OutWidth), (oy1 - oy0) * s.OutWidth), 0f);
                }
            }
        }
    }

    /// <summary>
    /// Output rows per band: every 4-channel tile sweeps one band before the next, so the band's input rows
    /// (about <see cref="BandBytes"/>) stay in L1 while all output channels read them, instead of each tile
    /// streaming the whole image from L2.
    /// </summary>
    private static int BandRows(in Conv2DShape s)
    {
        int inputRows = BandBytes / sizeof(float) / (s.InChannelsPerGroup * s.StrideW * PhaseWidth(s));
        return Math.Max(1, (inputRows - ((s.KernelHeight - 1) * s.DilationH)) / s.StrideH);
    }

    /// <summary>
    /// Floats per row of one column phase: with horizontal stride 2 the padded rows are stored as their even
    /// and their odd columns, so the 16 outputs of a chunk read every tap contiguously from one phase.
    /// </summary>
    private static int PhaseWidth(in Conv2DShape s) => (s.InWidth + s.PadLeft + s.PadRight + s.StrideW - 1) / s.StrideW;

    /// <summary>
    /// Output channels [o, o + count) (count ≤ 4) over output rows [oy0, oy1), four 16-wide chunks at a time;
    /// <paramref name="padded"/> starts with the input of output row <paramref name="firstRow"/>.
    /// Missing channels repeat the last one and are not stored; missing chunks repeat the last one with an empty mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tiles(
        in Conv2DShape s, float* padded, int phaseWidth, int* taps, int depth, float* weights, float* bias,
        int o, int count, float* output, int firstRow, int oy0, int oy1)
    {
        int ow = s.OutWidth, spatial = s.OutHeight * ow, strideH = s.StrideH;
        float* w0 = weights + ((long)o * depth);
        float* w1 = weights + ((long)(o + Math.Min(1, count - 1)) * depth);
        float* w2 = weights + ((long)(o + Math.Min(2, count - 1)) * depth);
        float* w3 = weights + ((long)(o + Math.Min(3, count - 1)) * depth);
        Vector512<float> b0 = Bias(bias, o), b1 = Bias(bias, o + Math.Min(1, count - 1));
        Vector512<float> b2 = Bias(bias, o + Math.Min(2, count - 1)), b3 = Bias(bias, o + Math.Min(3, count - 1));
        bool relu = _args.Activation.Kind == ActivationKind.Relu;
        float* y = output + ((long)o * spatial);

        int oy = oy0, ox = 0;
        while (oy < oy1)
        {
            // The next four chunks in row order: their first input position, first output and lane count.
            Chunk c0 = Next(ref oy, ref ox, firstRow, oy1, ow, strideH, phaseWidth, default);
            Chunk c1 = Next(ref oy, ref ox, firstRow, oy1, ow, strideH, phaseWidth, c0);
            Chunk c2 = Next(ref oy, ref ox, firstRow, oy1, ow, strideH, phaseWidth, c1);
            Chunk c3 = Next(ref oy, ref ox, firstRow, oy1, ow, strideH, phaseWidth, c2);
            float* p0 = padded + c0.Input, p1 = padded + c1.Input, p2 = padded + c2.Input, p3 = padded + c3.Input;

            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            for (int k = 0; k < depth; k++)
            {
                int t = taps[k];
                Vector512<float> x0 = Vector512.Load(p0 + t), x1 = Vector512.Load(p1 + t), x2 = Vector512.Load(p2 + t), x3 = Vector512.Load(p3 + t);
                Vector512<float> w = Vector512.Create(w0[k]);
                a00 = Avx512F.FusedMultiplyAdd(w, x0, a00);
                a01 = Avx512F.FusedMultiplyAdd(w, x1, a01);
                a02 = Avx512F.FusedMultiplyAdd(w, x2, a02);
                a03 = Avx512F.FusedMultiplyAdd(w, x3, a03);
                w = Vector512.Create(w1[k]);
                a10 = Avx512F.FusedMultiplyAdd(w, x0, a10);
                a11 = Avx512F.FusedMultiplyAdd(w, x1, a11);
                a12 = Avx512F.FusedMultiplyAdd(w, x2, a12);
                a13 = Avx512F.FusedMultiplyAdd(w, x3, a13);
                w = Vector512.Create(w2[k]);
                a20 = Avx512F.FusedMultiplyAdd(w, x0, a20);
                a21 = Avx512F.FusedMultiplyAdd(w, x1, a21);
                a22 = Avx512F.FusedMultiplyAdd(w, x2, a22);
                a23 = Avx512F.FusedMultiplyAdd(w, x3, a23);
                w = Vector512.Create(w3[k]);
                a30 = Avx512F.FusedMultiplyAdd(w, x0, a30);
                a31 = Avx512F.FusedMultiplyAdd(w, x1, a31);
                a32 = Avx512F.FusedMultiplyAdd(w, x2, a32);
                a33 = Avx512F.FusedMultiplyAdd(w, x3, a33);
            }

            Vector512<float> m0 = MaskedRow.FirstLanes(c0.Lanes), m1 = MaskedRow.FirstLanes(c1.Lanes);
            Vector512<float> m2 = MaskedRow.FirstLanes(c2.Lanes), m3 = MaskedRow.FirstLanes(c3.Lanes);
            Store(y, c0, c1, c2, c3, m0, m1, m2, m3, a00, a01, a02, a03, b0, relu);
            if (count > 1)
            {
                Store(y + spatial, c0, c1, c2, c3, m0, m1, m2, m3, a10, a11, a12, a13, b1, relu);
            }

            if (count > 2)
            {
                Store(y + (2L * spatial), c0, c1, c2, c3, m0, m1, m2, m3, a20, a21, a22, a23, b2, relu);
            }

            if (count > 3)
            {
                Store(y + (3L * spatial), c0, c1, c2, c3, m0, m1, m2, m3, a30, a31, a32, a33, b3, relu);
            }
        }
    }

    private static Vector512<float> Bias(float* bias, int channel) => bias == null ? Vector512<float>.Zero : Vector512.Create(bias[channel]);

    /// <summary>The chunk at (oy, ox), advancing past it; once the rows run out, <paramref name="last"/> again with no lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Chunk Next(ref int oy, ref int ox, int firstRow, int oy1, int ow, int strideH, int phaseWidth, Chunk last)
    {
        if (oy >= oy1)
        {
            return last with { Lanes = 0 };
        }

        var chunk = new Chunk(((oy - firstRow) * strideH * phaseWidth) + ox, (oy * ow) + ox, Math.Min(Lanes, ow - ox));
        ox += Lanes;
        if (ox >= ow)
        {
            ox = 0;
            oy++;
        }

        return chunk;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(
        float* plane, Chunk c0, Chunk c1, Chunk c2, Chunk c3,
        Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3,
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> bias, bool relu)
    {
        Avx512F.MaskStore(plane + c0.Output, m0, Finish(a0, bias, relu));
        Avx512F.MaskStore(plane + c1.Output, m1, Finish(a1, bias, relu));
        Avx512F.MaskStore(plane + c2.Output, m2, Finish(a2, bias, relu));
        Avx512F.MaskStore(plane + c3.Output, m3, Finish(a3, bias, relu));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Finish(Vector512<float> sum, Vector512<float> bias, bool relu)
    {
        Vector512<float> value = sum + bias;
        return relu ? TileEpilogue.Rectify(value) : value;
    }

    /// <summary>Sixteen neighbouring outputs of one row: offset of the first tap in the padded buffer, offset of the first output in the plane, outputs stored.</summary>
    private readonly record struct Chunk(int Input, int Output, int Lanes);
}
