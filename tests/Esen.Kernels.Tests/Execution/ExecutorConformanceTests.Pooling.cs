using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    [SkippableTheory]
    [InlineData(8, 2, 2, 0, false)]
    [InlineData(9, 3, 2, 1, false)]
    [InlineData(9, 3, 2, 1, true)]
    [InlineData(17, 3, 3, 0, true)]
    [InlineData(16, 2, 2, 1, true)]
    [InlineData(7, 5, 1, 2, false)]
    public void Pools_PadsCeilModeAndCountIncludePad(int size, int kernel, int stride, int pad, bool ceil)
    {
        PoolsMatchTheReference(RandomTensor(51, 2, 3, size, size), kernel, stride, pad, ceil, $"{size}x{size}");
    }

    // Rectangular planes at ragged widths: rows wider than the stack scratch, windows larger than the
    // input, kernels wider than a vector, and the padded and clipped edges around the vectorised interior of max pooling
    // (rows of 90 to 200 with kernels of 1 to 6 reach its unmasked interior chunks). Three planes split over two
    // threads in uneven parts.
    [SkippableTheory]
    [InlineData(60, 45, 3, 1, 1, false)]
    [InlineData(5, 1031, 3, 2, 1, true)]
    [InlineData(3, 13, 5, 1, 2, false)]
    [InlineData(2, 3, 3, 1, 1, true)]
    [InlineData(11, 37, 3, 2, 0, true)]
    [InlineData(6, 19, 2, 3, 1, false)]
    [InlineData(20, 53, 17, 2, 3, true)]
    [InlineData(19, 50, 18, 1, 8, false)]
    [InlineData(27, 27, 3, 2, 0, false)]
    [InlineData(4, 150, 1, 2, 0, false)]
    [InlineData(5, 131, 2, 2, 0, true)]
    [InlineData(3, 200, 4, 2, 1, false)]
    [InlineData(4, 170, 5, 2, 2, false)]
    [InlineData(6, 111, 3, 2, 0, false)]
    [InlineData(3, 90, 6, 1, 2, false)]
    public void Pools_RectangularPlanesAtRaggedWidths(int height, int width, int kernel, int stride, int pad, bool ceil)
    {
        PoolsMatchTheReference(RandomTensor(61, 1, 3, height, width), kernel, stride, pad, ceil, $"{height}x{width}");
    }

    // A single large plane (at least 32 x 32 outputs, 2^16 taps) splits over the threads by output rows, ranges that cut its blocks
    // of row maxima (more planes than threads go to the threads whole).
    [SkippableTheory]
    [InlineData(120, 90, 3, 1, 1)]
    [InlineData(300, 151, 3, 2, 0)]
    public void Pools_SinglePlaneSplitByRows(int height, int width, int kernel, int stride, int pad)
    {
        PoolsMatchTheReference(RandomTensor(63, 1, 1, height, width), kernel, stride, pad, ceil: false, $"{height}x{width}, one plane");
    }

    // A NaN anywhere in a window makes that window's maximum NaN (IEEE 754 maximum, like ONNX's reference),
    // in the vectorised interior, in the clipped edges and in planes narrower than a vector.
    [SkippableTheory]
    [InlineData(23, 41, 3, 2, 1)]
    [InlineData(9, 6, 2, 1, 0)]
    [InlineData(7, 111, 3, 2, 0)]
    [InlineData(5, 97, 4, 1, 1)]
    public void MaxPool_PropagatesNaN(int height, int width, int kernel, int stride, int pad)
    {
        Tensor x = RandomTensor(71, 1, 2, height, width);
        float[] data = x.Floats;
        var random = new Random(72);
        for (int i = 0; i < data.Length / 25; i++)
        {
            data[random.Next(data.Length)] = float.NaN;
        }

        Tensor y = RunNode("MaxPool", [("x", x)], new()
        {
            ["kernel_shape"] = AttributeValue.Ints(kernel, kernel),
            ["strides"] = AttributeValue.Ints(stride, stride),
            ["pads"] = AttributeValue.Ints(pad, pad, pad, pad),
        })["y"];
        float[] expected = Reference.Pool2D(data, x.Shape.ToArray(), kernel, stride, pad, ceil: false, max: true, countIncludePad: false);
        Assert.Contains(expected, float.IsNaN);
        Close(expected, y, $"MaxPool with NaNs {height}x{width} k{kernel} s{stride} p{pad}");
    }

    // MaxPool and both AveragePool modes with square windows against the reference loops.
    private void PoolsMatchTheReference(Tensor x, int kernel, int stride, int pad, bool ceil, string plane)
    {
        foreach ((string op, bool includePad) in new[] { ("MaxPool", false), ("AveragePool", false), ("AveragePool", true) })
        {
            Tensor y = RunNode(op, [("x", x)], new()
            {
                ["kernel_shape"] = AttributeValue.Ints(kernel, kernel),
                ["strides"] = AttributeValue.Ints(stride, stride),
                ["pads"] = AttributeValue.Ints(pad, pad, pad, pad),
                ["ceil_mode"] = AttributeValue.Int(ceil ? 1 : 0),
                ["count_include_pad"] = AttributeValue.Int(includePad ? 1 : 0),
            })["y"];
            float[] expected = Reference.Pool2D(x.Floats, x.Shape.ToArray(), kernel, stride, pad, ceil, op == "MaxPool", includePad);
            Close(expected, y, $"{op} {plane} k{kernel} s{stride} p{pad} ceil={ceil} include={includePad}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ConformanceData.SimdLengths), MemberType = typeof(ConformanceData))]
    public void GlobalAveragePool_MeansEachPlane(int size)
    {
        Tensor x = RandomTensor(52, 2, 3, size, 2);
        Tensor y = RunNode("GlobalAveragePool", [("x", x)])["y"];
        float[] expected = Enumerable.Range(0, 6).Select(p => x.Floats.AsSpan(p * size * 2, size * 2).ToArray().Average()).ToArray();
        Assert.Equal(new TensorShape(2, 3, 1, 1), y.Shape);
        Close(expected, y, "GlobalAveragePool");
    }

    [SkippableTheory]
    [MemberData(nameof(ConformanceData.SimdLengths), MemberType = typeof(ConformanceData))]
    public void BatchNormalization_Inference(int plane)
    {
        const int channels = 3;
        Tensor x = RandomTensor(53, 2, channels, plane);
        Tensor scale = RandomTensor(54, channels), bias = RandomTensor(55, channels), mean = RandomTensor(56, channels);
        Tensor variance = F([channels], [0.5f, 1.5f, 0.01f]);
        Tensor y = RunNode("BatchNormalization", [("x", x), ("s", scale), ("b", bias), ("m", mean), ("v", variance)], new() { ["epsilon"] = AttributeValue.Float(1e-3f) })["y"];
        float[] expected = x.Floats.Select((v, i) =>
        {
            int c = i / plane % channels;
            return (float)(((v - mean.Floats[c]) / Math.Sqrt(variance.Floats[c] + 1e-3)) * scale.Floats[c]) + bias.Floats[c];
        }).ToArray();
        Close(expected, y, "BatchNormalization");
    }

    [SkippableTheory]
    [InlineData(new long[] { 3, 17 }, -1, 13)]
    [InlineData(new long[] { 2, 9, 4 }, 1, 13)]
    [InlineData(new long[] { 2, 9, 4 }, 0, 13)]
    [InlineData(new long[] { 2, 3, 4 }, 1, 11)]
    public void Softmax_AxisSemanticsByOpset(long[] dims, int axis, int opset)
    {
        Tensor x = F(dims, Reference.Random(new Random(57), dims.Aggregate(1L, (p, d) => p * d), 50f));
        Tensor y = RunNode("Softmax", [("x", x)], new() { ["axis"] = AttributeValue.Int(axis) }, opset: opset)["y"];
        int a = axis < 0 ? axis + dims.Length : axis;

        // Before opset 13 the input is flattened to 2-D at the axis and normalised over the whole row.
        float[] expected = opset < 13
            ? Reference.Softmax(x.Floats, [dims.Take(a).Aggregate(1L, (p, d) => p * d), dims.Skip(a).Aggregate(1L, (p, d) => p * d)], 1)
            : Reference.Softmax(x.Floats, dims, a);
        Close(expected, y, $"Softmax axis {axis} opset {opset}");
    }

    [SkippableTheory]
    [InlineData(new long[] { 4, 17 }, -1)]
    [InlineData(new long[] { 2, 3, 8 }, 1)]
    [InlineData(new long[] { 2, 33 }, 0)]
    [InlineData(new long[] { 2, 3, 4, 5 }, 1, new long[] { 5 }, new long[] { 4, 1 })]
    [InlineData(new long[] { 3, 6, 4 }, -2, new long[] { 1, 4 }, new long[] { 6, 1 })]
    [InlineData(new long[] { 5, 8 }, -1, new long[] { 1 }, new long[] { 8 })]
    public void LayerNormalization_NormalisesTrailingDimensions_ScaleAndBiasBroadcast(long[] dims, int axis, long[]? scaleDims = null, long[]? biasDims = null)
    {
        Tensor x = RandomTensor(58, dims);
        int a = axis < 0 ? axis + dims.Length : axis;
        long[] normalized = dims[a..];
        Tensor scale = RandomTensor(59, scaleDims ?? normalized), bias = RandomTensor(60, biasDims ?? normalized);

        // The element of a parameter of shape p that broadcasts to normalised column j (numpy rules).
        float At(Tensor parameter, int j)
        {
            long[] p = parameter.Shape.ToArray();
            int index = 0, stride = 1;
            for (int d = normalized.Length - 1, rest = j; d >= 0; rest /= (int)normalized[d], d--)
            {
                int pd = d - (normalized.Length - p.Length);
                if (pd >= 0)
                {
                    index += p[pd] == 1 ? 0 : rest % (int)normalized[d] * stride;
                    stride *= (int)p[pd];
                }
            }

            return parameter.Floats[index];
        }

        IReadOnlyDictionary<string, Tensor> outputs = RunNode(
            "LayerNormalization", [("x", x), ("scale", scale), ("bias", bias)], new() { ["axis"] = AttributeValue.Int(axis), ["epsilon"] = AttributeValue.Float(1e-5f) },
            outputs: ["y", "mean", "inv"]);
        int cols = (int)normalized.Aggregate(1L, (p, d) => p * d), rows = x.Floats.Length / cols;
        var expected = new float[x.Floats.Length];
        var means = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            float[] row = x.Floats.AsSpan(r * cols, cols).ToArray();
            double mean = row.Average(v => (double)v), variance = row.Average(v => (v - mean) * (v - mean));
            means[r] = (float)mean;
            for (int j = 0; j < cols; j++)
            {
                expected[(r * cols) + j] = (float)(((row[j] - mean) / Math.Sqrt(variance + 1e-5) * At(scale, j)) + At(bias, j));
            }
        }

        Close(expected, outputs["y"], "LayerNormalization", atol: 1e-4);
        Close(means, outputs["mean"], "LayerNormalization mean");
    }
}
