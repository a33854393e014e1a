using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// LSTM in each direction, with biases, initial states and peepholes or without, against a step-by-step reference in
    /// float64; an executor that does not run LSTM refuses it naming the node.
    /// </summary>
    [SkippableTheory]
    [InlineData("forward", true, false)]
    [InlineData("forward", false, true)]
    [InlineData("reverse", true, true)]
    [InlineData("bidirectional", true, true)]
    public void Lstm_MatchesStepByStepReference(string direction, bool withBiasAndStates, bool withPeepholes)
    {
        const int sequence = 5, batch = 2, input = 3, hidden = 4;
        int directions = direction == "bidirectional" ? 2 : 1;
        Tensor x = RandomTensor(51, sequence, batch, input), w = RandomTensor(52, directions, 4 * hidden, input), r = RandomTensor(53, directions, 4 * hidden, hidden);
        Tensor b = RandomTensor(54, directions, 8 * hidden), h0 = RandomTensor(55, directions, batch, hidden), c0 = RandomTensor(56, directions, batch, hidden);
        Tensor p = RandomTensor(57, directions, 3 * hidden);
        var empty = (string.Empty, x);
        (string, Tensor)[] inputs =
        [
            ("x", x), ("w", w), ("r", r), withBiasAndStates ? ("b", b) : empty, empty,
            withBiasAndStates ? ("h0", h0) : empty, withBiasAndStates ? ("c0", c0) : empty, withPeepholes ? ("p", p) : empty,
        ];
        var attributes = new Dictionary<string, AttributeValue> { ["hidden_size"] = AttributeValue.Int(hidden), ["direction"] = AttributeValue.String(direction) };
        if (Fixture.RefusedOps.Contains("LSTM"))
        {
            Fixture.RequireDevice();
            var refused = Assert.Throws<UnsupportedModelException>(() => RunNode("LSTM", inputs, attributes, ["y", "y_h", "y_c"], initializers: ["w", "r", "b", "p"]));
            Assert.Contains("LSTM node 'node'", refused.Message, StringComparison.Ordinal);
            return;
        }

        IReadOnlyDictionary<string, Tensor> result = RunNode("LSTM", inputs, attributes, ["y", "y_h", "y_c"], initializers: ["w", "r", "b", "p"]);
        var y = new float[sequence * directions * batch * hidden];
        var yH = new float[directions * batch * hidden];
        var yC = new float[directions * batch * hidden];
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        for (int d = 0; d < directions; d++)
        {
            for (int n = 0; n < batch; n++)
            {
                var h = new double[hidden];
                var c = new double[hidden];
                for (int j = 0; j < hidden && withBiasAndStates; j++)
                {
                    h[j] = h0.Floats[(((d * batch) + n) * hidden) + j];
                    c[j] = c0.Floats[(((d * batch) + n) * hidden) + j];
                }

                for (int step = 0; step < sequence; step++)
                {
                    int t = direction == "reverse" || d == 1 ? sequence - 1 - step : step;
                    // Gate g of unit j: W and R rows g·hidden + j (order i, o, f, c), biases Wb then Rb.
                    double Gate(int g, int j)
                    {
                        int row = (g * hidden) + j;
                        double sum = withBiasAndStates ? b.Floats[(d * 8 * hidden) + row] + (double)b.Floats[(d * 8 * hidden) + (4 * hidden) + row] : 0;
                        for (int k = 0; k < input; k++)
                        {
                            sum += (double)x.Floats[(((t * batch) + n) * input) + k] * w.Floats[(((d * 4 * hidden) + row) * input) + k];
                        }

                        for (int k = 0; k < hidden; k++)
                        {
                            sum += h[k] * r.Floats[(((d * 4 * hidden) + row) * hidden) + k];
                        }

                        return sum;
                    }

                    double Peephole(int g, int j) => withPeepholes ? p.Floats[(d * 3 * hidden) + (g * hidden) + j] : 0;
                    double[] gi = [.. Enumerable.Range(0, hidden).Select(j => Gate(0, j))], go = [.. Enumerable.Range(0, hidden).Select(j => Gate(1, j))];
                    double[] gf = [.. Enumerable.Range(0, hidden).Select(j => Gate(2, j))], gc = [.. Enumerable.Range(0, hidden).Select(j => Gate(3, j))];
                    for (int j = 0; j < hidden; j++)
                    {
                        double i = Sigmoid(gi[j] + (Peephole(0, j) * c[j])), f = Sigmoid(gf[j] + (Peephole(2, j) * c[j]));
                        c[j] = (f * c[j]) + (i * Math.Tanh(gc[j]));
                        h[j] = Sigmoid(go[j] + (Peephole(1, j) * c[j])) * Math.Tanh(c[j]);
                        y[(((((t * directions) + d) * batch) + n) * hidden) + j] = (float)h[j];
                    }
                }

                for (int j = 0; j < hidden; j++)
                {
                    yH[(((d * batch) + n) * hidden) + j] = (float)h[j];
                    yC[(((d * batch) + n) * hidden) + j] = (float)c[j];
                }
            }
        }

        Assert.Equal(new TensorShape(sequence, directions, batch, hidden), result["y"].Shape);
        Close(y, result["y"], "Y");
        Close(yH, result["y_h"], "Y_h");
        Close(yC, result["y_c"], "Y_c");
    }

    /// <summary>sequence_lens fed at run time: full lengths give the result without it, a shorter one is refused naming the node.</summary>
    [SkippableFact]
    public void Lstm_RunTimeSequenceLengths_FullOnly()
    {
        Fixture.RequireDevice();
        Tensor x = RandomTensor(62, 3, 2, 2), w = RandomTensor(63, 1, 8, 2), r = RandomTensor(64, 1, 8, 2);
        var attributes = new Dictionary<string, AttributeValue> { ["hidden_size"] = AttributeValue.Int(2) };
        Tensor Run(int[] lengths) => RunNode(
            "LSTM", [("x", x), ("w", w), ("r", r), (string.Empty, x), ("lengths", Tensor.FromArray(new TensorShape(2), lengths))], attributes, ["y"], initializers: ["w", "r"])["y"];
        if (Fixture.RefusedOps.Contains("LSTM"))
        {
            var plan = Assert.Throws<UnsupportedModelException>(() => Run([3, 3]));
            Assert.Contains("LSTM node 'node'", plan.Message, StringComparison.Ordinal);
            return;
        }

        Tensor without = RunNode("LSTM", [("x", x), ("w", w), ("r", r)], attributes, ["y"], initializers: ["w", "r"])["y"];
        Assert.Equal(without.Floats, Run([3, 3]).Floats);
        var refused = Assert.Throws<UnsupportedModelException>(() => Run([3, 2]));
        Assert.StartsWith("LSTM node 'node': sequence_lens holds 2", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>LSTM cases Esen does not run are refused at plan time in one line naming the node.</summary>
    [SkippableTheory]
    [InlineData("layout", "layout 1")]
    [InlineData("clip", "clip")]
    [InlineData("activations", "activations")]
    public void Lstm_Unsupported_IsRefusedNamingTheNode(string attribute, string named)
    {
        Fixture.RequireDevice();
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["hidden_size"] = AttributeValue.Int(2),
            [attribute] = attribute switch
            {
                "layout" => AttributeValue.Int(1),
                "clip" => AttributeValue.Float(3f),
                _ => AttributeValue.Strings("Relu", "Tanh", "Tanh"),
            },
        };
        var refused = Assert.Throws<UnsupportedModelException>(() => RunNode(
            "LSTM", [("x", RandomTensor(58, 3, 1, 2)), ("w", RandomTensor(59, 1, 8, 2)), ("r", RandomTensor(60, 1, 8, 2))], attributes, ["y"], initializers: ["w", "r"]));
        Assert.Contains("LSTM node 'node'", refused.Message, StringComparison.Ordinal);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Neg of every sign and ConstantOfShape's default zero and given int64 value.</summary>
    [SkippableFact]
    public void Neg_And_ConstantOfShape()
    {
        Tensor x = RandomTensor(61, 3, 5);
        Assert.Equal(x.Floats.Select(v => -v), RunNode("Neg", [("x", x)])["y"].Floats);
        Assert.Equal(new float[6], RunNode("ConstantOfShape", [("shape", Tensor.Vector(2, 3))], initializers: ["shape"])["y"].Floats);
        Tensor sevens = RunNode(
            "ConstantOfShape", [("shape", Tensor.Vector(4))], new() { ["value"] = AttributeValue.FromTensor(Tensor.FromInt64s(new TensorShape(1), [7L])) }, initializers: ["shape"])["y"];
        Assert.Equal([7L, 7, 7, 7], sevens.Int64s);
    }
}
