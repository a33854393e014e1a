using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Onnx.Proto;
using Google.Protobuf;

namespace Esen.Kernels.Tests.Onnx;

public class OnnxBadInputTests
{
    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    private static NodeProto NodeOf(string name, string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { Name = name, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static byte[] Model(IEnumerable<NodeProto> nodes, ValueInfoProto[] inputs, ValueInfoProto[] outputs, params TensorProto[] initializers)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Node.AddRange(nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        graph.Initializer.AddRange(initializers);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model.ToByteArray();
    }

    [Fact]
    public void UnknownOp_IsUnsupported_NamingTheNode()
    {
        LayerGraph graph = OnnxModel.Parse(Model([NodeOf("mystery", "FancyOp", ["x"], ["y"])], [Value("x", 2)], [Value("y", 2)]), "m.onnx");
        var e = Assert.Throws<UnsupportedModelException>(() => ShapeInference.Infer(graph));
        Assert.Contains("mystery", e.Message, StringComparison.Ordinal);
        Assert.Contains("FancyOp", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingInitializer_NamesNodeAndTensor()
    {
        var e = Assert.Throws<GraphException>(() => OnnxModel.Parse(
            Model([NodeOf("conv", "Conv", ["x", "W"], ["y"])], [Value("x", 1, 1, 4, 4)], [Value("y", 1, 1, 4, 4)]), "m.onnx"));
        Assert.Contains("conv", e.Message, StringComparison.Ordinal);
        Assert.Contains("'W'", e.Message, StringComparison.Ordinal);
        Assert.Contains("m.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cycle_IsRefused()
    {
        var e = Assert.Throws<GraphException>(() => OnnxModel.Parse(
            Model([NodeOf("a", "Relu", ["b_out"], ["a_out"]), NodeOf("b", "Relu", ["a_out"], ["b_out"])], [Value("x", 2)], [Value("b_out", 2)]), "m.onnx"));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdInitializerDimensions_RefusedBeforeAllocating()
    {
        var tensor = new TensorProto { Name = "W", DataType = 1 };
        tensor.Dims.AddRange([1L << 40, 1L << 40]);
        var e = Assert.Throws<GraphException>(() => OnnxModel.Parse(
            Model([NodeOf("add", "Add", ["x", "W"], ["y"])], [Value("x", 2)], [Value("y", 2)], tensor), "m.onnx"));
        Assert.Contains("'W'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsurdInputDimensions_RefusedByInference()
    {
        LayerGraph graph = OnnxModel.Parse(Model([NodeOf("relu", "Relu", ["x"], ["y"])], [Value("x", 1L << 20, 1L << 20, 1L << 10)], [Value("y", 1)]), "m.onnx");
        var e = Assert.Throws<GraphException>(() => ShapeInference.Infer(graph));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InitializerDataShorterThanShape_NamesTheTensor()
    {
        var tensor = new TensorProto { Name = "B", DataType = 1 };
        tensor.Dims.Add(3);
        tensor.FloatData.AddRange([1f, 2f]);
        var e = Assert.Throws<GraphException>(() => OnnxModel.Parse(
            Model([NodeOf("add", "Add", ["x", "B"], ["y"])], [Value("x", 3)], [Value("y", 3)], tensor), "m.onnx"));
        Assert.Contains("'B'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeMismatch_NamesTheNode()
    {
        LayerGraph graph = OnnxModel.Parse(Model([NodeOf("sum", "Add", ["x", "z"], ["y"])], [Value("x", 3), Value("z", 4)], [Value("y", 3)]), "m.onnx");
        var e = Assert.Throws<GraphException>(() => ShapeInference.Infer(graph));
        Assert.Contains("sum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedElementType_NamesTheInput()
    {
        ValueInfoProto input = Value("x", 2);
        input.Type.TensorType.ElemType = 16;
        var e = Assert.Throws<UnsupportedModelException>(() => OnnxModel.Parse(Model([NodeOf("relu", "Relu", ["x"], ["y"])], [input], [Value("y", 2)]), "m.onnx"));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
        Assert.Contains("bfloat16", e.Message, StringComparison.Ordinal);
    }
}
