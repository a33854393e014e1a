namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The weights of a GEMM-based convolution packed once into the micro-kernel's A panels (one
/// <see cref="PackedMatrixA"/> per group), so a run skips packing them. The CPU executor packs the constant
/// weights of each Conv when it plans; the copy costs as much memory as the weights themselves.
/// </summary>
internal sealed unsafe class PackedConvWeights
{
    /// <summary>Pinned, so the group panels' pointers stay valid while this object lives.</summary>
    private readonly float[] _buffer;
    private readonly PackedMatrixA[] _groups;

    private PackedConvWeights(GemmTiling tiling, in Conv2DShape shape, float[] buffer, PackedMatrixA[] groups)
    {
        Tiling = tiling;
        Shape = shape;
        _buffer = buffer;
        _groups = groups;
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

        if (shape.IsDepthwise || DirectConvolutionJob.Applies(isa, shape))
        {
            return null;
        }

        var tiling = GemmTiling.For(isa);
        int og = shape.OutChannelsPerGroup, depth = shape.InChannelsPerGroup * shape.KernelHeight * shape.KernelWidth;
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
        && shape.KernelHeight == Shape.KernelHeight && shape.KernelWidth == Shape.KernelWidth;

    /// <summary>Group <paramref name="g"/>'s panels; valid while this object is alive.</summary>
    public PackedMatrixA Group(int g) => _groups[g];
}
