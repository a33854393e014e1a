namespace Esen.Kernels.Graph;

/// <summary>
/// The sliding-window geometry shared by Conv, MaxPool and AveragePool (ONNX attributes kernel_shape,
/// strides, pads, dilations, auto_pad, ceil_mode) for 1 to 3 spatial dimensions, with auto_pad resolved
/// into explicit pads.
/// </summary>
/// <param name="Input">Spatial input sizes.</param>
/// <param name="Kernel">Kernel sizes.</param>
/// <param name="Strides">Strides.</param>
/// <param name="Dilations">Dilations.</param>
/// <param name="PadsBegin">Padding before each spatial dimension.</param>
/// <param name="PadsEnd">Padding after each spatial dimension.</param>
/// <param name="Output">Spatial output sizes.</param>
public sealed record WindowGeometry(int[] Input, int[] Kernel, int[] Strides, int[] Dilations, int[] PadsBegin, int[] PadsEnd, int[] Output)
{
    /// <summary>Number of spatial dimensions.</summary>
    public int SpatialRank => Input.Length;

    /// <summary>Product of the output sizes.</summary>
    public long OutputSize => Output.Aggregate(1L, (a, b) => a * b);

    /// <summary>Product of the kernel sizes.</summary>
    public long KernelSize => Kernel.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// The same window in <paramref name="rank"/> spatial dimensions: leading dimensions of size 1 with
    /// stride and dilation 1 and no padding, so a kernel written for <paramref name="rank"/> dimensions runs
    /// a lower-rank window (a 1-D convolution as a 2-D one of height 1).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is below <see cref="SpatialRank"/>.</exception>
    public WindowGeometry Padded(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, SpatialRank);
        int lead = rank - SpatialRank;
        int[] Lead(int[] values, int fill) => [.. Enumerable.Repeat(fill, lead), .. values];
        return new WindowGeometry(Lead(Input, 1), Lead(Kernel, 1), Lead(Strides, 1), Lead(Dilations, 1), Lead(PadsBegin, 0), Lead(PadsEnd, 0), Lead(Output, 1));
    }

    /// <summary>
    /// Resolves the window of <paramref name="node"/> over input shape <paramref name="x"/> (N, C, spatial...).
    /// </summary>
    /// <param name="kernel">The kernel sizes (from the weights for Conv, kernel_shape for pooling).</param>
    /// <param name="allowCeil">True for pooling, where ceil_mode applies.</param>
    /// <exception cref="GraphException">An attribute has the wrong length or a value out of range, or the output is empty.</exception>
    public static WindowGeometry Resolve(Node node, TensorShape x, long[] kernel, bool allowCeil)
    {
        int spatial = x.Rank - 2;
        if (spatial is < 1 or > 3)
        {
            throw new GraphException($"{node.Describe()}: input {x} must have 1 to 3 spatial dimensions");
        }

        if (kernel.Length != spatial)
        {
            throw new GraphException($"{node.Describe()}: kernel_shape [{string.Join(',', kernel)}] does not match input {x}");
        }

        int[] strides = Attribute(node, "strides", spatial, 1);
        int[] dilations = Attribute(node, "dilations", spatial, 1);
        long[]? pads = node.GetInts("pads");
        if (pads is not null && pads.Length != 2 * spatial)
        {
            throw new GraphException($"{node.Describe()}: pads has {pads.Length} values, expected {2 * spatial}");
        }

        var input = new int[spatial];
        var k = new int[spatial];
        var begin = new int[spatial];
        var end = new int[spatial];
        var output = new int[spatial];
        string autoPad = node.GetString("auto_pad", "NOTSET");
        bool ceil = allowCeil && node.GetInt("ceil_mode", 0) != 0;
        for (int i = 0; i < spatial; i++)
        {
            input[i] = checked((int)x[i + 2]);
            if (kernel[i] <= 0 || kernel[i] > int.MaxValue || strides[i] <= 0 || dilations[i] <= 0)
            {
                throw new GraphException($"{node.Describe()}: kernel, strides and dilations must be positive");
            }

            k[i] = (int)kernel[i];
            long span = ((long)dilations[i] * (k[i] - 1)) + 1;
            switch (autoPad)
            {
                case "NOTSET":
                    begin[i] = checked((int)(pads?[i] ?? 0));
                    end[i] = checked((int)(pads?[i + spatial] ?? 0));
                    if (begin[i] < 0 || end[i] < 0)
                    {
                        throw new GraphException($"{node.Describe()}: negative pads are not supported");
                    }

                    break;
                case "VALID":
                    break;
                case "SAME_UPPER":
                case "SAME_LOWER":
                    long same = (input[i] + strides[i] - 1) / strides[i];
                    int total = (int)Math.Max(0, ((same - 1) * strides[i]) + span - input[i]);
                    begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                    end[i] = total - begin[i];
                    break;
                default:
                    throw new GraphException($"{node.Describe()}: unknown auto_pad '{autoPad}'");
            }

            long room = input[i] + begin[i] + end[i] - span;
            if (room < 0)
            {
                throw new GraphException($"{node.Describe()}: the window ({span}) is larger than the padded input ({input[i] + begin[i] + end[i]}) in spatial dimension {i}");
            }

            long size = ceil ? ((room + strides[i] - 1) / strides[i]) + 1 : (room / strides[i]) + 1;

            // With ceil_mode the last window must start inside the input or its leading padding
            // (the rule of PyTorch and ONNX Runtime); otherwise it would cover only padding.
            if (ceil && (size - 1) * strides[i] >= input[i] + begin[i])
            {
                size--;
            }

            output[i] = checked((int)size);
        }

        return new WindowGeometry(input, k, strides, dilations, begin, end, output);
    }

    private static int[] Attribute(Node node, string name, int spatial, int fallback)
    {
        long[]? values = node.GetInts(name);
        if (values is null)
        {
            return Enumerable.Repeat(fallback, spatial).ToArray();
        }

        if (values.Length != spatial)
        {
            throw new GraphException($"{node.Describe()}: {name} has {values.Length} values, expected {spatial}");
        }

        return values.Select(v => v is > 0 and <= int.MaxValue ? (int)v : throw new GraphException($"{node.Describe()}: {name} value {v} is out of range")).ToArray();
    }
}
