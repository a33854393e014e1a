using Esen.Kernels.Graph;
using Esen.Kernels.Onnx.Proto;
using Google.Protobuf;

namespace Esen.Kernels.Onnx;

/// <summary>
/// Writes a <see cref="LayerGraph"/> as an ONNX model: its nodes, attributes, initializers (raw_data) and typed
/// inputs and outputs, with the graph's opset. A layer graph keeps ONNX's operators and attributes, so the file
/// means what the graph means; the built-in architectures (<see cref="Zoo.ModelZoo"/>) thus run in any ONNX runtime.
/// </summary>
public static partial class OnnxModel
{
    /// <summary>Writes <paramref name="graph"/> to <paramref name="path"/> (<see cref="Serialize"/>).</summary>
    /// <exception cref="GraphException">The graph holds something ONNX cannot express here, or the file cannot be written.</exception>
    public static void Save(LayerGraph graph, string path)
    {
        byte[] bytes = Serialize(graph);
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GraphException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The graph as a serialised ModelProto, which <see cref="Parse"/> reads back into an equal graph. Dynamic
    /// dimensions are written without a value (ONNX's unknown dimension).
    /// </summary>
    /// <exception cref="GraphException">An attribute's kind has no ONNX form here (the message names the node and attribute).</exception>
    public static byte[] Serialize(LayerGraph graph)
    {
        var model = new ModelProto { IrVersion = IrVersionFor(graph.Opset), ProducerName = "esen", Graph = ToGraphProto(graph) };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = graph.Opset });
        return model.ToByteArray();
    }

    private static GraphProto ToGraphProto(LayerGraph graph)
    {
        var proto = new GraphProto { Name = graph.Name };
        proto.Input.AddRange(graph.Inputs.Select(ToValueInfoProto));
        proto.Output.AddRange(graph.Outputs.Select(ToValueInfoProto));
        proto.Initializer.AddRange(graph.Initializers.Select(i => ToTensorProto(i.Key, i.Value)));
        proto.Node.AddRange(graph.Nodes.Select(ToNodeProto));
        return proto;
    }

    /// <summary>
    /// The lowest IR version that allows the opset, per ONNX's docs/Versioning.md ("Released Versions"): opset
    /// 18 came with IR 8, 19–20 with IR 9, 21–22 with IR 10, 23 with IR 11; older opsets are written as IR 8,
    /// which every runtime of the last years reads.
    /// </summary>
    private static long IrVersionFor(int opset) => opset switch
    {
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    private static ValueInfoProto ToValueInfoProto(ValueInfo value)
    {
        var shape = new TensorShapeProto();
        foreach (long dim in value.Shape)
        {
            shape.Dim.Add(dim == TensorShape.Dynamic ? new TensorShapeProto.Types.Dimension() : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = value.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)value.DataType, Shape = shape } },
        };
    }

    private static TensorProto ToTensorProto(string name, Tensor tensor)
    {
        var proto = new TensorProto { Name = name, DataType = (int)tensor.DataType };
        proto.Dims.AddRange(tensor.Shape);

        // raw_data is little-endian, as every host .NET runs Esen on.
        proto.RawData = ByteString.CopyFrom(tensor.AsBytes());
        return proto;
    }

    private static NodeProto ToNodeProto(Node node)
    {
        var proto = new NodeProto { Name = node.Name, OpType = node.OpType };

        // If's inputs after the condition are the outer values its branches read, listed by the importer; ONNX has the
        // branches name them instead.
        proto.Input.AddRange(node.OpType == "If" ? node.Inputs.Take(1) : node.Inputs);
        proto.Output.AddRange(node.Outputs);
        foreach ((string name, AttributeValue value) in node.Attributes)
        {
            proto.Attribute.Add(ToAttributeProto(node, name, value));
        }

        return proto;
    }

    private static AttributeProto ToAttributeProto(Node node, string name, AttributeValue value)
    {
        var proto = new AttributeProto { Name = name };
        switch (value.Value)
        {
            case float f when value.Kind == AttributeKind.Float:
                proto.Type = AttributeProto.Types.AttributeType.Float;
                proto.F = f;
                break;
            case long i when value.Kind == AttributeKind.Int:
                proto.Type = AttributeProto.Types.AttributeType.Int;
                proto.I = i;
                break;
            case string s when value.Kind == AttributeKind.String:
                proto.Type = AttributeProto.Types.AttributeType.String;
                proto.S = ByteString.CopyFromUtf8(s);
                break;
            case Tensor t when value.Kind == AttributeKind.Tensor:
                proto.Type = AttributeProto.Types.AttributeType.Tensor;
                proto.T = ToTensorProto("", t);
                break;
            case float[] floats when value.Kind == AttributeKind.Floats:
                proto.Type = AttributeProto.Types.AttributeType.Floats;
                proto.Floats.AddRange(floats);
                break;
            case long[] ints when value.Kind == AttributeKind.Ints:
                proto.Type = AttributeProto.Types.AttributeType.Ints;
                proto.Ints.AddRange(ints);
                break;
            case string[] strings when value.Kind == AttributeKind.Strings:
                proto.Type = AttributeProto.Types.AttributeType.Strings;
                proto.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8));
                break;
            case LayerGraph g when value.Kind == AttributeKind.Graph:
                proto.Type = AttributeProto.Types.AttributeType.Graph;
                proto.G = ToGraphProto(g);
                break;
            default:
                throw new GraphException($"{node.Describe()}: attribute '{name}' of kind {value.Kind} cannot be written as ONNX");
        }

        return proto;
    }
}
