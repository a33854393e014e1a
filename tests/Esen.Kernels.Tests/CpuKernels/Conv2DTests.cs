using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.Cpu;

public class Conv2DTests
{
    /// <summary>Geometries covering each code path: 1×1, 3×3, strides, asymmetric pads, dilations, groups, depthwise.</summary>
    public static TheoryData<string, Conv2DShape> Shapes() => new()
    {
        { "1x1", new Conv2DShape(1, 16, 13, 13, 64, 1, 1) },
        { "1x1 batch 2 odd channels", new Conv2DShape(2, 5, 7, 9, 11, 1, 1) },
        { "1x1 stride 2", new Conv2DShape(1, 8, 15, 15, 12, 1, 1, StrideH: 2, StrideW: 2) },
        { "1x1 padded", new Conv2DShape(1, 4, 6, 6, 9, 1, 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1) },
        { "3x3 pad 1", new Conv2DShape(1, 16, 14, 14, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1) },
        { "3x3 stride 2 no pad", new Conv2DShape(1, 3, 35, 35, 64, 3, 3, StrideH: 2, StrideW: 2) },
        { "3x3 asymmetric pads", new Conv2DShape(2, 6, 10, 11, 10, 3, 3, StrideH: 2, StrideW: 1, PadTop: 0, PadLeft: 1, PadBottom: 2, PadRight: 0) },
        { "3x3 dilation 2", new Conv2DShape(1, 5, 12, 12, 7, 3, 3, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2, DilationH: 2, DilationW: 2) },
        { "2x3 mixed dilation stride", new Conv2DShape(1, 4, 13, 17, 9, 2, 3, StrideH: 3, StrideW: 2, PadTop: 1, PadRight: 3, DilationH: 3, DilationW: 1) },
        { "3x3 stride 2 padded, runs across output rows", new Conv2DShape(1, 3, 41, 37, 16, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1) },
        { "3x3 stride 2, output 1 wide", new Conv2DShape(1, 4, 9, 3, 8, 3, 3, StrideH: 2, StrideW: 2) },
        { "3x3 output 40 wide, dilated rows", new Conv2DShape(1, 3, 9, 44, 8, 3, 3, PadLeft: 2, PadRight: 2, DilationW: 3) },
        { "7x7 stride 2 pad 3", new Conv2DShape(1, 3, 30, 29, 8, 7, 7, StrideH: 2, StrideW: 2, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3) },
        { "5x5 same padding", new Conv2DShape(1, 1, 28, 28, 8, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2) },
        { "kernel wider than input", new Conv2DShape(1, 2, 3, 3, 4, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2) },
        { "7x1", new Conv2DShape(1, 6, 9, 9, 5, 7, 1, PadTop: 3, PadBottom: 3) },
        { "groups 2", new Conv2DShape(1, 8, 9, 9, 12, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 2) },
        { "groups 4 1x1", new Conv2DShape(2, 16, 5, 5, 8, 1, 1, Groups: 4) },
        { "depthwise 3x3", new Conv2DShape(1, 32, 17, 17, 32, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 32) },
        { "depthwise 3x3 stride 2", new Conv2DShape(2, 24, 16, 15, 24, 3, 3, StrideH: 2, StrideW: 2, PadTop: 0, PadLeft: 1, PadBottom: 1, PadRight: 0, Groups: 24) },
        { "depthwise 3x3 stride 3 (portable path)", new Conv2DShape(1, 6, 14, 17, 6, 3, 3, StrideH: 3, StrideW: 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 6) },
        { "single input channel, one group (GEMM, not depthwise)", new Conv2DShape(2, 1, 12, 19, 8, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2) },
        { "depthwise 5x5 dilated", new Conv2DShape(1, 8, 20, 20, 8, 5, 5, PadTop: 4, PadLeft: 4, PadBottom: 4, PadRight: 4, DilationH: 2, DilationW: 2, Groups: 8) },
        { "depthwise multiplier 2", new Conv2DShape(1, 8, 11, 11, 16, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 8) },
        { "depthwise 1x1", new Conv2DShape(1, 16, 7, 7, 16, 1, 1, Groups: 16) },
    };

    private static readonly FusedActivation[] s_activations =
    [
        FusedActivation.None,
        new FusedActivation(ActivationKind.Relu),
        new FusedActivation(ActivationKind.LeakyRelu, 0.1f),
        new FusedActivation(ActivationKind.Clip, -0.5f, 0.75f),
        new FusedActivation(ActivationKind.Sigmoid),
        new FusedActivation(ActivationKind.Tanh),
        new FusedActivation(ActivationKind.HardSigmoid, 0.2f, 0.5f),
    ];

    public static TheoryData<FusedActivation> Activations() => new(s_activations);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_with_bias_and_relu(string name, Conv2DShape shape)
    {
        CheckAgainstReference(new Random(name.Length * 977), shape, withBias: true, new FusedActivation(ActivationKind.Relu), threads: 1, name);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_without_bias_on_two_threads(string name, Conv2DShape shape)
    {
        CheckAgainstReference(new Random(name.Length * 31), shape, withBias: false, FusedActivation.None, threads: 2, name);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void Every_activation_matches_reference_on_each_kernel_path(FusedActivation activation)
    {
        var random = new Random(5 + (int)activation.Kind);
        CheckAgainstReference(random, new Conv2DShape(1, 6, 9, 10, 20, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), true, activation, 1, "3x3");
        CheckAgainstReference(random, new Conv2DShape(1, 6, 9, 10, 20, 1, 1), true, activation, 1, "1x1");
        CheckAgainstReference(random, new Conv2DShape(1, 6, 9, 10, 6, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 6), true, activation, 2, "depthwise");
    }

    public static TheoryData<string, bool> SupportedIsasWithAndWithoutPackedWeights()
    {
        var data = new TheoryData<string, bool>();
        foreach (GemmIsa isa in Enum.GetValues<GemmIsa>().Where(GemmMicroKernels.IsSupported))
        {
            data.Add(isa.ToString(), false);
            data.Add(isa.ToString(), true);
        }

        return data;
    }

    /// <summary>
    /// Each instruction set, with weights packed per call or ahead of time: heights off the register tile,
    /// depths over one Kc block (576, 1152), groups, and two threads that split the output by rows (more
    /// channels than positions) or by columns. Packed runs take ReLU (the tile epilogue), the others LeakyRelu
    /// (the row pass).
    /// </summary>
    [Theory]
    [MemberData(nameof(SupportedIsasWithAndWithoutPackedWeights))]
    public void Every_instruction_set_matches_reference(string isaName, bool packWeights)
    {
        GemmIsa isa = Enum.Parse<GemmIsa>(isaName);
        var random = new Random(packWeights ? 23 : 17);
        FusedActivation activation = packWeights ? new FusedActivation(ActivationKind.Relu) : new FusedActivation(ActivationKind.LeakyRelu, 0.2f);
        foreach (var shape in new[]
        {
            new Conv2DShape(1, 7, 11, 13, 19, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(2, 9, 6, 7, 10, 1, 1),
            new Conv2DShape(1, 4, 15, 15, 33, 3, 3, StrideH: 2, StrideW: 2, Groups: 1),
            new Conv2DShape(1, 64, 9, 9, 37, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(1, 128, 3, 4, 70, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(2, 300, 5, 5, 19, 1, 1),
            new Conv2DShape(1, 12, 11, 11, 18, 3, 3, StrideH: 2, StrideW: 2, Groups: 3),
        })
        {
            CheckOnInstructionSet(random, isa, shape, activation, packWeights);
        }
    }

    [Fact]
    public void Packed_weights_for_another_convolution_are_rejected()
    {
        var shape = new Conv2DShape(1, 8, 6, 6, 96, 3, 3);
        PackedConvWeights packed = PackedConvWeights.Create(GemmMicroKernels.Best, shape, new float[shape.WeightLength])!;
        float[] input = new float[shape.InputLength], output = new float[shape.OutputLength];

        Assert.Null(PackedConvWeights.Create(GemmMicroKernels.Best, shape with { OutChannels = 8, Groups = 8 }, new float[72]));
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape with { OutChannels = 88 }, input, packed, [], output, default, 1)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => PackedConvWeights.Create(GemmMicroKernels.Best, shape, new float[10])).ParamName);
    }

    /// <summary>Output widths 1..40 cross every vector width and register tile edge along the spatial axis.</summary>
    [Fact]
    public void Matches_reference_for_output_widths_up_to_40()
    {
        var random = new Random(99);
        for (int width = 1; width <= 40; width++)
        {
            CheckAgainstReference(random, new Conv2DShape(1, 3, 3, width, 9, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), true, FusedActivation.None, 1, $"3x3 w={width}");
            CheckAgainstReference(random, new Conv2DShape(1, 3, 2, width, 9, 1, 1), true, FusedActivation.None, 1, $"1x1 w={width}");
            CheckAgainstReference(random, new Conv2DShape(1, 4, 3, width, 4, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 4), true, FusedActivation.None, 1, $"depthwise w={width}");
        }
    }

    /// <summary>
    /// Layers with few output channels per group run the direct AVX-512 kernel (no packed weights): MNIST's and
    /// CIFAR-10's shapes, channel counts off the 4-channel tile, strides and dilation, groups, a batch,
    /// each activation, and one and two threads (two split the output rows).
    /// </summary>
    [SkippableFact]
    public void Narrow_layers_run_the_direct_kernel_and_match_reference()
    {
        Skip.IfNot(GemmMicroKernels.IsSupported(GemmIsa.Avx512), "AVX-512F is not supported here");
        var random = new Random(41);
        var shapes = new[]
        {
            new Conv2DShape(1, 3, 32, 32, 12, 5, 5, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(1, 12, 14, 14, 24, 5, 5, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(1, 8, 14, 14, 16, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2),
            new Conv2DShape(3, 5, 9, 21, 7, 3, 3, PadTop: 1, PadLeft: 0, PadBottom: 2, PadRight: 1),
            new Conv2DShape(1, 6, 13, 11, 10, 3, 2, StrideH: 2, PadTop: 1, PadLeft: 1, DilationH: 2, DilationW: 3, Groups: 2),
            new Conv2DShape(2, 4, 5, 40, 32, 1, 3, PadLeft: 1, PadRight: 1),

            // Wider, with 6-row bands whose input stays in L1 (SqueezeNet's fire2 expand, fewer rows): 21 rows, four bands.
            new Conv2DShape(1, 16, 21, 55, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),

            // Horizontal stride 2 (SqueezeNet's conv1, fewer rows), odd and even left padding, dilation.
            new Conv2DShape(1, 3, 29, 61, 64, 3, 3, StrideH: 2, StrideW: 2),
            new Conv2DShape(2, 5, 17, 34, 12, 3, 3, StrideW: 2, PadTop: 1, PadLeft: 1, PadRight: 2),
            new Conv2DShape(1, 4, 9, 40, 7, 2, 3, StrideW: 2, PadLeft: 2, DilationW: 3),
        };
        foreach (Conv2DShape shape in shapes)
        {
            // Constant weights of a unit-stride layer wider than 32 channels are packed for ChannelVectorConvolutionJob instead.
            Assert.True(DirectConvolutionJob.Applies(GemmIsa.Avx512, shape));
            Assert.Equal(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, shape), PackedConvWeights.Create(GemmIsa.Avx512, shape, new float[shape.WeightLength]) is not null);
            foreach (FusedActivation activation in s_activations)
            {
                CheckAgainstReference(random, shape, withBias: activation.Kind != ActivationKind.Tanh, activation, threads: 1 + ((int)activation.Kind % 2), "direct");
            }
        }

        Assert.False(DirectConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 8, 9, 9, 65, 3, 3)));

        // ResNet's 64 channels at 56 × 56: no band of four rows fits L1, so it stays on the GEMM.
        Assert.False(DirectConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 64, 56, 56, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1)));
        Assert.False(DirectConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 8, 9, 9, 16, 3, 3, StrideW: 3)));
        Assert.False(DirectConvolutionJob.Applies(GemmIsa.Avx2, new Conv2DShape(1, 8, 9, 9, 16, 3, 3)));
    }

    /// <summary>
    /// Output sizes whose last 32-column panel keeps 1..32 columns, so both AVX-512 edge tiles (8×16 up to 16
    /// columns, masked 8×32 above) store with bias and ReLU in registers; 21 and 43 channels leave 5 and 3 rows
    /// in the last tile, and two threads split by columns or by rows.
    /// </summary>
    [SkippableFact]
    public void Edges_of_at_most_16_columns_match_reference_with_packed_weights()
    {
        Skip.IfNot(GemmMicroKernels.IsSupported(GemmIsa.Avx512), "AVX-512F is not supported here");
        var random = new Random(1616);
        var relu = new FusedActivation(ActivationKind.Relu);
        for (int width = 1; width <= 48; width++)
        {
            CheckOnInstructionSet(random, GemmIsa.Avx512, new Conv2DShape(1, 5, 3, width, 43, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), relu, packWeights: true);
            CheckOnInstructionSet(random, GemmIsa.Avx512, new Conv2DShape(1, 40, 2, width, 21, 1, 1), relu, packWeights: true);
        }

        CheckOnInstructionSet(random, GemmIsa.Avx512, new Conv2DShape(1, 64, 13, 13, 256, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), relu, packWeights: true);
    }

    /// <summary>
    /// Layers with more than 32 output channels per group and a horizontal stride of 1 or 2 run vectorised across
    /// output channels with packed weights: every place where a tile's 8 outputs cross a row end (output widths
    /// 8–23, at both strides), output counts off the
    /// tile, channel counts off the 32-channel block, padding on one side only, dilation, groups, a batch,
    /// weights too large to sweep at once, each activation, and two threads taking runs of tiles.
    /// </summary>
    [SkippableFact]
    public void Wide_layers_run_vectorised_across_channels_and_match_reference()
    {
        Skip.IfNot(GemmMicroKernels.IsSupported(GemmIsa.Avx512), "AVX-512F is not supported here");
        var random = new Random(3232);
        var relu = new FusedActivation(ActivationKind.Relu);
        for (int width = 8; width <= 23; width++)
        {
            CheckChannelVector(random, new Conv2DShape(1, 8, 3, width, 40, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), relu);
            CheckChannelVector(random, new Conv2DShape(1, 8, 5, (2 * width) - 1, 40, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), relu);
        }

        foreach (Conv2DShape shape in new[]
        {
            // SqueezeNet's fire8 expand, and fire4's at fewer rows.
            new Conv2DShape(1, 64, 13, 13, 256, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(1, 32, 5, 27, 128, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(2, 11, 9, 10, 33, 2, 3, PadLeft: 2, PadBottom: 1),
            new Conv2DShape(1, 24, 12, 14, 70, 3, 2, PadTop: 2, PadRight: 1, DilationH: 2, DilationW: 3, Groups: 2),
            new Conv2DShape(1, 22, 4, 9, 96, 1, 3, PadLeft: 1, PadRight: 1),

            // Strides: 2 both ways, 2 across only, 3 down and 2 across with dilation.
            new Conv2DShape(1, 8, 29, 61, 64, 3, 3, StrideH: 2, StrideW: 2),
            new Conv2DShape(1, 8, 17, 34, 40, 3, 3, StrideW: 2, PadTop: 1, PadLeft: 1, PadRight: 2),
            new Conv2DShape(2, 11, 21, 40, 48, 2, 3, StrideH: 3, StrideW: 2, PadLeft: 2, DilationW: 3),

            // 2.4 MB of weights: each block sweeps all the tiles in turn.
            new Conv2DShape(1, 256, 9, 14, 256, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        })
        {
            foreach (FusedActivation activation in s_activations)
            {
                CheckChannelVector(random, shape, activation);
            }
        }

        Assert.False(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 8, 9, 7, 64, 3, 3)));
        Assert.False(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 8, 9, 30, 64, 3, 3, StrideW: 3)));
        Assert.False(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 3, 29, 61, 64, 3, 3, StrideH: 2, StrideW: 2)));
        Assert.False(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 8, 9, 20, 32, 3, 3)));
        Assert.False(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, new Conv2DShape(1, 8, 9, 20, 64, 1, 1)));
        Assert.False(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx2, new Conv2DShape(1, 8, 9, 20, 64, 3, 3)));
    }

    /// <summary>
    /// A NaN input stays NaN through the fused ReLU on every path (the direct kernel, the channel-vector kernel with
    /// packed weights, the GEMM tile), in each output whose window holds it, and nowhere else.
    /// </summary>
    [Fact]
    public void A_nan_input_survives_the_fused_relu_on_every_path()
    {
        var random = new Random(77);
        var relu = new FusedActivation(ActivationKind.Relu);
        foreach (Conv2DShape shape in new[]
        {
            new Conv2DShape(1, 4, 9, 12, 8, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(1, 4, 9, 12, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
            new Conv2DShape(1, 4, 9, 12, 64, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        })
        {
            float[] input = ReferenceKernels.RandomArray(random, shape.InputLength);
            float[] weights = ReferenceKernels.RandomArray(random, shape.WeightLength);
            float[] output = new float[shape.OutputLength];
            const int NanY = 4, NanX = 5;
            input[(NanY * shape.InWidth) + NanX] = float.NaN;
            PackedConvWeights? packed = PackedConvWeights.Create(GemmMicroKernels.Best, shape, weights);
            if (packed is null)
            {
                CpuKernels.Conv2D(shape, input, weights, [], output, relu, 1);
            }
            else
            {
                CpuKernels.Conv2D(shape, input, packed, [], output, relu, 1);
            }

            for (int o = 0; o < shape.OutChannels; o++)
            {
                for (int y = 0; y < shape.OutHeight; y++)
                {
                    for (int x = 0; x < shape.OutWidth; x++)
                    {
                        int dy = NanY - ((y * shape.StrideH) - shape.PadTop), dx = NanX - ((x * shape.StrideW) - shape.PadLeft);
                        bool covers = dy >= 0 && dy < shape.KernelHeight && dx >= 0 && dx < shape.KernelWidth;
                        float value = output[(((o * shape.OutHeight) + y) * shape.OutWidth) + x];
                        Assert.True(covers == float.IsNaN(value), $"{shape}: output ({o}, {y}, {x}) is {value}");
                    }
                }
            }
        }
    }

    private static void CheckChannelVector(Random random, Conv2DShape shape, FusedActivation activation)
    {
        Assert.True(ChannelVectorConvolutionJob.Applies(GemmIsa.Avx512, shape), shape.ToString());
        Assert.True(PackedConvWeights.Create(GemmIsa.Avx512, shape, new float[shape.WeightLength])!.ChannelBlocked);
        CheckOnInstructionSet(random, GemmIsa.Avx512, shape, activation, packWeights: true);
    }

    [Fact]
    public void Squeezenet_sized_layers_match_reference_on_two_threads()
    {
        var random = new Random(1);
        CheckAgainstReference(random, new Conv2DShape(1, 3, 224, 224, 64, 3, 3, StrideH: 2, StrideW: 2), true, new FusedActivation(ActivationKind.Relu), 2, "conv1");
        CheckAgainstReference(random, new Conv2DShape(1, 64, 55, 55, 16, 1, 1), true, new FusedActivation(ActivationKind.Relu), 2, "fire2/squeeze");
        CheckAgainstReference(random, new Conv2DShape(1, 16, 55, 55, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), true, new FusedActivation(ActivationKind.Relu), 2, "fire2/expand3x3");
    }

    [Fact]
    public void Bad_geometry_and_short_spans_are_rejected()
    {
        var shape = new Conv2DShape(1, 4, 5, 5, 6, 3, 3);
        float[] input = new float[shape.InputLength], weights = new float[shape.WeightLength], output = new float[shape.OutputLength];

        Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape with { Groups = 3 }, input, weights, [], output));
        Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape with { KernelHeight = 9 }, input, weights, [], output));
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape, input.AsSpan(1), weights, [], output)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape, input, weights.AsSpan(1), [], output)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape, input, weights, [], output.AsSpan(1))).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => CpuKernels.Conv2D(shape, input, weights, new float[5], output)).ParamName);
    }

    /// <summary>Two threads with bias and <paramref name="activation"/> on <paramref name="isa"/>, the weights packed ahead of time or not; the output starts as NaN, so one left unwritten fails.</summary>
    private static void CheckOnInstructionSet(Random random, GemmIsa isa, Conv2DShape shape, FusedActivation activation, bool packWeights)
    {
        float[] input = ReferenceKernels.RandomArray(random, shape.InputLength);
        float[] weights = ReferenceKernels.RandomArray(random, shape.WeightLength);
        float[] bias = ReferenceKernels.RandomArray(random, shape.OutChannels);
        float[] output = new float[shape.OutputLength];
        Array.Fill(output, float.NaN);
        (double[] expected, double[] absSum) = ReferenceKernels.Conv2D(shape, input, weights, bias, activation);

        if (packWeights && PackedConvWeights.Create(isa, shape, weights) is { } packed)
        {
            CpuKernels.Conv2D(isa, shape, input, default, bias, output, activation, threads: 2, packed);
        }
        else
        {
            CpuKernels.Conv2D(isa, shape, input, weights, bias, output, activation, threads: 2);
        }

        int k = shape.InChannelsPerGroup * shape.KernelHeight * shape.KernelWidth;
        ReferenceKernels.AssertClose(expected, absSum, output, k, $"{isa} {shape} packed={packWeights}");
    }

    private static void CheckAgainstReference(Random random, Conv2DShape shape, bool withBias, FusedActivation activation, int threads, string name)
    {
        float[] input = ReferenceKernels.RandomArray(random, shape.InputLength);
        float[] weights = ReferenceKernels.RandomArray(random, shape.WeightLength);
        float[]? bias = withBias ? ReferenceKernels.RandomArray(random, shape.OutChannels) : null;
        float[] output = new float[shape.OutputLength];
        Array.Fill(output, float.NaN);
        (double[] expected, double[] absSum) = ReferenceKernels.Conv2D(shape, input, weights, bias, activation);

        CpuKernels.Conv2D(shape, input, weights, bias, output, activation, threads);

        int k = shape.InChannelsPerGroup * shape.KernelHeight * shape.KernelWidth;
        ReferenceKernels.AssertClose(expected, absSum, output, k, $"{name} {shape} bias={withBias} {activation} threads={threads}");
    }
}
