using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// Convolution on AVX-512 vectorised across output channels instead of output positions (horizontal stride 1 or 2):
/// a tile holds 32 output channels (two registers) × 8 consecutive outputs; each tap broadcasts one input value
/// per output from a zero-padded copy of the image and multiplies it with the 32 channels' weights, packed
/// ahead of time as [tap][channel] per block of 32 channels (<see cref="PackedConvWeights"/>).
/// The GEMM form vectorises along the outputs, so a row's last vector runs partly empty (13 × 13 outputs fill
/// 176 lanes for 169), packs im2col panels on every call and writes its sums back once per depth block; here
/// every lane is an output, the padded copy is the only packing, and each output is stored once. SqueezeNet's
/// 3 × 3 expands on one thread: 0.33 → 0.29 ms at 55 × 55, 0.32 → 0.27 at 27 × 27, 0.29 → 0.26 at 13 × 13
/// (2026-12-06). Eight consecutive outputs cross at most one row end (rows of at least 8); those after it read a
/// fixed distance further on in the padded copy (the rest of the padded row, and the rows a vertical stride
/// skips), which the tile holds in a register, with the crossing point and the stride fixed per specialisation.
/// The sums are transposed in registers to rows of 8 outputs per channel for the NCHW store, with the bias and
/// ReLU applied first. Threads take runs of tiles, each padding the input rows its outputs read.
/// </summary>
internal sealed unsafe class ChannelVectorConvolutionJob : ParallelWork
{
    /// <summary>Output channels per block and tile.</summary>
    public const int Channels = 32;

    /// <summary>Consecutive outputs per tile.</summary>
    public const int Positions = 8;

    private const int Lanes = MaskedRow.Lanes;

    /// <summary>
    /// The fewest taps (input channels × kernel area) a tile's store repays: its transpose costs about as much as
    /// 64 taps of FMAs. SqueezeNet's conv1 (27 taps) took 0.62–0.71 ms here against 0.44–0.47 on the direct kernel.
    /// </summary>
    private const int MinDepth = 64;

    /// <summary>Weight bytes one tile sweeps across blocks: half of a 1 MiB L2 (AMD Zen 4 and 5).</summary>
    private const int WeightBytesPerSweep = 512 * 1024;

    [ThreadStatic]
    private static ChannelVectorConvolutionJob? t_cached;

    private ConvolutionJob.Arguments _args;
    private int _parts;

    public static ChannelVectorConvolutionJob ForCurrentThread => t_cached ??= new ChannelVectorConvolutionJob();

    /// <summary>
    /// Whether <paramref name="s"/> runs here on <paramref name="isa"/>: a horizontal stride of 1 or 2, a kernel larger
    /// than 1×1, rows of at least <see cref="Positions"/> outputs, more output channels per group than a 32-channel
    /// block would leave half empty, and at least <see cref="MinDepth"/> taps. A 1×1 convolution has no im2col to
    /// save: it stays on the GEMM, whose tile was as fast or faster there (SqueezeNet's conv10 0.98–1.05 ms either
    /// way, its 13 × 13 expands 0.042 against 0.058, 2026-12-06).
    /// </summary>
    public static bool Applies(GemmIsa isa, in Conv2DShape s) =>
        isa == GemmIsa.Avx512 && Avx512F.IsSupported && !s.IsDepthwise && s.StrideW is 1 or 2
        && s.KernelHeight * s.KernelWidth > 1 && s.OutWidth >= Positions && s.OutChannelsPerGroup > Channels
        && s.InChannelsPerGroup * s.KernelHeight * s.KernelWidth >= MinDepth;

    /// <summary>Blocks of <see cref="Channels"/> output channels per group.</summary>
    public static int Blocks(in Conv2DShape s) => (s.OutChannelsPerGroup + Channels - 1) / Channels;

    /// <summary>Tiles of <see cref="Positions"/> outputs per output plane.</summary>
    public static int TileCount(in Conv2DShape s) => ((s.OutHeight * s.OutWidth) + Positions - 1) / Positions;

    /// <summary>Sets the call; each (image, group) is split into <paramref name="parts"/> ranges of tiles.</summary>
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
        int tiles = TileCount(s), cg = s.InChannelsPerGroup, og = s.OutChannelsPerGroup, ow = s.OutWidth, spatial = s.OutHeight * ow;
        int first = tiles * part / _parts * Positions, end = Math.Min(spatial, tiles * (part + 1) / _parts * Positions);
        if (first >= end)
        {
            return;
        }

        // The part's output rows, and the padded input rows they read.
        int top = first / ow, bottom = (end - 1) / ow;
        int width = s.InWidth + s.PadLeft + s.PadRight, rows = ((bottom - top) * s.StrideH) + ((s.KernelHeight - 1) * s.DilationH) + 1;
        int plane = rows * width, depth = cg * s.KernelHeight * s.KernelWidth, gap = (s.StrideH * width) - (ow * s.StrideW);

        // The image's last tile's outputs past its end read up to (strideH − 1)·width + 6·strideW + (kw − 1)·dw floats
        // beyond the last plane: cleared, never stored.
        int slack = ((s.StrideH - 1) * width) + (Positions * s.StrideW) + ((s.KernelWidth - 1) * s.DilationW) + Lanes;
        int length = checked((cg * plane) + slack);
        float[] buffer = PaddedImage.Buffer(length);
        int[] taps = PaddedImage.Taps(s, 1, rows, width);

        float* image = _args.Input + ((((long)n * s.InChannels) + (g * cg)) * s.InHeight * s.InWidth);
        float* output = _args.Output + ((((long)n * s.OutChannels) + (g * og)) * spatial);
        fixed (float* padded = buffer)
        fixed (int* tapOffsets = taps)
        {
            PaddedImage.Copy(s, 1, image, cg, top * s.StrideH, rows, width, padded, length);

            // Each tile of outputs runs every block while its inputs are in L1, the blocks' weights streaming from L2;
            // weights larger than half of L2 would stream from L3 instead, so then each block runs every tile in turn
            // (ResNet-50's 3 × 3 layers of 256 channels hold 2.4 MB).
            int blocks = Blocks(s);
            int blocksAtOnce = (long)blocks * depth * Channels * sizeof(float) > WeightBytesPerSweep ? 1 : blocks;
            for (int b = 0; b < blocks; b += blocksAtOnce)
            {
                int last = Math.Min(blocks, b + blocksAtOnce);
                for (int start = first; start < end; start += Positions)
                {
                    int oy = start / ow, ox = start % ow;
                    float* window = padded + ((long)(oy - top) * s.StrideH * width) + (ox * s.StrideW);
                    int count = Math.Min(Positions, end - start);
                    if (s.StrideW == 2)
                    {
                        Tiles<StrideTwo>(window, gap, tapOffsets, output, start, count, ow - ox, g, b, last);
                    }
                    else
                    {
                        Tiles<UnitStride>(window, gap, tapOffsets, output, start, count, ow - ox, g, b, last);
                    }
                }
            }

            if (_args.Activation.Kind is not (ActivationKind.None or ActivationKind.Relu))
            {
                for (int o = 0; o < og; o++)
                {
                    _args.Activation.Apply(new Span<float>(output + ((long)o * spatial) + first, end - first), 0f);
                }
            }
        }
    }

    /// <summary>
    /// The tile of outputs [start, start + count) of <paramref name="output"/> (group g's first plane), once per channel
    /// block in [b0, b1); <paramref name="input"/> is the first output's window, and outputs from
    /// <paramref name="rowEnd"/> on lie on the next row, <paramref name="gap"/> floats further on.
    /// </summary>
    private void Tiles<TStride>(float* input, int gap, int* taps, float* output, int start, int count, int rowEnd, int g, int b0, int b1)
        where TStride : struct, IStride
    {
        Conv2DShape s = _args.Shape;
        int og = s.OutChannelsPerGroup, spatial = s.OutHeight * s.OutWidth, depth = s.InChannelsPerGroup * s.KernelHeight * s.KernelWidth;
        float* weights = _args.Packed!.ChannelBlocks(g);
        float* bias = _args.Bias == null ? null : _args.Bias + (g * og);
        bool relu = _args.Activation.Kind == ActivationKind.Relu;
        for (int b = b0; b < b1; b++)
        {
            var tile = new Tile(
                depth, input, gap, taps, weights + ((long)b * depth * Channels), output + ((long)b * Channels * spatial) + start,
                spatial, count, Math.Min(Channels, og - (b * Channels)), bias == null ? null : bias + (b * Channels), relu);
            switch (rowEnd)
            {
                case 1: tile.Run<Split1, TStride>(); break;
                case 2: tile.Run<Split2, TStride>(); break;
                case 3: tile.Run<Split3, TStride>(); break;
                case 4: tile.Run<Split4, TStride>(); break;
                case 5: tile.Run<Split5, TStride>(); break;
                case 6: tile.Run<Split6, TStride>(); break;
                case 7: tile.Run<Split7, TStride>(); break;
                default: tile.Run<NoSplit, TStride>(); break;
            }
        }
    }

    /// <summary>
    /// Packs group <paramref name="g"/>'s OIHW weights as [block][tap][channel], <see cref="Channels"/> channels per
    /// block, zeros past the last channel.
    /// </summary>
    public static void PackWeights(in Conv2DShape s, float* weights, int g, float* destination)
    {
        int og = s.OutChannelsPerGroup, depth = s.InChannelsPerGroup * s.KernelHeight * s.KernelWidth;
        float* source = weights + ((long)g * og * depth);
        for (int b = 0; b < Blocks(s); b++)
        {
            float* block = destination + ((long)b * depth * Channels);
            for (int k = 0; k < depth; k++)
            {
                for (int j = 0; j < Channels; j++)
                {
                    int o = (b * Channels) + j;
                    block[(k * Channels) + j] = o < og ? source[((long)o * depth) + k] : 0f;
                }
            }
        }
    }

    /// <summary>The horizontal stride: a tile's outputs read inputs this many floats apart.</summary>
    private interface IStride
    {
        static abstract int W { get; }
    }

    private readonly struct UnitStride : IStride
    {
        public static int W => 1;
    }

    private readonly struct StrideTwo : IStride
    {
        public static int W => 2;
    }

    /// <summary>Where the 8 outputs of a tile cross a row end: outputs from <see cref="At"/> on lie on the next row.</summary>
    private interface ISplit
    {
        static abstract int At { get; }
    }

    private readonly struct NoSplit : ISplit
    {
        public static int At => Positions;
    }

    private readonly struct Split1 : ISplit
    {
        public static int At => 1;
    }

    private readonly struct Split2 : ISplit
    {
        public static int At => 2;
    }

    private readonly struct Split3 : ISplit
    {
        public static int At => 3;
    }

    private readonly struct Split4 : ISplit
    {
        public static int At => 4;
    }

    private readonly struct Split5 : ISplit
    {
        public static int At => 5;
    }

    private readonly struct Split6 : ISplit
    {
        public static int At => 6;
    }

    private readonly struct Split7 : ISplit
    {
        public static int At => 7;
    }

    /// <summary>
    /// One tile: <paramref name="input"/> is the padded copy at the first output's window, <paramref name="output"/> the
    /// first output of the block's first channel, <paramref name="count"/> outputs and <paramref name="channels"/> channels stored.
    /// </summary>
    private readonly struct Tile(
        int depth, float* input, nint gap, int* taps, float* weights, float* output, int spatial, int count, int channels,
        float* bias, bool relu)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TSplit, TStride>()
            where TSplit : struct, ISplit
            where TStride : struct, IStride
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
            Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
            Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
            Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
            // Locals, not the captured fields: the loop would reload those from the struct on every step.
            float* w = weights, window = input;
            int* tap = taps, end = taps + depth;
            nint skip = gap;

            // Two taps per iteration: the loop's scalar bookkeeping shares ports with the FMAs.
            for (; tap + 1 < end; tap += 2, w += 2 * Channels)
            {
                Step<TSplit, TStride>(window + tap[0], skip, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
                Step<TSplit, TStride>(window + tap[1], skip, w + Channels, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            }

            if (tap < end)
            {
                Step<TSplit, TStride>(window + tap[0], skip, w, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            }

            Store(0, c00, c10, c20, c30, c40, c50, c60, c70);
            if (channels > Lanes)
            {
                Store(Lanes, c01, c11, c21, c31, c41, c51, c61, c71);
            }
        }

        /// <summary>One tap: the 8 outputs' inputs from <paramref name="p"/> on, those past the row end <paramref name="gap"/> floats further, times 32 channels' weights.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Step<TSplit, TStride>(
            float* p, nint gap, float* w,
            ref Vector512<float> c00, ref Vector512<float> c01, ref Vector512<float> c10, ref Vector512<float> c11,
            ref Vector512<float> c20, ref Vector512<float> c21, ref Vector512<float> c30, ref Vector512<float> c31,
            ref Vector512<float> c40, ref Vector512<float> c41, ref Vector512<float> c50, ref Vector512<float> c51,
            ref Vector512<float> c60, ref Vector512<float> c61, ref Vector512<float> c70, ref Vector512<float> c71)
            where TSplit : struct, ISplit
            where TStride : struct, IStride
        {
            float* q = p + gap;
            Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(w + Lanes);
            Vector512<float> x = Vector512.Create(*(0 < TSplit.At ? p : q));
            c00 = Avx512F.FusedMultiplyAdd(x, w0, c00);
            c01 = Avx512F.FusedMultiplyAdd(x, w1, c01);
            x = Vector512.Create(*((1 < TSplit.At ? p : q) + (1 * TStride.W)));
            c10 = Avx512F.FusedMultiplyAdd(x, w0, c10);
            c11 = Avx512F.FusedMultiplyAdd(x, w1, c11);
            x = Vector512.Create(*((2 < TSplit.At ? p : q) + (2 * TStride.W)));
            c20 = Avx512F.FusedMultiplyAdd(x, w0, c20);
            c21 = Avx512F.FusedMultiplyAdd(x, w1, c21);
            x = Vector512.Create(*((3 < TSplit.At ? p : q) + (3 * TStride.W)));
            c30 = Avx512F.FusedMultiplyAdd(x, w0, c30);
            c31 = Avx512F.FusedMultiplyAdd(x, w1, c31);
            x = Vector512.Create(*((4 < TSplit.At ? p : q) + (4 * TStride.W)));
            c40 = Avx512F.FusedMultiplyAdd(x, w0, c40);
            c41 = Avx512F.FusedMultiplyAdd(x, w1, c41);
            x = Vector512.Create(*((5 < TSplit.At ? p : q) + (5 * TStride.W)));
            c50 = Avx512F.FusedMultiplyAdd(x, w0, c50);
            c51 = Avx512F.FusedMultiplyAdd(x, w1, c51);
            x = Vector512.Create(*((6 < TSplit.At ? p : q) + (6 * TStride.W)));
            c60 = Avx512F.FusedMultiplyAdd(x, w0, c60);
            c61 = Avx512F.FusedMultiplyAdd(x, w1, c61);
            x = Vector512.Create(*((7 < TSplit.At ? p : q) + (7 * TStride.W)));
            c70 = Avx512F.FusedMultiplyAdd(x, w0, c70);
            c71 = Avx512F.FusedMultiplyAdd(x, w1, c71);
        }

        /// <summary>
        /// Channels [first, first + 16) of the tile, given per output: bias and ReLU, then an 8 × 16 transpose
        /// (pairs of outputs, then quads, within 128-bit lanes; then the two quads of each channel joined), then one
        /// row of 8 outputs per channel.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(
            int first, Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3,
            Vector512<float> r4, Vector512<float> r5, Vector512<float> r6, Vector512<float> r7)
        {
            if (bias != null)
            {
                Vector512<float> b = Avx512F.MaskLoad(bias + first, MaskedRow.FirstLanes(channels - first), Vector512<float>.Zero);
                (r0, r1, r2, r3, r4, r5, r6, r7) = (r0 + b, r1 + b, r2 + b, r3 + b, r4 + b, r5 + b, r6 + b, r7 + b);
            }

            if (relu)
            {
                (r0, r1, r2, r3) = (TileEpilogue.Rectify(r0), TileEpilogue.Rectify(r1), TileEpilogue.Rectify(r2), TileEpilogue.Rectify(r3));
                (r4, r5, r6, r7) = (TileEpilogue.Rectify(r4), TileEpilogue.Rectify(r5), TileEpilogue.Rectify(r6), TileEpilogue.Rectify(r7));
            }

            // Per 128-bit lane L: t0 = outputs 0 and 1 of channels 4L and 4L + 1, t1 of 4L + 2 and 4L + 3, and so on.
            Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
            Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
            Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
            Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);

            // u_i, lane L: outputs 0–3 of channel 4L + i; u_{4+i}: outputs 4–7.
            Vector512<float> u0 = Avx512F.Shuffle(t0, t2, 0x44), u1 = Avx512F.Shuffle(t0, t2, 0xEE);
            Vector512<float> u2 = Avx512F.Shuffle(t1, t3, 0x44), u3 = Avx512F.Shuffle(t1, t3, 0xEE);
            Vector512<float> u4 = Avx512F.Shuffle(t4, t6, 0x44), u5 = Avx512F.Shuffle(t4, t6, 0xEE);
            Vector512<float> u6 = Avx512F.Shuffle(t5, t7, 0x44), u7 = Avx512F.Shuffle(t5, t7, 0xEE);

            StoreQuads(first, 0, u0, u4);
            StoreQuads(first, 1, u1, u5);
            StoreQuads(first, 2, u2, u6);
            StoreQuads(first, 3, u3, u7);
        }

        /// <summary>Joins outputs 0–3 (<paramref name="low"/>) and 4–7 (<paramref name="high"/>) of channels i, 4 + i, 8 + i and 12 + i and stores them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StoreQuads(int first, int i, Vector512<float> low, Vector512<float> high)
        {
            Vector512<float> front = Avx512F.PermuteVar16x32x2(low, Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23), high);
            Vector512<float> back = Avx512F.PermuteVar16x32x2(low, Vector512.Create(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), high);
            StoreRow(first + i, front.GetLower());
            StoreRow(first + 4 + i, front.GetUpper());
            StoreRow(first + 8 + i, back.GetLower());
            StoreRow(first + 12 + i, back.GetUpper());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StoreRow(int channel, Vector256<float> row)
        {
            if (channel >= channels)
            {
                return;
            }

            float* destination = output + ((long)channel * spatial);
            if (count == Positions)
            {
                row.Store(destination);
            }
            else
            {
                Avx.MaskStore(destination, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle(), row);
            }
        }
    }
}
