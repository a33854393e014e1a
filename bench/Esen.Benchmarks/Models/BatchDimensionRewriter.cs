using System.Text;

namespace Esen.Benchmarks.Models;

/// <summary>
/// Makes a model's batch dimension symbolic so ONNX Runtime accepts batch sizes other than the exported one:
/// the first dimension of every graph input and output that is a fixed 1 becomes dim_param "N". Works on the
/// protobuf wire format with the ONNX field numbers (ModelProto.graph = 7; GraphProto.initializer = 5,
/// input = 11, output = 12; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; Tensor.shape = 2;
/// TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2; TensorProto.name = 8).
/// </summary>
internal static class BatchDimensionRewriter
{
    private const int VarintWire = 0, Fixed64Wire = 1, LengthWire = 2, Fixed32Wire = 5;

    public static byte[] MakeBatchSymbolic(byte[] model) =>
        Write(Read(model).Select(f => f.Number == 7 && f.Wire == LengthWire ? f with { Payload = RewriteGraph(f.Payload) } : f));

    private static byte[] RewriteGraph(byte[] graph)
    {
        List<Field> fields = Read(graph);
        var initializers = fields.Where(f => f.Number == 5 && f.Wire == LengthWire)
            .Select(f => StringField(f.Payload, 8)).ToHashSet();
        return Write(fields.Select(f =>
            (f.Number is 11 or 12) && f.Wire == LengthWire && !initializers.Contains(StringField(f.Payload, 1))
                ? f with { Payload = RewriteNested(f.Payload, [2, 1, 2]) }
                : f));
    }

    /// <summary>Follows the field path (type → tensor_type → shape) and rewrites the shape's first dim.</summary>
    private static byte[] RewriteNested(byte[] message, int[] path)
    {
        List<Field> fields = Read(message);
        if (path.Length == 0)
        {
            int first = fields.FindIndex(f => f.Number == 1 && f.Wire == LengthWire);
            if (first >= 0 && Read(fields[first].Payload) is [{ Number: 1, Wire: VarintWire, Value: 1 }])
            {
                fields[first] = fields[first] with { Payload = Write([new Field(2, LengthWire, 0, "N"u8.ToArray())]) };
            }

            return Write(fields);
        }

        return Write(fields.Select(f => f.Number == path[0] && f.Wire == LengthWire ? f with { Payload = RewriteNested(f.Payload, path[1..]) } : f));
    }

    private static string StringField(byte[] message, int number) =>
        Read(message).FirstOrDefault(f => f.Number == number && f.Wire == LengthWire)?.Payload is { } bytes ? Encoding.UTF8.GetString(bytes) : "";

    private static List<Field> Read(byte[] data)
    {
        var fields = new List<Field>();
        int position = 0;
        while (position < data.Length)
        {
            ulong key = ReadVarint(data, ref position);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case VarintWire:
                    fields.Add(new Field(number, wire, ReadVarint(data, ref position), []));
                    break;
                case Fixed64Wire or Fixed32Wire:
                    int size = wire == Fixed64Wire ? 8 : 4;
                    fields.Add(new Field(number, wire, 0, data[position..(position + size)]));
                    position += size;
                    break;
                case LengthWire:
                    int length = checked((int)ReadVarint(data, ref position));
                    fields.Add(new Field(number, wire, 0, data[position..(position + length)]));
                    position += length;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {wire} at byte {position}");
            }
        }

        return fields;
    }

    private static byte[] Write(IEnumerable<Field> fields)
    {
        using var stream = new MemoryStream();
        foreach (Field f in fields)
        {
            WriteVarint(stream, ((ulong)f.Number << 3) | (uint)f.Wire);
            if (f.Wire == VarintWire)
            {
                WriteVarint(stream, f.Value);
                continue;
            }

            if (f.Wire == LengthWire)
            {
                WriteVarint(stream, (ulong)f.Payload.Length);
            }

            stream.Write(f.Payload);
        }

        return stream.ToArray();
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    private sealed record Field(int Number, int Wire, ulong Value, byte[] Payload);
}
