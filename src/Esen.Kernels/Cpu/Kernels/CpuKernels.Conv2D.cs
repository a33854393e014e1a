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
        if (!bias.IsEmpty && bias.Length < shape.OutChannels)
        {
            throw new ArgumentException($"bias: {bias.Length} elements, {shape.OutChannels} output channels", nameof(bias));
        }

        _ = threads;
        int oh = shape.OutHeight, ow = shape.OutWidth, cg = shape.InChannelsPerGroup, og = shape.OutChannelsPerGroup;
        for (int n = 0; n < shape.Batch; n++)
        {
            for (int o = 0; o < shape.OutChannels; o++)
            {
                int g = o / og;
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        float sum = bias.IsEmpty ? 0f : bias[o];
                        for (int c = 0; c < cg; c++)
                        {
                            int inChannel = (g * cg) + c;
                            for (int ky = 0; ky < shape.KernelHeight; ky++)
                            {
                                int iy = (y * shape.StrideH) - shape.PadTop + (ky * shape.DilationH);
                                if ((uint)iy >= (uint)shape.InHeight)
                                {
                                    continue;
                                }

                                for (int kx = 0; kx < shape.KernelWidth; kx++)
                                {
                                    int ix = (x * shape.StrideW) - shape.PadLeft + (kx * shape.DilationW);
                                    if ((uint)ix >= (uint)shape.InWidth)
                                    {
                                        continue;
                                    }

                                    long wi = ((((long)o * cg) + c) * shape.KernelHeight + ky) * shape.KernelWidth + kx;
                                    long ii = ((((long)n * shape.InChannels) + inChannel) * shape.InHeight + iy) * shape.InWidth + ix;
                                    sum += weights[(int)wi] * input[(int)ii];
                                }
                            }
                        }

                        output[(int)(((((long)n * shape.OutChannels) + o) * oh + y) * ow + x)] = Activate(sum, activation);
                    }
                }
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

    private static void CheckLength(ReadOnlySpan<float> span, long needed, string name)
    {
        if (span.Length < needed)
        {
            throw new ArgumentException($"{name}: {span.Length} elements, the shape needs {needed}", name);
        }
    }
}
