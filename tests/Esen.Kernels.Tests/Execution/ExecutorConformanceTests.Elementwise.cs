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
