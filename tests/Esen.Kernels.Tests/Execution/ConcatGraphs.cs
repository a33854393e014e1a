using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

/// <summary>
/// Small seeded graphs around Concat, each with the number of Concat inputs the schedule should
/// write in place (<see cref="Esen.Kernels.Execution.ExecutionPlanInfo.InPlaceConcatInputs"/>).
/// </summary>
internal static class ConcatGraphs
{
    /// <summary>Graph name → (graph, Concat inputs written in place).</summary>
    public static IReadOnlyDictionary<string, Func<(LayerGraph Graph, int InPlace)>> All { get; } = new Dictionary<string, Func<(LayerGraph, int)>>
    {
        ["fire"] = () => (Fire(batch: 1), 4),
        ["fire-batch2"] = () => (Fire(batch: 2), 0),
        ["three-inputs-one-read-later"] = ThreeInputsOneReadLater,
        ["axis0"] = Axis0,
        ["graph-input"] = GraphInput,
        ["constant"] = Constant,
        ["view"] = View,
        ["same-input-twice"] = SameInputTwice,
        ["input-in-two-concats"] = InputInTwoConcats,
        ["input-is-graph-output"] = InputIsGraphOutput,
        ["nested"] = Nested,
    };

    /// <summary>Names of <see cref="All"/> as theory data.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    /// <summary>
    /// Two SqueezeNet-style Fire modules with a max pool between them: a 1×1 squeeze convolution, then
    /// 1×1 and 3×3 expand convolutions concatenated along the channels, each followed by Relu.
    /// </summary>
    public static LayerGraph Fire(int batch)
    {
        var g = new GraphBuilder("fire", seed: 31, batch: batch);
        string x = g.Input("x", batch, 6, 9, 9);
        string h = FireModule(g, x, squeeze: 4, expand: 5, "fire1");
        h = g.MaxPool(h, kernel: 3, stride: 2, ceilMode: true, name: "pool");
        h = FireModule(g, h, squeeze: 3, expand: 6, "fire2");
        g.Output(g.Conv(h, 4, 1, name: "head"));
        return g.Build();
    }

    private static string FireModule(GraphBuilder g, string x, int squeeze, int expand, string name)
    {
        string s = g.Relu(g.Conv(x, squeeze, 1, name: $"{name}.squeeze"), name: $"{name}.squeeze.relu");
        string e1 = g.Relu(g.Conv(s, expand, 1, name: $"{name}.expand1"), name: $"{name}.expand1.relu");
        string e3 = g.Relu(g.Conv(s, expand, 3, pad: 1, name: $"{name}.expand3"), name: $"{name}.expand3.relu");
        return g.Concat(1, [e1, e3], name: $"{name}.concat");
    }

    // b is read again after the Concat's consumer has written its output: the Concat output (which holds b) must outlive that.
    private static (LayerGraph, int) ThreeInputsOneReadLater()
    {
        var g = new GraphBuilder("three", seed: 37);
        string x = g.Input("x", 1, 3, 6, 6);
        string a = g.Relu(g.Conv(x, 2, 1, name: "a"));
        string b = g.Sigmoid(g.Conv(x, 4, 3, pad: 1, name: "b"));
        string d = g.Tanh(g.Conv(x, 3, 1, name: "d"));
        string h = g.Conv(g.Concat(1, [a, b, d], name: "concat"), 4, 3, pad: 1, name: "h");
        g.Output(g.Add(g.Relu(h), b, name: "late"));
        return (g.Build(), 3);
    }

    private static (LayerGraph, int) Axis0()
    {
        var g = new GraphBuilder("axis0", seed: 41, batch: 2);
        string x = g.Input("x", 2, 7);
        string joined = g.Concat(0, [g.Gemm(x, 5, name: "a"), g.Relu(g.Gemm(x, 5, name: "b"))], name: "concat");
        g.Output(g.Gemm(joined, 3, name: "head"));
        return (g.Build(), 2);
    }

    private static (LayerGraph, int) GraphInput()
    {
        var g = new GraphBuilder("graph-input", seed: 43);
        string x = g.Input("x", 1, 3, 5, 5);
        string joined = g.Concat(1, [x, g.Relu(g.Conv(x, 2, 3, pad: 1, name: "a"))], name: "concat");
        g.Output(g.Conv(joined, 2, 1, name: "head"));
        return (g.Build(), 1);
    }

    private static (LayerGraph, int) Constant()
    {
        var g = new GraphBuilder("constant", seed: 47);
        string x = g.Input("x", 1, 3, 5, 5);
        string bias = g.Weight("plane", new TensorShape(1, 2, 5, 5), 1f);
        string joined = g.Concat(1, [g.Relu(g.Conv(x, 2, 3, pad: 1, name: "a")), bias], name: "concat");
        g.Output(g.Conv(joined, 2, 1, name: "head"));
        return (g.Build(), 1);
    }

    // Flatten aliases its input's buffer, so its output cannot also live in the Concat's.
    private static (LayerGraph, int) View()
    {
        var g = new GraphBuilder("view", seed: 53);
        string x = g.Input("x", 1, 3, 4, 4);
        string flat = g.Flatten(g.Relu(g.Conv(x, 2, 1, name: "a")), name: "flat");
        string joined = g.Concat(1, [flat, g.Relu(g.Gemm(flat, 8, name: "fc"))], name: "concat");
        g.Output(g.Gemm(joined, 3, name: "head"));
        return (g.Build(), 1);
    }

    private static (LayerGraph, int) SameInputTwice()
    {
        var g = new GraphBuilder("twice", seed: 59);
        string x = g.Input("x", 1, 3, 5, 5);
        string a = g.Relu(g.Conv(x, 2, 3, pad: 1, name: "a"));
        g.Output(g.Conv(g.Concat(1, [a, a], name: "concat"), 2, 1, name: "head"));
        return (g.Build(), 0);
    }

    private static (LayerGraph, int) InputInTwoConcats()
    {
        var g = new GraphBuilder("two-concats", seed: 61);
        string x = g.Input("x", 1, 3, 5, 5);
        string a = g.Relu(g.Conv(x, 2, 3, pad: 1, name: "a"));
        string left = g.Concat(1, [a, g.Relu(g.Conv(x, 3, 1, name: "b"))], name: "left");
        string right = g.Concat(1, [g.Relu(g.Conv(x, 3, 1, name: "d")), a], name: "right");
        g.Output(g.Add(g.Conv(left, 2, 1, name: "l"), g.Conv(right, 2, 1, name: "r"), name: "sum"));
        return (g.Build(), 2);
    }

    private static (LayerGraph, int) InputIsGraphOutput()
    {
        var g = new GraphBuilder("output-input", seed: 67);
        string x = g.Input("x", 1, 3, 5, 5);
        string a = g.Relu(g.Conv(x, 2, 3, pad: 1, name: "a"));
        string joined = g.Concat(1, [a, g.Relu(g.Conv(x, 3, 1, name: "b"))], name: "concat");
        g.Output(g.Conv(joined, 2, 1, name: "head"));
        g.Output(a);
        return (g.Build(), 1);
    }

    // The inner Concat's inputs live in its output, which lives in the outer Concat's output.
    private static (LayerGraph, int) Nested()
    {
        var g = new GraphBuilder("nested", seed: 71);
        string x = g.Input("x", 1, 3, 5, 5);
        string inner = g.Concat(1, [g.Relu(g.Conv(x, 2, 1, name: "a")), g.Relu(g.Conv(x, 3, 3, pad: 1, name: "b"))], name: "inner");
        string outer = g.Concat(1, [g.Relu(g.Conv(x, 4, 1, name: "d")), inner], name: "outer");
        g.Output(g.Conv(outer, 2, 1, name: "head"));
        return (g.Build(), 4);
    }
}
