using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

public static partial class CpuKernels
{
    /// <summary>
    /// 2-D convolution, NCHW input, OIHW weights, optional per-output-channel bias, then the fused
    /// activation: y[n,o,y,x] = act(bias[o] + Σ_{c,ky,kx} w[o,c,ky,kx]·in[n, g·Cg + c, y·s − pad + ky·d, ...]).
    /// Out-of-range input positions read as zero.
    /// </summary>
    /// <param name="threads">Upper bound on worker threads; 1 runs on the caller.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span is too short.</exception>
    public static void Conv2D(
        in Conv2DShape shape,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        Span<float> output, FusedActivation activation = default, int threads = 1)
    {
        shape.Validate();
        CheckLength(input, shape.InputLength, nameof(input));
        CheckLength(weights, shape.WeightLength, nameof(weights));
        CheckLength(output, shape.OutputLength, nameof(output));
        CheckBias(bias, shape.OutChannels);
        Conv2D(GemmMicroKernels.Best, shape, input, weights, bias, output, activation, threads);
    }

    /// <summary>
    /// The same convolution with weights packed ahead of time (<see cref="PackedConvWeights.Create"/>), as the CPU
    /// executor runs constant weights. Convolutions without a GEMM (depthwise, <see cref="DirectConvolutionJob"/>) have no packed form and take the OIHW weights.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is invalid, a span is too short, or the packed weights are for another convolution or instruction set.</exception>
    internal static void Conv2D(
        in Conv2DShape shape, ReadOnlySpan<float> input, PackedConvWeights weights, ReadOnlySpan<float> bias,
        Span<float> output, FusedActivation activation, int threads)
    {
        if (!weights.Fits(GemmMicroKernels.Best, shape))
        {
            throw new ArgumentException($"weights packed for {weights.Shape} on {weights.Tiling.Isa} do not fit {shape} on {GemmMicroKernels.Best}", nameof(weights));
        }

        shape.Validate();
        CheckLength(input, shape.InputLength, nameof(input));
        CheckLength(output, shape.OutputLength, nameof(output));
        CheckBias(bias, shape.OutChannels);
        Conv2D(GemmMicroKernels.Best, shape, input, default, bias, output, activation, threads, weights);
    }

    /// <summary>
    /// The checked convolution on a chosen instruction set. Depthwise convolutions (<see cref="Conv2DShape.IsDepthwise"/>: one input channel per
    /// group) run a direct kernel, and so do narrow groups on AVX-512 (<see cref="DirectConvolutionJob.Applies"/>); the rest are one GEMM per image and group, weights[og × cg·kh·kw] times the
    /// im2col matrix [cg·kh·kw × oh·ow], which for a 1×1 kernel with stride 1 and no padding is the input itself.
    /// With <paramref name="packed"/> the GEMM reads those panels and <paramref name="weights"/> may be empty.
    /// </summary>
    internal static unsafe void Conv2D(
        GemmIsa isa, in Conv2DShape shape,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        Span<float> output, FusedActivation activation, int threads, PackedConvWeights? packed = null)
    {
        fixed (float* pInput = input, pWeights = weights, pBias = bias, pOutput = output)
        {
            var conv = new ConvolutionJob.Arguments(shape, pInput, pWeights, packed, bias.IsEmpty ? null : pBias, pOutput, activation);

            // Every path splits the same work: (image, group) pairs of this many FLOPs, into parts when there are fewer
            // pairs than threads, and runs on one thread when the whole is too small to repay waking workers.
            int images = shape.Batch * shape.Groups;
            long flopsPerImage = 2L * shape.OutChannelsPerGroup * shape.OutHeight * shape.OutWidth
                * shape.InChannelsPerGroup * shape.KernelHeight * shape.KernelWidth;
            int partsPerImage = images >= threads ? 1 : (threads + images - 1) / images;
            int loopThreads = flopsPerImage * images < 1 << 18 ? 1 : threads;
            if (shape.IsDepthwise)
            {
                DepthwiseJob job = DepthwiseJob.ForCurrentThread;
                job.Set(conv);
                CpuParallel.For(job, shape.Batch * shape.OutChannels, loopThreads);
            }
            else if (packed is { ChannelBlocked: true })
            {
                int parts = Math.Min(ChannelVectorConvolutionJob.TileCount(shape), partsPerImage);
                ChannelVectorConvolutionJob job = ChannelVectorConvolutionJob.ForCurrentThread;
                job.Set(conv, parts);
                CpuParallel.For(job, images * parts, loopThreads);
            }
            else if (packed is null && DirectConvolutionJob.Applies(isa, shape))
            {
                int parts = Math.Min(shape.OutHeight, partsPerImage);
                DirectConvolutionJob job = DirectConvolutionJob.ForCurrentThread;
                job.Set(conv, parts);
                CpuParallel.For(job, images * parts, loopThreads);
            }
            else
            {
                int parts = GemmTiling.PartsFor(flopsPerImage, partsPerImage);
                ConvolutionJob job = ConvolutionJob.ForCurrentThread;
                job.Set(conv, GemmTiling.For(isa), parts);
                CpuParallel.For(job, images * parts, loopThreads);
            }
        }
    }

    /// <summary>Applies <paramref name="activation"/> to one value (ONNX definitions).</summary>
    public static float Activate(float x, FusedActivation activation) => activation.Kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => MathF.Max(x, 0f),
        ActivationKind.LeakyRelu => x >= 0f ? x : activation.Alpha * x,
        ActivationKind.Clip => MathF.Min(MathF.Max(x, activation.Alpha), activation.Beta),
        ActivationKind.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.Tanh => MathF.Tanh(x),
        ActivationKind.HardSigmoid => MathF.Max(0f, MathF.Min(1f, (activation.Alpha * x) + activation.Beta)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation.Kind, "unknown activation"),
    };

    private static void CheckBias(ReadOnlySpan<float> bias, int outChannels)
    {
        if (!bias.IsEmpty && bias.Length < outChannels)
        {
            throw new ArgumentException($"bias: {bias.Length} elements, {outChannels} output channels", nameof(bias));
        }
    }

    private static void CheckLength(ReadOnlySpan<float> span, long needed, string name)
    {
        if (span.Length < needed)
        {
            throw new ArgumentException($"{name}: {span.Length} elements, the shape needs {needed}", name);
        }
    }
}
