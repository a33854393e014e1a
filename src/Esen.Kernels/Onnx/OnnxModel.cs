using System.Runtime.InteropServices;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx.Proto;
using Google.Protobuf;

namespace Esen.Kernels.Onnx;

/// <summary>
/// Reads ONNX models (ModelProto) into a <see cref="LayerGraph"/> and ONNX tensors (TensorProto, the
/// .pb files of backend tests) into <see cref="Tensor"/>s, and writes both back (OnnxModel.Writing.cs). Malformed input raises a
/// <see cref="GraphException"/> naming the file and the node or tensor; features Esen lacks raise an
/// <see cref="UnsupportedModelException"/>.
/// </summary>
public static partial class OnnxModel
{
    /// <summary>Loads a model file.</summary>
    /// <exception cref="GraphException">The file is unreadable, not a valid model, or inconsistent.</exception>
    public static LayerGraph Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GraphException($"{path}: {e.Message}", e);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses a serialised ModelProto; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="GraphException">The bytes are not a valid model, or the model is inconsistent.</exception>
    public static LayerGraph Parse(byte[] bytes, string source)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GraphException($"{source}: not a valid ONNX model ({e.Message})", e);
        }

        try
        {
            return Convert(model);
        }
        catch (GraphException e) when (e is UnsupportedModelException)
        {
            throw new UnsupportedModelException($"{source}: {e.Message}", e);
        }
        catch (GraphException e)
        {
            throw new GraphException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Reads a TensorProto file (a backend test's input_i.pb / output_i.pb).</summary>
    /// <returns>The tensor name stored in the file ("" when absent) and the tensor.</returns>
    /// <exception cref="GraphException">The file is unreadable or not a valid float/int64 tensor.</exception>
    public static (string Name, Tensor Tensor) LoadTensor(string path)
    {
        try
        {
            TensorProto proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
            return (proto.Name, ToTensor(proto, path));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GraphException($"{path}: not a valid ONNX tensor ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GraphException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Serialises a tensor as a TensorProto with raw_data (for writing test data).</summary>
    public static byte[] SerializeTensor(string name, Tensor tensor) => ToTensorProto(name, tensor).ToByteArray();

    private static LayerGraph Convert(ModelProto model)
    {
        GraphProto graph = model.Graph ?? throw new GraphException("the model has no graph");
        OperatorSetIdProto? opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        LayerGraph converted = ToGraph(graph, checked((int)(opset?.Version ?? LayerGraph.DefaultOpset)), subgraphOf: null);
        return opset is null && converted.Nodes.Count > 0
            ? throw new GraphException("the model imports no default-domain opset (opset_import)")
            : converted;
    }

    // A model's graph, or (subgraphOf names the node) a subgraph: it has no inputs of its own and reads the values of
    // the enclosing graph that it names without defining (its LayerGraph.OuterValues).
    private static LayerGraph ToGraph(GraphProto graph, int opset, string? subgraphOf)
    {
        var initializers = new Dictionary<string, Tensor>();
        foreach (TensorProto initializer in graph.Initializer)
        {
            if (!initializers.TryAdd(initializer.Name, ToTensor(initializer, $"initializer '{initializer.Name}'")))
            {
                throw new GraphException($"initializer '{initializer.Name}' is defined twice");
            }
        }

        ValueInfo[] inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).Select(i => ToValueInfo(i, "input")).ToArray();
        if (subgraphOf is not null && inputs.Length > 0)
        {
            throw new UnsupportedModelException($"{subgraphOf}: a subgraph with inputs ('{inputs[0].Name}') is not supported");
        }

        ValueInfo[] outputs = graph.Output.Select(o => ToValueInfo(o, "output")).ToArray();
        var names = new HashSet<string>();
        var nodes = new List<Node>(graph.Node.Count);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            string name = node.Name.Length > 0 ? node.Name : $"{node.OpType}_{i}";
            while (!names.Add(name))
            {
                name = $"{name}_{i}";
            }

            nodes.Add(ToNode(node, name, opset));
        }

        if (subgraphOf is null)
        {
            return new LayerGraph(graph.Name, inputs, outputs, nodes, initializers, opset);
        }

        var defined = new HashSet<string>(initializers.Keys.Concat(nodes.SelectMany(n => n.Outputs)));
        string[] outer = [.. nodes.SelectMany(n => n.Inputs).Concat(outputs.Select(o => o.Name)).Where(v => v.Length > 0 && !defined.Contains(v)).Distinct()];
        return new LayerGraph(graph.Name, [], outputs, nodes, initializers, opset, outerValues: outer);
    }

    private static Node ToNode(NodeProto proto, string name, int opset)
    {
        string describe = $"{proto.OpType} node '{name}'";
        if (proto.Domain is not ("" or "ai.onnx"))
        {
            throw new UnsupportedModelException($"{describe}: operator domain '{proto.Domain}' is not supported");
        }

        var attributes = new Dictionary<string, AttributeValue>();
        foreach (AttributeProto attribute in proto.Attribute)
        {
            attributes[attribute.Name] = attribute.Type == AttributeProto.Types.AttributeType.Graph && proto.OpType == "If"
                ? AttributeValue.Subgraph(ToGraph(attribute.G ?? throw new GraphException($"{describe}, attribute '{attribute.Name}': no graph"), opset, describe))
                : ToAttribute(attribute, describe);
        }

        // If reads its branches' outer values as inputs after the condition: ordering and liveness then see them.
        string[] inputs = [.. proto.Input];
        if (proto.OpType == "If")
        {
            inputs = [.. inputs, .. attributes.Values.Where(a => a.Kind == AttributeKind.Graph).SelectMany(a => ((LayerGraph)a.Value).OuterValues).Distinct().Where(v => !inputs.Contains(v))];
        }

        return new Node(name, proto.OpType, inputs, proto.Output.ToArray(), attributes);
    }

    private static AttributeValue ToAttribute(AttributeProto a, string describe)
    {
        AttributeProto.Types.AttributeType type = a.Type;
        if (type == AttributeProto.Types.AttributeType.Undefined)
        {
            // IR version 1 files may omit the type; infer it from the field that is set.
            type = a.Ints.Count > 0 ? AttributeProto.Types.AttributeType.Ints
                : a.Floats.Count > 0 ? AttributeProto.Types.AttributeType.Floats
                : a.T is not null ? AttributeProto.Types.AttributeType.Tensor
                : !a.S.IsEmpty ? AttributeProto.Types.AttributeType.String
                : a.F != 0 ? AttributeProto.Types.AttributeType.Float
                : AttributeProto.Types.AttributeType.Int;
        }

        string what = $"{describe}, attribute '{a.Name}'";
        return type switch
        {
            AttributeProto.Types.AttributeType.Float => AttributeValue.Float(a.F),
            AttributeProto.Types.AttributeType.Int => AttributeValue.Int(a.I),
            AttributeProto.Types.AttributeType.String => AttributeValue.String(a.S.ToStringUtf8()),
            AttributeProto.Types.AttributeType.Tensor => AttributeValue.FromTensor(ToTensor(a.T ?? throw new GraphException($"{what}: no tensor"), what)),
            AttributeProto.Types.AttributeType.Floats => AttributeValue.Floats([.. a.Floats]),
            AttributeProto.Types.AttributeType.Ints => AttributeValue.Ints([.. a.Ints]),
            AttributeProto.Types.AttributeType.Strings => AttributeValue.Strings(a.Strings.Select(s => s.ToStringUtf8()).ToArray()),
            _ => throw new UnsupportedModelException($"{what}: attribute type {type} is not supported"),
        };
    }

    private static ValueInfo ToValueInfo(ValueInfoProto proto, string role)
    {
        string what = $"graph {role} '{proto.Name}'";
        TypeProto.Types.Tensor tensorType = proto.Type?.TensorType ?? throw new UnsupportedModelException($"{what}: only tensor types are supported");
        DataType type = role == "output" && tensorType.ElemType == 0
            ? DataType.Float32
            : DataTypes.FromOnnx(tensorType.ElemType, what);
        if (tensorType.Shape is null)
        {
            return new ValueInfo(proto.Name, type, TensorShape.Scalar);
        }

        var dims = new long[tensorType.Shape.Dim.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            TensorShapeProto.Types.Dimension dim = tensorType.Shape.Dim[i];
            dims[i] = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dim.DimValue : TensorShape.Dynamic;
            if (dims[i] < TensorShape.Dynamic || dims[i] > TensorShape.MaxElements)
            {
                throw new GraphException($"{what}: dimension {i} is {dims[i]}");
            }
        }

        return new ValueInfo(proto.Name, type, new TensorShape(dims));
    }

    /// <summary>Converts a TensorProto, validating its size before allocating anything.</summary>
    private static Tensor ToTensor(TensorProto proto, string what)
    {
        if (proto.DataLocation != 0 || proto.ExternalData.Count > 0)
        {
            throw new UnsupportedModelException($"{what}: external tensor data is not supported");
        }

        DataType type = DataTypes.FromOnnx(proto.DataType, what);
        long count = 1;
        foreach (long d in proto.Dims)
        {
            if (d < 0 || (d > 0 && count > TensorShape.MaxElements / d))
            {
                throw new GraphException($"{what}: dimensions [{string.Join(',', proto.Dims)}] are invalid or too large");
            }

            count *= d;
        }

        var shape = new TensorShape([.. proto.Dims]);
        int size = DataTypes.SizeOf(type);
        int stored = !proto.RawData.IsEmpty ? proto.RawData.Length / size : TypedFieldCount(proto, type);
        if ((!proto.RawData.IsEmpty && proto.RawData.Length != count * size) || stored != count)
        {
            throw new GraphException($"{what}: {stored} stored elements do not fill shape {shape} ({count})");
        }

        Tensor tensor = Tensor.Zeros(type, shape);
        if (!proto.RawData.IsEmpty)
        {
            // raw_data is little-endian, as every host .NET runs Esen on.
            proto.RawData.Span.CopyTo(tensor.AsBytes());
            return tensor;
        }

        switch (type)
        {
            case DataType.Float32:
                proto.FloatData.CopyTo(tensor.Floats, 0);
                break;
            case DataType.Int64:
                proto.Int64Data.CopyTo(tensor.Int64s, 0);
                break;
            case DataType.Float64:
                proto.DoubleData.CopyTo(tensor.Elements<double>(), 0);
                break;
            case DataType.Bool:
                for (int i = 0; i < proto.Int32Data.Count; i++)
                {
                    tensor.Elements<bool>()[i] = proto.Int32Data[i] != 0;
                }

                break;
            case DataType.Float16:
                // int32_data holds each float16's bits.
                for (int i = 0; i < proto.Int32Data.Count; i++)
                {
                    tensor.Elements<Half>()[i] = BitConverter.UInt16BitsToHalf(unchecked((ushort)proto.Int32Data[i]));
                }

                break;
            case DataType.UInt8:
            case DataType.Int8:
                // int32_data holds each 8-bit value widened; its low byte is the element.
                for (int i = 0; i < proto.Int32Data.Count; i++)
                {
                    tensor.AsBytes()[i] = unchecked((byte)proto.Int32Data[i]);
                }

                break;
            case DataType.UInt16:
            case DataType.Int16:
                // int32_data holds each 16-bit value widened; its low 16 bits are the element.
                Span<ushort> sixteenBits = MemoryMarshal.Cast<byte, ushort>(tensor.AsBytes());
                for (int i = 0; i < proto.Int32Data.Count; i++)
                {
                    sixteenBits[i] = unchecked((ushort)proto.Int32Data[i]);
                }

                break;
            case DataType.UInt32:
                for (int i = 0; i < proto.Uint64Data.Count; i++)
                {
                    tensor.Elements<uint>()[i] = unchecked((uint)proto.Uint64Data[i]);
                }

                break;
            case DataType.UInt64:
                proto.Uint64Data.CopyTo(tensor.Elements<ulong>(), 0);
                break;
            default:
                proto.Int32Data.CopyTo(tensor.Elements<int>(), 0);
                break;
        }

        return tensor;
    }

    /// <summary>How many elements the typed field of <paramref name="type"/> holds (onnx.proto, TensorProto: which field stores which type).</summary>
    private static int TypedFieldCount(TensorProto proto, DataType type) => type switch
    {
        DataType.Float32 => proto.FloatData.Count,
        DataType.Int64 => proto.Int64Data.Count,
        DataType.Float64 => proto.DoubleData.Count,
        DataType.UInt32 or DataType.UInt64 => proto.Uint64Data.Count,
        _ => proto.Int32Data.Count,
    };
}
