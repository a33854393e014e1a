using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// Pad in each opset's form (pads and value as attributes at opset 2; as inputs at 11 and 13; with axes at 18; wrap at
    /// 19) and each mode, with a crop (negative pad) and pads wider than the axis, against a brute-force walk of the output.
    /// </summary>
    [SkippableTheory]
    [InlineData(2, "constant", new long[] { 0, 1, 2, 1, 0, 3 }, new long[0])]
    [InlineData(2, "reflect", new long[] { 0, 2, 1, 0, 1, 3 }, new long[0])]
    [InlineData(11, "constant", new long[] { 1, -1, 2, 0, 2, -1 }, new long[0])]
    [InlineData(11, "edge", new long[] { 0, 3, 0, 1, 0, 5 }, new long[0])]
    [InlineData(13, "reflect", new long[] { 1, 2, 3, 1, 1, 4 }, new long[0])]
    [InlineData(18, "constant", new long[] { 2, 1, 0, 3 }, new long[] { -1, 1 })]
    [InlineData(18, "edge", new long[] { 1, 2 }, new long[] { 0 })]
    [InlineData(19, "wrap", new long[] { 1, 5, 2, 2, 3, 9 }, new long[0])]
    public void Pad_MatchesBruteForce(int opset, string mode, long[] pads, long[] axes)
    {
        long[] dims = [2, 3, 4];
        Tensor x = RandomTensor(43, dims);
        const float value = 1.5f;
        var attributes = new Dictionary<string, AttributeValue> { ["mode"] = AttributeValue.String(mode) };
        (string, Tensor)[] inputs;
        if (opset < 11)
        {
            attributes["pads"] = AttributeValue.Ints(pads);
            attributes["value"] = AttributeValue.Float(value);
            inputs = [("x", x)];
        }
        else
        {
            inputs = axes.Length > 0
                ? [("x", x), ("pads", Tensor.Vector(pads)), ("value", Tensor.Scalar(value)), ("axes", Tensor.Vector(axes))]
                : [("x", x), ("pads", Tensor.Vector(pads)), ("value", Tensor.Scalar(value))];
        }

        // Per axis: the begin and the output length.
        long[] padAxes = axes.Length > 0 ? [.. axes.Select(a => (a + 3) % 3)] : [0, 1, 2];
        long[] begins = new long[3], outDims = [.. dims];
        for (int i = 0; i < padAxes.Length; i++)
        {
            begins[padAxes[i]] = pads[i];
            outDims[padAxes[i]] += pads[i] + pads[i + padAxes.Length];
        }

        Tensor y = RunNode("Pad", inputs, attributes, opset: opset, initializers: ["pads", "axes"])["y"];
        var expected = new List<float>();
        for (long o0 = 0; o0 < outDims[0]; o0++)
        {
            for (long o1 = 0; o1 < outDims[1]; o1++)
            {
                for (long o2 = 0; o2 < outDims[2]; o2++)
                {
                    long?[] source = [.. new[] { o0, o1, o2 }.Select((o, d) => BruteForceSource(mode, o - begins[d], dims[d]))];
                    expected.Add(source.Any(s => s is null) ? value : x.Floats[(((source[0]!.Value * dims[1]) + source[1]!.Value) * dims[2]) + source[2]!.Value]);
                }
            }
        }

        Assert.Equal(new TensorShape(outDims), y.Shape);
        Assert.Equal(expected, y.Floats);
    }

    /// <summary>Pad keeps integer elements as they are, with an int64 constant value.</summary>
    [SkippableFact]
    public void Pad_Int64_KeepsValues()
    {
        Tensor x = Tensor.FromInt64s(new TensorShape([2, 2]), [1L << 40, -3, 7, long.MinValue]);
        Tensor y = RunNode("Pad", [("x", x), ("pads", Tensor.Vector(1L, 0, 0, 1)), ("value", Tensor.FromInt64s(new TensorShape([]), [-9L]))], opset: 13, initializers: ["pads"])["y"];
        Assert.Equal([-9L, -9, -9, 1L << 40, -3, -9, 7, long.MinValue, -9], y.Int64s);
    }

    /// <summary>
    /// Pads that do not fit the input, an axis shrunk below zero, wrap before opset 19 and a constant value of another type
    /// are refused naming the node.
    /// </summary>
    [SkippableFact]
    public void Pad_Invalid_IsRefusedNamingTheNode()
    {
        Fixture.RequireDevice();
        Tensor x = RandomTensor(44, 2, 3);
        string Refusal(long[] pads, string mode, int opset) => Assert.ThrowsAny<GraphException>(() => RunNode(
            "Pad", [("x", x), ("pads", Tensor.Vector(pads))], new() { ["mode"] = AttributeValue.String(mode) }, opset: opset, initializers: ["pads"])).Message;

        Assert.Contains("Pad node", Refusal([1, 1, 1], "constant", 13), StringComparison.Ordinal);
        Assert.Contains("below zero", Refusal([0, -2, 0, -2], "constant", 13), StringComparison.Ordinal);
        Assert.Contains("mode 'wrap'", Refusal([0, 1, 0, 1], "wrap", 18), StringComparison.Ordinal);
        string wrongValue = Assert.ThrowsAny<GraphException>(() => RunNode(
            "Pad", [("x", x), ("pads", Tensor.Vector(0, 1, 0, 1)), ("value", Tensor.Vector(2))], opset: 13, initializers: ["pads"])).Message;
        Assert.Contains("constant_value is int64[1], expected one float", wrongValue, StringComparison.Ordinal);
    }

    // ONNX's definitions: reflect mirrors without repeating the edge, edge repeats it, wrap repeats the axis.
    private static long? BruteForceSource(string mode, long index, long length)
    {
        if (index >= 0 && index < length)
        {
            return index;
        }

        switch (mode)
        {
            case "edge":
                return index < 0 ? 0 : length - 1;
            case "wrap":
                while (index < 0)
                {
                    index += length;
                }

                return index % length;
            case "reflect":
                while (index < 0 || index >= length)
                {
                    index = index < 0 ? -index : (2 * (length - 1)) - index;
                }

                return index;
            default:
                return null;
        }
    }
}
