using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    [SkippableTheory]
    [MemberData(nameof(ConformanceData.BroadcastCases), MemberType = typeof(ConformanceData))]
    public void Binary_Broadcasts_LikeNumpy(string op, long[] aDims, long[] bDims)
    {
        Tensor a = RandomTensor(1, aDims), b = RandomTensor(2, bDims);
        if (op == "Div")
        {
            b = F(bDims, b.Floats.Select(v => v + (v >= 0 ? 0.5f : -0.5f)).ToArray());
        }

        Func<float, float, float> f = op switch
        {
            "Add" => (x, y) => x + y,
            "Sub" => (x, y) => x - y,
            "Mul" => (x, y) => x * y,
            _ => (x, y) => x / y,
        };
        Tensor y = RunNode(op, [("a", a), ("b", b)])["y"];
        long[] yDims = ShapeInference.Broadcast(a.Shape, b.Shape)!.ToArray();
        Assert.Equal(new TensorShape(yDims), y.Shape);
        Close(Reference.Binary(a.Floats, aDims, b.Floats, bDims, yDims, f), y, $"{op} {a.Shape} {b.Shape}");
    }

    [SkippableTheory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void Int64Binary_WrapsAndTruncatesTowardZero_LikeCSharp(string op)
    {
        // a [3, 33] is 99 values, more than a plan specialises on, so the op runs on the executor's device; b [33]
        // broadcasts over its rows. Full-range values wrap on nearly every sum and product; small ones of both signs
        // show the truncation; −1 divides only values other than −2⁶³.
        var random = new Random(20261205);
        long[] a = [long.MinValue, long.MaxValue, -7, 7, .. Enumerable.Range(0, 95).Select(i => i % 2 == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.NextInt64(-50, 51))];
        long[] b = [2, -2, -2, 2, -1, .. Enumerable.Range(0, 28).Select(i => i % 3 == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.NextInt64(1, 9) * (i % 2 == 0 ? 1 : -1))];
        Tensor y = RunNode(op, [("a", Tensor.FromInt64s(new TensorShape(3, 33), a)), ("b", Tensor.FromInt64s(new TensorShape(33), b))])["y"];

        Func<long, long, long> f = op switch
        {
            "Add" => (p, q) => unchecked(p + q),
            "Sub" => (p, q) => unchecked(p - q),
            "Mul" => (p, q) => unchecked(p * q),
            _ => (p, q) => p / q,
        };
        Assert.Equal(DataType.Int64, y.DataType);
        Assert.Equal(new TensorShape(3, 33), y.Shape);
        Assert.Equal([.. a.Select((v, i) => f(v, b[i % 33]))], y.Int64s);
    }

    [SkippableTheory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Int64Div_WithoutAQuotient_FailsNamingTheNode(long divisor)
    {
        // 5 / 0, or −2⁶³ / −1, among 99 ordinary quotients: no int64 result, so the run fails naming the node.
        long[] a = [.. Enumerable.Range(0, 99).Select(i => i == 40 ? long.MinValue : (long)i)];
        long[] b = [.. Enumerable.Range(0, 33).Select(i => i == 7 ? divisor : (long)i + 1)];
        var error = Assert.Throws<GraphException>(() => RunNode("Div", [("a", Tensor.FromInt64s(new TensorShape(3, 33), a)), ("b", Tensor.FromInt64s(new TensorShape(33), b))]));
        Assert.StartsWith("Div node 'node': integer division by zero, or of the type's minimum (−2⁶³ for int64) by −1", error.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(ConformanceData.SimdLengths), MemberType = typeof(ConformanceData))]
    public void Activations_MatchDefinitions(int n)
    {
        Tensor x = F([n], Reference.Random(new Random(n), n, 4f));
        float[] v = x.Floats;
        (string Op, Dictionary<string, AttributeValue> Attributes, Func<float, double> Expected)[] cases =
        [
            ("Relu", [], a => Math.Max(a, 0)),
            ("LeakyRelu", new() { ["alpha"] = AttributeValue.Float(0.1f) }, a => a >= 0 ? a : 0.1 * a),
            ("Sigmoid", [], a => 1 / (1 + Math.Exp(-a))),
            ("Tanh", [], a => Math.Tanh(a)),
            ("HardSigmoid", new() { ["alpha"] = AttributeValue.Float(0.3f), ["beta"] = AttributeValue.Float(0.4f) }, a => Math.Clamp((0.3 * a) + 0.4, 0, 1)),
            ("Erf", [], a => ErfBySimpson(a)),
            ("Identity", [], a => a),
            ("Dropout", [], a => a),
        ];
        foreach ((string op, Dictionary<string, AttributeValue> attributes, Func<float, double> expected) in cases)
        {
            Tensor y = RunNode(op, [("x", x)], attributes)["y"];
            Close(v.Select(a => (float)expected(a)).ToArray(), y, op, rtol: 1e-5, atol: 2e-6);
        }
    }

    [SkippableTheory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(6)]
    public void Clip_AttributeAndInputForms(int opset)
    {
        Tensor x = F([17], Reference.Random(new Random(5), 17, 3f));
        float[] expected = x.Floats.Select(a => Math.Clamp(a, -1f, 0.5f)).ToArray();
        Tensor y = opset < 11
            ? RunNode("Clip", [("x", x)], new() { ["min"] = AttributeValue.Float(-1f), ["max"] = AttributeValue.Float(0.5f) }, opset: opset)["y"]
            : RunNode("Clip", [("x", x), ("min", Tensor.Scalar(-1f)), ("max", Tensor.Scalar(0.5f))], opset: opset)["y"];
        Close(expected, y, $"Clip opset {opset}");

        Tensor onlyMax = RunNode("Clip", [("x", x), (string.Empty, Tensor.Scalar(0)), ("max", Tensor.Scalar(0.5f))], opset: 13)["y"];
        Close(x.Floats.Select(a => Math.Min(a, 0.5f)).ToArray(), onlyMax, "Clip without min");
    }

    /// <summary>erf by Simpson's rule on 2/√π·e^(−t²), 4000 intervals: independent of the kernel's series.</summary>
    private static double ErfBySimpson(double x)
    {
        const int intervals = 4000;
        double h = x / intervals, sum = 0;
        for (int i = 0; i <= intervals; i++)
        {
            double t = i * h, weight = i == 0 || i == intervals ? 1 : (i % 2 == 1 ? 4 : 2);
            sum += weight * Math.Exp(-t * t);
        }

        return sum * h / 3 * 2 / Math.Sqrt(Math.PI);
    }
}
