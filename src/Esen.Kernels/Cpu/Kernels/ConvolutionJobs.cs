using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The GEMM-based convolution split into (image, group, part of the output) tasks; cached per calling thread
/// so a call allocates nothing.
/// </summary>
internal sealed unsafe class ConvolutionJob : ParallelWork
{
    [ThreadStatic]
    private static ConvolutionJob? t_cached;

    private Arguments _args;
    private GemmTiling _tiling;
    private int _parts;

    public static ConvolutionJob ForCurrentThread => t_cached ??= new ConvolutionJob();

    public void Set(in Arguments args, GemmTiling tiling, int parts)
    {
        _args = args;
        _tiling = tiling;
        _parts = parts;
    }

    public override void Execute(int index)
    {
        Conv2DShape s = _args.Shape;
        int imageGroup = index / _parts, part = index % _parts;
        int n = imageGroup / s.Groups, g = imageGroup % s.Groups;
        int og = s.OutChannelsPerGroup, cg = s.InChannelsPerGroup, spatial = s.OutHeight * s.OutWidth;
        int depth = cg * s.KernelHeight * s.KernelWidth;

        // Each part packs the im2col panels of its own columns, so a split by rows makes every part pack all of them.
        // With the weights packed ahead of time nothing else is repeated, and a split by columns is faster even where
        // the rows outnumber them, as long as it balances (GemmTiling.Part): SqueezeNet's 13 × 13 expands, 192–256
        // rows by 169 columns, two threads: 0.114 → 0.098 and 0.194 → 0.17 ms (2026-12-06). A 1×1 convolution's B
        // is the input itself, cheap to copy; it keeps the split along the longer side, which balances better
        // (conv10: 1000 rows by 169 columns).
        bool byColumns = _args.Packed is not null && !s.IsPointwise;
        (int i0, int i1, int j0, int j1) = _tiling.Part(part, _parts, og, spatial, preferColumns: byColumns);

        float* image = _args.Input + ((((long)n * s.InChannels) + (g * cg)) * s.InHeight * s.InWidth);
        float* output = _args.Output + ((((long)n * s.OutChannels) + (g * og)) * spatial);
        var epilogue = new GemmEpilogue(_args.Bias == null ? null : _args.Bias + (g * og), _args.Activation);
        if (_args.Packed is { } packed)
        {
            Run(s, image, packed.Group(g), (i0, i1, j0, j1), output, epilogue);
        }
        else
        {
            Run(s, image, new MatrixA(_args.Weights + ((long)g * og * depth), depth, transposed: false), (i0, i1, j0, j1), output, epilogue);
        }
    }

    private void Run<TA>(in Conv2DShape s, float* image, TA weights, (int I0, int I1, int J0, int J1) part, float* output, GemmEpilogue epilogue)
        where TA : struct, IGemmASource
    {
        int depth = s.InChannelsPerGroup * s.KernelHeight * s.KernelWidth, spatial = s.OutHeight * s.OutWidth;
        if (s.IsPointwise)
        {
            var b = new MatrixB(image, s.InHeight * s.InWidth, transposed: false);
            GemmDriver.RunBlock(_tiling, part.I0, part.I1, part.J0, part.J1, depth, 1f, weights, ref b, 0f, output, spatial, epilogue);
        }
        else
        {
            var b = new Im2ColSource(image, s);
            GemmDriver.RunBlock(_tiling, part.I0, part.I1, part.J0, part.J1, depth, 1f, weights, ref b, 0f, output, spatial, epilogue);
        }
    }

    /// <summary>A validated convolution call with its spans pinned.</summary>
    internal readonly struct Arguments
    {
        public Arguments(in Conv2DShape shape, float* input, float* weights, PackedConvWeights? packed, float* bias, float* output, FusedActivation activation)
        {
            Shape = shape;
            Input = input;
            Weights = weights;
            Packed = packed;
            Bias = bias;
            Output = output;
            Activation = activation;
        }

        public Conv2DShape Shape { get; }

        public float* Input { get; }

        /// <summary>OIHW weights; unused when <see cref="Packed"/> is set.</summary>
        public float* Weights { get; }

        /// <summary>The weights packed ahead of time, or null.</summary>
        public PackedConvWeights? Packed { get; }

        /// <summary>Null when there is no bias.</summary>
        public float* Bias { get; }

        public float* Output { get; }

        public FusedActivation Activation { get; }
    }
}

/// <summary>
/// Direct depthwise convolution (one input channel per group), one output plane per task: each kernel tap
/// adds weight × a shifted input row to the output row over the range where the tap lands inside the image,
/// so there is no per-element bounds check and no im2col. On AVX-512 with horizontal stride 1 or 2 the taps of
/// 16 outputs are summed in a register instead (<see cref="PlaneAvx512"/>).
/// </summary>
internal sealed unsafe class DepthwiseJob : ParallelWork
{
    [ThreadStatic]
    private static DepthwiseJob? t_cached;

    private ConvolutionJob.Arguments _args;

    public static DepthwiseJob ForCurrentThread => t_cached ??= new DepthwiseJob();

    public void Set(in ConvolutionJob.Arguments args) => _args = args;

    public override void Execute(int index)
    {
        Conv2DShape s = _args.Shape;
        int n = index / s.OutChannels, o = index % s.OutChannels;
        int channel = o / s.OutChannelsPerGroup;
        int oh = s.OutHeight, ow = s.OutWidth, width = s.InWidth, strideW = s.StrideW;
        float* plane = _args.Input + ((((long)n * s.InChannels) + channel) * s.InHeight * width);
        float* kernel = _args.Weights + ((long)o * s.KernelHeight * s.KernelWidth);
        float* output = _args.Output + ((((long)n * s.OutChannels) + o) * oh * ow);
        var outPlane = new Span<float>(output, oh * ow);
        if (strideW <= 2 && Avx512F.IsSupported)
        {
            PlaneAvx512(s, plane, kernel, output);
        }
        else
        {
            PlaneByRows(s, plane, kernel, outPlane);
        }

        _args.Activation.Apply(outPlane, _args.Bias == null ? 0f : _args.Bias[o]);
    }

    /// <summary>One output plane, portably: each tap adds weight × a shifted input row to the output row.</summary>
    private static void PlaneByRows(in Conv2DShape s, float* plane, float* kernel, Span<float> outPlane)
    {
        int ow = s.OutWidth, width = s.InWidth, strideW = s.StrideW;
        outPlane.Clear();
        for (int oy = 0; oy < s.OutHeight; oy++)
        {
            Span<float> outRow = outPlane.Slice(oy * ow, ow);
            for (int ky = 0; ky < s.KernelHeight; ky++)
            {
                int iy = (oy * s.StrideH) - s.PadTop + (ky * s.DilationH);
                if (unchecked((uint)iy >= (uint)s.InHeight))
                {
                    continue;
                }

                float* inRow = plane + ((long)iy * width);
                for (int kx = 0; kx < s.KernelWidth; kx++)
                {
                    float w = kernel[(ky * s.KernelWidth) + kx];
                    int ix0 = (kx * s.DilationW) - s.PadLeft;

                    // Output columns whose tap ix = ox·sw + ix0 lies in [0, width).
                    int oxLo = ix0 >= 0 ? 0 : (-ix0 + strideW - 1) / strideW;
                    int oxHi = ix0 > width - 1 ? 0 : Math.Min(ow, ((width - 1 - ix0) / strideW) + 1);
                    if (oxLo >= oxHi)
                    {
                        continue;
                    }

                    if (strideW == 1)
                    {
                        Span<float> dst = outRow[oxLo..oxHi];
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(
                            new ReadOnlySpan<float>(inRow + (ix0 + oxLo), oxHi - oxLo), w, dst, dst);
                    }
                    else
                    {
                        for (int ox = oxLo; ox < oxHi; ox++)
                        {
                            outRow[ox] += w * inRow[(ox * strideW) + ix0];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One output plane on AVX-512 (horizontal stride 1 or 2): each group of 16 outputs of a row sums its
    /// taps in a register, one masked load per tap, and is stored once.
    /// </summary>
    private static void PlaneAvx512(in Conv2DShape s, float* plane, float* kernel, float* output)
    {
        int oh = s.OutHeight, ow = s.OutWidth;
        for (int oy = 0; oy < oh; oy++)
        {
            for (int ox = 0; ox < ow; ox += MaskedRow.Lanes)
            {
                Vector512<float> sum = Vector512<float>.Zero;
                for (int ky = 0; ky < s.KernelHeight; ky++)
                {
                    int iy = (oy * s.StrideH) - s.PadTop + (ky * s.DilationH);
                    if (unchecked((uint)iy >= (uint)s.InHeight))
                    {
                        continue;
                    }

                    float* row = plane + ((long)iy * s.InWidth);
                    for (int kx = 0; kx < s.KernelWidth; kx++)
                    {
                        Vector512<float> taps = MaskedRow.Load(row, (ox * s.StrideW) - s.PadLeft + (kx * s.DilationW), s.StrideW, s.InWidth, Vector512<float>.Zero);
                        sum = Avx512F.FusedMultiplyAdd(Vector512.Create(kernel[(ky * s.KernelWidth) + kx]), taps, sum);
                    }
                }

                Avx512F.MaskStore(output + ((long)oy * ow) + ox, MaskedRow.FirstLanes(ow - ox), sum);
            }
        }
    }
}
