namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The weights of a convolution packed once for the kernel that runs it, so a run skips packing them: the GEMM
/// micro-kernel's A panels (one <see cref="PackedMatrixA"/> per group), or for
/// <see cref="ChannelVectorConvolutionJob"/> blocks of 32 output channels per tap. The CPU executor packs the
/// constant weights of each Conv when it plans; the copy costs about as much memory as the weights themselves.
/// </summary>
internal sealed unsafe class PackedConvWeights
{
    /// <summary>Pinned, so the group panels' pointers stay valid while this object lives.</summary>
    private readonly float[] _buffer;
    private readonly PackedMatrixA[] _groups;

    /// <summary>Floats per group in the channel-block layout; 0 for GEMM panels.</summary>
    private readonly long _channelBlockLength;

    private PackedConvWeights(GemmTiling tiling, in Conv2DShape shape, float[] buffer, PackedMatrixA[] groups, long channelBlockLength = 0)
    {
        Tiling = tiling;
        Shape = shape;
        _buffer = buffer;
        _groups = groups;
        _channelBlockLength = channelBlockLength;
    }

    /// <summary>The tiling the panels are laid out for.</summary>
    public GemmTiling Tiling { get; }

    /// <summary>The convolution they were packed for (only channels, groups and kernel size matter).</summary>
    public Conv2DShape Shape { get; }

    /// <summary>Packs OIHW <paramref name="weights"/> for <paramref name="shape"/>; null for depthwise convolutions and those that <see cref="DirectConvolutionJob"/> takes, which run without a GEMM.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid or the span is too short.</exception>
    public static PackedConvWeights? Create(GemmIsa isa, in Conv2DShape shape, ReadOnlySpan<float> weights)
    {
        shape.Validate();
        if (weights.Length < shape.WeightLength)
        {
            throw new ArgumentException($"weights: {weights.Length} elements, the shape needs {shape.WeightLength}", nameof(weights));
        }

        var tiling = GemmTiling.For(isa);
        int og = shape.OutChannelsPerGroup, depth = shape.InChannelsPerGroup * shape.KernelHeight * shape.KernelWidth;
        if (ChannelVectorConvolutionJob.Applies(isa, shape))
        {
            long blockLength = (long)ChannelVectorConvolutionJob.Blocks(shape) * ChannelVectorConvolutionJob.Channels * depth;
            float[] blocks = AlignedFloats.Allocate(blockLength * shape.Groups);
            fixed (float* source = weights)
            {
                for (int g = 0; g < shape.Groups; g++)
                {
                    ChannelVectorConvolutionJob.PackWeights(shape, source, g, AlignedFloats.Start(blocks) + (g * blockLength));
                }
            }

            return new PackedConvWeights(tiling, shape, blocks, [], blockLength);
        }

        if (shape.IsDepthwise || DirectConvolutionJob.Applies(isa, shape))
        {
            return null;
        }

        long groupLength = PackedMatrixA.Length(og, depth, tiling.Mr);
        float[] buffer = AlignedFloats.Allocate(groupLength * shape.Groups);
        var groups = new PackedMatrixA[shape.Groups];
        fixed (float* source = weights)
        {
            for (int g = 0; g < shape.Groups; g++)
            {
                var groupWeights = new MatrixA(source + ((long)g * og * depth), depth, transposed: false);
                groups[g] = PackedMatrixA.Pack(groupWeights, og, depth, tiling, AlignedFloats.Start(buffer) + (g * groupLength));
            }
        }

        return new PackedConvWeights(tiling, shape, buffer, groups);
    }

    /// <summary>Whether these panels serve <paramref name="shape"/> on <paramref name="isa"/>.</summary>
    public bool Fits(GemmIsa isa, in Conv2DShape shape) =>
        Tiling.Isa == isa && shape.OutChannels == Shape.OutChannels && shape.InChannels == Shape.InChannels && shape.Groups == Shape.Groups
        && shape.KernelHeight == Shape.KernelHeight && shape.KernelWidth == Shape.KernelWidth
        && (!ChannelBlocked || ChannelVectorConvolutionJob.Applies(isa, shape));

    /// <summary>Whether these are blocks for <see cref="ChannelVectorConvolutionJob"/> rather than GEMM panels.</summary>
    public bool ChannelBlocked => _channelBlockLength > 0;

    /// <summary>Group <paramref name="g"/>'s channel blocks; valid while this object is alive.</summary>
    public float* ChannelBlocks(int g) => AlignedFloats.Start(_buffer) + (g * _channelBlockLength);

    /// <summary>Group <paramref name="g"/>'s panels; valid while this object is alive.</summary>
    public PackedMatrixA Group(int g) => _groups[g];
}
