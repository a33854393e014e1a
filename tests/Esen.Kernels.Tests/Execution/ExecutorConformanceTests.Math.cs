using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// ReduceMean and ReduceMax over axis sets of every kind (one, several apart, negative, none = all, none with
    /// noop_with_empty_axes), with and without keepdims, axes as the attribute (opset 13) and as the input (opset 18),
    /// against a brute-force reduction.
    /// </summary>
    [SkippableTheory]
    [InlineData("ReduceMean", new long[] { 1 }, 1, 13)]
    [InlineData("ReduceMean", new long[] { 0, 2 }, 0, 18)]
    [InlineData("ReduceMean", new long[] { -1 }, 1, 18)]
    [InlineData("ReduceMean", new long[0], 0, 13)]
    [InlineData("ReduceMax", new long[] { 1 }, 0, 18)]
    [InlineData("ReduceMax", new long[] { 0, 2 }, 1, 13)]
    [InlineData("ReduceMax", new long[] { -3, -2 }, 1, 18)]
    [InlineData("ReduceMax", new long[0], 1, 18)]
    public void Reduce_MatchesBruteForce(string op, long[] axes, long keepDims, int opset)
    {
        long[] dims = [3, 4, 5];
        Tensor x = RandomTensor(11, dims);
        var attributes = new Dictionary<string, AttributeValue> { ["keepdims"] = AttributeValue.Int(keepDims) };
        (string, Tensor)[] inputs = [("x", x)];
        if (opset < 18 && axes.Length > 0)
        {
            attributes["axes"] = AttributeValue.Ints(axes);
        }
        else if (axes.Length > 0)
        {
            inputs = [("x", x), ("axes", Tensor.Vector(axes))];
        }

        Tensor y = RunNode(op, inputs, attributes, opset: opset, initializers: ["axes"])["y"];
        bool[] reduced = [.. dims.Select((_, d) => axes.Length == 0 || axes.Any(a => (a + 3) % 3 == d))];
        long[] kept = [.. dims.Select((n, d) => reduced[d] ? 1 : n)];
        Assert.Equal(new TensorShape([.. kept.Where((_, d) => keepDims != 0 || !reduced[d])]), y.Shape);
        var expected = new float[kept.Aggregate(1L, (p, n) => p * n)];
        for (int o = 0; o < expected.Length; o++)
        {
            int[] c = [o / (int)(kept[1] * kept[2]), o / (int)kept[2] % (int)kept[1], o % (int)kept[2]];
            var values = new List<float>();
            for (int i = 0; i < dims[0]; i++)
            {
                for (int j = 0; j < dims[1]; j++)
                {
                    for (int k = 0; k < dims[2]; k++)
                    {
                        if ((reduced[0] || i == c[0]) && (reduced[1] || j == c[1]) && (reduced[2] || k == c[2]))
                        {
                            values.Add(x.Floats[(((i * 4) + j) * 5) + k]);
                        }
                    }
                }
            }

            expected[o] = op == "ReduceMean" ? (float)values.Average(v => (double)v) : values.Max();
        }

        Close(expected, y, $"{op} axes [{string.Join(',', axes)}] keepdims={keepDims} opset {opset}");
    }

    [SkippableFact]
    public void ReduceMean_NoopWithEmptyAxes_IsIdentity()
    {
        Tensor x = RandomTensor(12, 2, 3);
        Tensor y = RunNode("ReduceMean", [("x", x)], new() { ["noop_with_empty_axes"] = AttributeValue.Int(1) }, opset: 18)["y"];
        Assert.Equal(x.Shape, y.Shape);
        Close(x.Floats, y, "ReduceMean noop");
    }

    /// <summary>Pow against Math.Pow: a positive base broadcast against float exponents, and x² of any sign exactly x·x.</summary>
    [SkippableFact]
    public void Pow_Broadcasts_AndSquaresExactly()
    {
        Tensor x = F([2, 3, 4], Reference.Random(new Random(13), 24).Select(v => Math.Abs(v) + 0.1f).ToArray());
        Tensor e = F([4], [0.5f, 1.5f, -1.25f, 3f]);
        Tensor y = RunNode("Pow", [("x", x), ("e", e)])["y"];
        Close(x.Floats.Select((v, i) => (float)Math.Pow(v, e.Floats[i % 4])).ToArray(), y, "Pow [2,3,4] ^ [4]", rtol: 2e-5, atol: 1e-6);

        Tensor signed = RandomTensor(14, 37);
        Tensor squares = RunNode("Pow", [("x", signed), ("two", Tensor.Scalar(2f))])["y"];
        Assert.Equal(signed.Floats.Select(v => v * v), squares.Floats);
    }

    [SkippableFact]
    public void SqrtAndLog_MatchDefinitions()
    {
        Tensor x = F([65], Reference.Random(new Random(15), 65, 4f).Select(v => Math.Abs(v) + 1e-3f).ToArray());
        Close(x.Floats.Select(MathF.Sqrt).ToArray(), RunNode("Sqrt", [("x", x)])["y"], "Sqrt", rtol: 0, atol: 0);
        Close(x.Floats.Select(v => (float)Math.Log(v)).ToArray(), RunNode("Log", [("x", x)])["y"], "Log", rtol: 1e-5, atol: 1e-6);
    }

    /// <summary>Max of three inputs that broadcast together, NaN kept wherever an input holds it.</summary>
    [SkippableFact]
    public void Max_OfThreeBroadcastInputs()
    {
        Tensor a = RandomTensor(16, 3, 1), b = RandomTensor(17, 4), c = F([2, 1, 1], [0.25f, float.NaN]);
        Tensor y = RunNode("Max", [("a", a), ("b", b), ("c", c)])["y"];
        Assert.Equal(new TensorShape(2, 3, 4), y.Shape);
        float[] expected = [.. Enumerable.Range(0, 24).Select(i => i >= 12 ? float.NaN : Math.Max(Math.Max(a.Floats[i / 4 % 3], b.Floats[i % 4]), 0.25f))];
        Assert.Equal(expected, y.Floats);
    }
}
