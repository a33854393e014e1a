using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Graph;

public class GraphIrTests
{
    [Fact]
    public void TensorShape_DynamicBatch_BindsAndCounts()
    {
        var shape = new TensorShape(TensorShape.Dynamic, 3, 224, 224);
        Assert.False(shape.IsStatic);
        Assert.Equal("[N,3,224,224]", shape.ToString());
        Assert.Equal(8L * 3 * 224 * 224, shape.WithBatch(8).ElementCount);
        Assert.Throws<InvalidOperationException>(() => shape.ElementCount);
    }

    [Fact]
    public void TensorShape_AbsurdDimensions_RefusedWithoutAllocating()
    {
        var shape = new TensorShape(1L << 20, 1L << 20, 1L << 20);
        Assert.Throws<InvalidOperationException>(() => shape.ElementCount);
    }

    [Fact]
    public void Graph_Cycle_NamesNode()
    {
        Node a = new("a", "Relu", ["x", "b_out"], ["a_out"]);
        Node b = new("b", "Relu", ["a_out"], ["b_out"]);
        var e = Assert.Throws<GraphException>(() => new LayerGraph(
            "g", [new ValueInfo("x", DataType.Float32, new TensorShape(2))], [new ValueInfo("b_out", DataType.Float32, new TensorShape(2))],
            [a, b], new Dictionary<string, Tensor>()));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Graph_UndefinedInput_NamesNodeAndValue()
    {
        Node a = new("relu1", "Relu", ["missing"], ["y"]);
        var e = Assert.Throws<GraphException>(() => new LayerGraph(
            "g", [new ValueInfo("x", DataType.Float32, new TensorShape(2))], [new ValueInfo("y", DataType.Float32, new TensorShape(2))],
            [a], new Dictionary<string, Tensor>()));
        Assert.Contains("relu1", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Graph_NodesOutOfOrder_AreSortedTopologically()
    {
        Node second = new("second", "Relu", ["h"], ["y"]);
        Node first = new("first", "Relu", ["x"], ["h"]);
        var graph = new LayerGraph(
            "g", [new ValueInfo("x", DataType.Float32, new TensorShape(2))], [new ValueInfo("y", DataType.Float32, new TensorShape(2))],
            [second, first], new Dictionary<string, Tensor>());
        Assert.Equal(["first", "second"], graph.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void Builder_SmallConvNet_ShapesAndCosts()
    {
        var b = new GraphBuilder("tiny");
        string x = b.Input("x", TensorShape.Dynamic, 3, 32, 32);
        string c = b.Relu(b.Conv(x, outChannels: 16, kernel: 3, pad: 1, name: "conv"));
        string p = b.MaxPool(c, kernel: 2, stride: 2);
        string f = b.Flatten(b.GlobalAveragePool(p));
        b.Output(b.Gemm(f, 10, name: "fc"));
        LayerGraph graph = b.Build();

        GraphCost cost = GraphCostAnalyzer.Analyze(graph, batch: 2);
        Assert.Equal(new TensorShape(2, 10), cost.Shapes[graph.Outputs[0].Name].Shape);
        NodeCost conv = cost.Nodes.Single(n => n.Node.Name == "conv");
        long macs = 2L * 16 * 32 * 32 * 3 * 3 * 3;
        Assert.Equal(macs, conv.Macs);
        Assert.Equal((2 * macs) + (2L * 16 * 32 * 32), conv.Flops);
        Assert.Equal(new GemmView(2L * 32 * 32, 16, 27, 1), conv.Gemm);
        Assert.Equal(((16 * 3 * 9) + 16) * 4L, conv.ParameterBytes);
        Assert.Equal(2L * 3 * 32 * 32 * 4, conv.ActivationBytes - conv.BytesWritten);

        NodeCost fc = cost.Nodes.Single(n => n.Node.Name == "fc");
        Assert.Equal(new GemmView(2, 10, 16), fc.Gemm);
        Assert.Equal(cost.Nodes.Sum(n => n.Flops), cost.Flops);
        Assert.Equal(((16 * 27) + 16 + (10 * 16) + 10) * 4L, cost.ParameterBytes);
    }

    [Fact]
    public void Builder_ShapeMismatch_FailsAtTheOffendingLayer()
    {
        var b = new GraphBuilder("bad");
        string x = b.Input("x", 1, 3, 8, 8);
        string y = b.Input("y", 1, 4, 8, 8);
        var e = Assert.Throws<GraphException>(() => b.Add(x, y, name: "sum"));
        Assert.Contains("sum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecomposedLayerNorm_ReductionsCountEveryInputElement_ElementwiseOpsEveryOutput()
    {
        // The LayerNorm exporters write out: (x − mean) / √(mean((x − mean)²) + ε), over the last axis of [2, 5, 8].
        var b = new GraphBuilder("layernorm");
        string x = b.Input("x", 2, 5, 8);
        var lastAxis = new Dictionary<string, AttributeValue> { ["axes"] = AttributeValue.Ints(-1) };
        string centred = b.Sub(x, b.Op("ReduceMean", [x], lastAxis, name: "mean"));
        string variance = b.Op("ReduceMean", [b.Op("Pow", [centred, b.Initializer("two", Tensor.Scalar(2f))], name: "square")], lastAxis);
        string deviation = b.Op("Sqrt", [b.Add(variance, b.Initializer("epsilon", Tensor.Scalar(1e-5f)))], name: "sqrt");
        b.Output(b.Op("Max", [b.Div(centred, deviation), b.Initializer("floor", Tensor.Scalar(-1f))], name: "max"));

        GraphCost cost = GraphCostAnalyzer.Analyze(b.Build());
        NodeCost Node(string name) => cost.Nodes.Single(n => n.Node.Name == name);
        Assert.Equal(new TensorShape(2, 5, 1), cost.Shapes[Node("mean").Node.Outputs[0]].Shape);
        Assert.Equal(80, Node("mean").Flops);
        Assert.Equal(80, Node("square").Flops);
        Assert.Equal(10, Node("sqrt").Flops);
        Assert.Equal(80, Node("max").Flops);
        Assert.Equal(new TensorShape(2, 5, 8), cost.Shapes[Node("max").Node.Outputs[0]].Shape);
    }

    [Fact]
    public void DetectionNeck_ResizeAndConvTranspose_CostTheirInterpolationsAndGemm()
    {
        // The upsampling of a DB text detector: nearest ×2, bilinear ×2, and a stride-2 ConvTranspose with bias.
        var b = new GraphBuilder("neck");
        string x = b.Input("x", 1, 4, 5, 6);
        string scales = b.Initializer("scales", Tensor.FromFloats(new TensorShape(4), [1, 1, 2, 2]));
        string nearest = b.Op("Resize", [x, string.Empty, scales], name: "nearest");
        string linear = b.Op("Resize", [nearest, string.Empty, scales], new Dictionary<string, AttributeValue> { ["mode"] = AttributeValue.String("linear") }, name: "linear");
        string w = b.Initializer("w", Tensor.Zeros(DataType.Float32, new TensorShape(4, 3, 2, 2)));
        string bias = b.Initializer("b", Tensor.Zeros(DataType.Float32, new TensorShape(3)));
        b.Output(b.Op("ConvTranspose", [linear, w, bias], new Dictionary<string, AttributeValue> { ["strides"] = AttributeValue.Ints(2, 2) }, name: "up"));

        GraphCost cost = GraphCostAnalyzer.Analyze(b.Build());
        NodeCost Node(string name) => cost.Nodes.Single(n => n.Node.Name == name);
        Assert.Equal(0, Node("nearest").Flops);
        Assert.Equal(9L * 4 * 20 * 24, Node("linear").Flops);

        // 480 input positions × (3 output channels · 4 taps) × 4 input channels; the bias adds one per output element.
        Assert.Equal(new TensorShape(1, 3, 40, 48), cost.Shapes[Node("up").Node.Outputs[0]].Shape);
        Assert.Equal(new GemmView(480, 12, 4), Node("up").Gemm);
        Assert.Equal(480L * 12 * 4, Node("up").Macs);
        Assert.Equal((2L * 480 * 12 * 4) + (3 * 40 * 48), Node("up").Flops);
    }

    [Fact]
    public void Builder_DepthwiseConv_GemmViewHasGroups()
    {
        var b = new GraphBuilder("dw");
        string x = b.Input("x", 1, 32, 56, 56);
        b.Output(b.Conv(x, 32, kernel: 3, pad: 1, groups: 32, bias: false, name: "dw"));
        NodeCost dw = GraphCostAnalyzer.Analyze(b.Build()).Nodes[0];
        Assert.Equal(new GemmView(56 * 56, 1, 9, 32), dw.Gemm);
        Assert.Equal(2L * 32 * 56 * 56 * 9, dw.Flops);
    }

    [Fact]
    public void Builder_DoesNotMaterializeWeights_ForAnalysis()
    {
        var b = new GraphBuilder("big");
        string x = b.Input("x", 1, 25088);
        b.Output(b.Gemm(x, 4096));
        GraphCost cost = GraphCostAnalyzer.Analyze(b.Build());
        Assert.Equal(((25088L * 4096) + 4096) * 4, cost.ParameterBytes);
    }
}
