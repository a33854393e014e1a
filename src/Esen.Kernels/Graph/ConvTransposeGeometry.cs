namespace Esen.Kernels.Graph;

/// <summary>
/// What a ConvTranspose node computes (1 to 3 spatial dimensions): per image and group, the column matrix
/// <c>col_g [M/G·taps, P] = W_gᵀ · X_g</c> (<c>W_g</c> the group's <c>[C/G, M/G·taps]</c> weights, <c>X_g</c> its
/// <c>[C/G, P]</c> input channels, P the input positions), then col2im: output element <c>(m, f)</c> sums
/// <c>col[m·taps + k, p]</c> over every tap k and input position p with <c>p·stride − pad_begin + k·dilation = f</c>,
/// plus the bias. That is the adjoint of a convolution's im2col, so the window is described as the convolution that
/// maps the ConvTranspose output back to its input: <see cref="WindowGeometry.Input"/> is the output's spatial size,
/// <see cref="WindowGeometry.Output"/> the input's.
/// </summary>
/// <param name="Batch">N.</param>
/// <param name="InChannels">C, the input channels.</param>
/// <param name="OutChannels">M = W's second dimension × group.</param>
/// <param name="Groups">group.</param>
/// <param name="Window">The adjoint convolution's window (pads may be negative where output_shape asks for more than the full output).</param>
public sealed record ConvTransposeGeometry(int Batch, int InChannels, int OutChannels, int Groups, WindowGeometry Window)
{
    /// <summary>The output shape [N, M, spatial...].</summary>
    public TensorShape OutputShape => new([Batch, OutChannels, .. Window.Input.Select(d => (long)d)]);

    /// <summary>Input positions per image (the column matrix's width).</summary>
    public int Positions => checked((int)Window.OutputSize);

    /// <summary>Output positions per image.</summary>
    public int OutputPositions => checked((int)Window.Input.Aggregate(1L, (p, d) => p * d));

    /// <summary>Kernel taps (the product of the kernel sizes).</summary>
    public int Taps => checked((int)Window.KernelSize);

    /// <summary>Rows of one group's column matrix: M/G·taps.</summary>
    public int ColumnRowsPerGroup => OutChannels / Groups * Taps;

    /// <summary>
    /// Resolves the ConvTranspose of <paramref name="node"/> on input <paramref name="x"/> [N, C, spatial...] and weights
    /// <paramref name="w"/> [C, M/group, kernel...]. The full output is <c>stride·(in − 1) + output_padding +
    /// dilation·(kernel − 1) + 1</c> per dimension; explicit pads cut it; output_shape (which overrides pads) and
    /// SAME_UPPER/SAME_LOWER (output = in·stride) cut the difference, the odd element at the end for NOTSET and
    /// SAME_UPPER and at the start for SAME_LOWER, as ONNX's node tests have it; an output_shape beyond the full output extends
    /// it at the end with bias-only elements.
    /// </summary>
    /// <exception cref="GraphException">The weights, bias or an attribute do not fit the input, or the output is empty.</exception>
    public static ConvTransposeGeometry Resolve(Node node, TensorShape x, TensorShape w)
    {
        string where = node.Describe();
        int spatial = x.Rank - 2;
        if (spatial is < 1 or > 3 || w.Rank != x.Rank)
        {
            throw new GraphException($"{where}: input {x} and weights {w} must have the same rank with 1 to 3 spatial dimensions");
        }

        long group = node.GetInt("group", 1);
        if (group <= 0 || x[1] % group != 0 || w[0] != x[1])
        {
            throw new GraphException($"{where}: weights {w} do not fit input channels {x[1]} with group={group}");
        }

        long[] kernel = w.Dimensions[2..].ToArray();
        if (node.GetInts("kernel_shape") is { } declared && !declared.AsSpan().SequenceEqual(kernel))
        {
            throw new GraphException($"{where}: kernel_shape [{string.Join(',', declared)}] does not match weights {w}");
        }

        int[] strides = Positive(node, "strides", spatial, 1), dilations = Positive(node, "dilations", spatial, 1);
        int[] outputPadding = Values(node, "output_padding", spatial, 0);
        long[] pads = node.GetInts("pads") ?? new long[2 * spatial];
        long[]? outputShape = node.GetInts("output_shape");
        if (pads.Length != 2 * spatial || (outputShape is not null && outputShape.Length != spatial && outputShape.Length != x.Rank))
        {
            throw new GraphException($"{where}: pads needs {2 * spatial} values and output_shape {spatial}");
        }

        string autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw new GraphException($"{where}: unknown auto_pad '{autoPad}'");
        }

        var input = new int[spatial];
        var output = new int[spatial];
        var begin = new int[spatial];
        var end = new int[spatial];
        for (int i = 0; i < spatial; i++)
        {
            input[i] = checked((int)x[i + 2]);
            if (kernel[i] <= 0 || outputPadding[i] < 0 || (outputPadding[i] >= strides[i] && outputPadding[i] >= dilations[i]))
            {
                throw new GraphException($"{where}: kernel must be positive and output_padding below stride or dilation");
            }

            long full = ((long)strides[i] * (input[i] - 1)) + outputPadding[i] + ((long)dilations[i] * (kernel[i] - 1)) + 1;
            long? wanted = outputShape is not null ? outputShape[^(spatial - i)] : autoPad is "SAME_UPPER" or "SAME_LOWER" ? (long)input[i] * strides[i] : null;
            if (wanted is { } size)
            {
                long total = Math.Max(0, full - size);
                begin[i] = checked((int)(autoPad == "SAME_LOWER" ? total - (total / 2) : total / 2));
                end[i] = checked((int)(full - size - begin[i]));
            }
            else if (autoPad == "NOTSET")
            {
                (begin[i], end[i]) = (checked((int)pads[i]), checked((int)pads[i + spatial]));
                if (begin[i] < 0 || end[i] < 0)
                {
                    throw new GraphException($"{where}: negative pads are not supported");
                }
            }

            output[i] = checked((int)(full - begin[i] - end[i]));
            if (output[i] <= 0)
            {
                throw new GraphException($"{where}: the output is empty in spatial dimension {i} (full size {full}, pads {begin[i]} and {end[i]})");
            }
        }

        var window = new WindowGeometry(output, kernel.Select(k => checked((int)k)).ToArray(), strides, dilations, begin, end, input);
        return new ConvTransposeGeometry(checked((int)x[0]), checked((int)x[1]), checked((int)(w[1] * group)), (int)group, window);
    }

    private static int[] Positive(Node node, string name, int spatial, int fallback) =>
        Values(node, name, spatial, fallback).Select(v => v > 0 ? v : throw new GraphException($"{node.Describe()}: {name} must be positive")).ToArray();

    private static int[] Values(Node node, string name, int spatial, int fallback)
    {
        long[] values = node.GetInts(name) ?? Enumerable.Repeat((long)fallback, spatial).ToArray();
        return values.Length == spatial
            ? values.Select(v => checked((int)v)).ToArray()
            : throw new GraphException($"{node.Describe()}: {name} has {values.Length} values, expected {spatial}");
    }
}
