using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Esen.Kernels.Graph;

namespace Esen.Serving;

/// <summary>A request the protocol rejects: the message names the input or field and what was expected.</summary>
#pragma warning disable CA1064 // Never leaves the assembly: the server turns it into a 400 answer.
internal sealed class ProtocolException(string message) : Exception(message);
#pragma warning restore CA1064

/// <summary>An inference request as the protocol carries it, decoded.</summary>
/// <param name="Id">The client's request id, echoed in the answer.</param>
/// <param name="Input">The input tensor, [rows, …sample].</param>
/// <param name="OutputName">The name the answer's tensor is given.</param>
/// <param name="BinaryOutput">Whether the answer's data goes as raw bytes after the JSON (the binary-data extension).</param>
internal sealed record DecodedRequest(string? Id, Tensor Input, string OutputName, bool BinaryOutput);

/// <summary>
/// The Open Inference Protocol's (KServe v2) REST bodies: the JSON of an inference request and answer,
/// with the binary tensor data extension, and the metadata documents. The field names and the layout
/// follow the protocol's published definition (kserve.github.io, "Open Inference Protocol (V2)": the
/// $inference_request, $inference_response, $metadata_model_response objects; the binary data extension:
/// the Inference-Header-Content-Length header and the binary_data_size, binary_data and
/// binary_data_output parameters, data little-endian in row-major order).
/// </summary>
internal static class InferenceProtocol
{
    /// <summary>The header that gives the JSON part's length when binary tensor data follows it.</summary>
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    /// <summary>The protocol's name of float32 tensors.</summary>
    public const string Fp32 = "FP32";

    /// <summary>The name of the answer's tensor.</summary>
    public const string OutputName = "output";

    /// <summary>The server's name in its metadata.</summary>
    public const string ServerName = "esen";

    /// <summary>The platform every served model reports in its metadata.</summary>
    public const string Platform = "esen";

    /// <summary>The server's version in its metadata.</summary>
    public static string ServerVersion => typeof(InferenceProtocol).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>The protocol extensions the server supports.</summary>
    public static IReadOnlyList<string> Extensions { get; } = ["binary_tensor_data"];

    /// <summary>Decodes an inference request for a model whose one input is <paramref name="inputName"/> of rows of <paramref name="sampleShape"/>.</summary>
    /// <param name="body">The whole body.</param>
    /// <param name="headerLength">The JSON part's length when binary data follows; null when the body is all JSON.</param>
    /// <exception cref="ProtocolException">Malformed JSON, a missing field, or an input of the wrong name, type, shape or size.</exception>
    public static DecodedRequest Decode(ReadOnlyMemory<byte> body, long? headerLength, string inputName, TensorShape sampleShape, long maxElements)
    {
        if (headerLength is { } length && (length < 0 || length > body.Length))
        {
            throw new ProtocolException($"{HeaderLengthHeader} is {length}; the body has {body.Length} bytes");
        }

        ReadOnlyMemory<byte> json = headerLength is { } jsonLength ? body[..(int)jsonLength] : body;
        ReadOnlyMemory<byte> binary = headerLength is { } start ? body[(int)start..] : ReadOnlyMemory<byte>.Empty;
        // A document, not a node tree: a request's data array holds thousands of numbers, and a node per
        // number would cost more than the rest of serving (docs/serving.md, "Load").
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new ProtocolException($"the request is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            JsonElement request = document.RootElement;
            if (request.ValueKind != JsonValueKind.Object)
            {
                throw new ProtocolException("the request is not a JSON object");
            }

            string? id = Property(request, "id") is { ValueKind: JsonValueKind.String } idValue ? idValue.GetString() : null;
            if (Property(request, "inputs") is not { ValueKind: JsonValueKind.Array } inputs || inputs.GetArrayLength() == 0)
            {
                throw new ProtocolException("the request has no \"inputs\" array");
            }

            if (inputs.GetArrayLength() != 1 || inputs[0].ValueKind != JsonValueKind.Object)
            {
                throw WrongInputCount(inputName, inputs.GetArrayLength());
            }

            JsonElement input = inputs[0];
            string? name = Property(input, "name") is { ValueKind: JsonValueKind.String } nameValue ? nameValue.GetString() : null;
            string? datatype = Property(input, "datatype") is { ValueKind: JsonValueKind.String } typeValue ? typeValue.GetString() : null;
            CheckInput(name, datatype, inputName);
            TensorShape shape = Shape(JsonDimensions(input, inputName, sampleShape), inputName, sampleShape, maxElements);
            long elements = shape.Product(0, shape.Rank);
            float[] data = Property(input, "parameters") is { } parameters && Property(parameters, "binary_data_size") is { } size
                ? BinaryData(binary, size, inputName, elements)
                : JsonData(Property(input, "data"), inputName, elements);
            bool binaryOutput = Flag(Property(request, "parameters"), "binary_data_output")
                || (Property(request, "outputs") is { ValueKind: JsonValueKind.Array } outputs && outputs.EnumerateArray().Any(o => Flag(Property(o, "parameters"), "binary_data")));
            return new DecodedRequest(id, Kernels.Graph.Tensor.FromFloats(shape, data), OutputName, binaryOutput);
        }
    }

    /// <summary>The inference answer: its JSON and, with binary output, the raw bytes that follow it in the same body.</summary>
    /// <returns>The body and the JSON part's length (the whole body unless the output is binary).</returns>
    public static (byte[] Body, int JsonLength) Encode(string modelName, DecodedRequest request, Tensor output)
    {
        // Written straight to bytes: a node per output number would cost more than the encoding itself.
        int binaryLength = request.BinaryOutput ? output.Floats.Length * sizeof(float) : 0;
        var buffer = new ArrayBufferWriter<byte>(256 + (request.BinaryOutput ? binaryLength : output.Floats.Length * 16));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name", modelName);
            if (request.Id is not null)
            {
                writer.WriteString("id", request.Id);
            }

            writer.WriteStartArray("outputs");
            writer.WriteStartObject();
            writer.WriteString("name", request.OutputName);
            writer.WriteString("datatype", Fp32);
            writer.WriteStartArray("shape");
            foreach (int dimension in output.Shape.Dimensions)
            {
                writer.WriteNumberValue(dimension);
            }

            writer.WriteEndArray();
            if (request.BinaryOutput)
            {
                writer.WriteStartObject("parameters");
                writer.WriteNumber("binary_data_size", binaryLength);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteStartArray("data");
                foreach (float value in output.Floats)
                {
                    writer.WriteNumberValue(value);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        int jsonLength = buffer.WrittenCount;
        WriteLittleEndian(output.Floats.AsSpan(0, binaryLength / sizeof(float)), buffer.GetSpan(binaryLength));
        buffer.Advance(binaryLength);
        return (buffer.WrittenSpan.ToArray(), jsonLength);
    }

    /// <summary>Fails unless a request carries exactly one input (the models served take one).</summary>
    public static ProtocolException WrongInputCount(string inputName, int count) =>
        new($"the model takes one input, '{inputName}'; the request has {count}");

    /// <summary>Checks an input's name and element type against the model's one input.</summary>
    /// <exception cref="ProtocolException">The name is missing or another, or the type is not FP32.</exception>
    public static void CheckInput(string? name, string? datatype, string inputName)
    {
        if (name != inputName)
        {
            throw new ProtocolException(string.IsNullOrEmpty(name) ? $"input 0 has no \"name\"; expected '{inputName}'" : $"input '{name}' is unknown; the model's input is '{inputName}'");
        }

        if (datatype != Fp32)
        {
            throw new ProtocolException($"input '{name}': datatype {(string.IsNullOrEmpty(datatype) ? "missing" : datatype)}; expected {Fp32}");
        }
    }

    /// <summary>The input's shape, checked: [rows, …sample] with every dimension positive and at most <paramref name="maxElements"/> elements.</summary>
    /// <exception cref="ProtocolException">Another rank, a dimension below 1, a sample dimension that differs, or too many elements.</exception>
    public static TensorShape Shape(IReadOnlyList<long> dims, string name, TensorShape sampleShape, long maxElements)
    {
        if (dims.Count != sampleShape.Rank + 1)
        {
            throw WrongRank(name, sampleShape);
        }

        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] < 1)
            {
                throw new ProtocolException($"input '{name}': shape dimension {i} is {dims[i]}; expected a positive integer");
            }
        }

        for (int i = 1; i < dims.Count; i++)
        {
            long expected = sampleShape[i - 1];
            if (expected != TensorShape.Dynamic && dims[i] != expected)
            {
                throw new ProtocolException($"input '{name}': shape [{string.Join(", ", dims)}]; expected [rows, {string.Join(", ", sampleShape.Dimensions.ToArray())}]");
            }
        }

        var shape = new TensorShape([.. dims]);
        long elements = shape.Product(0, shape.Rank);
        return elements <= maxElements
            ? shape
            : throw new ProtocolException($"input '{name}': {elements} elements, more than the server's limit of {maxElements}");
    }

    /// <summary>Checks that typed data holds exactly the elements its shape does.</summary>
    /// <exception cref="ProtocolException">Fewer or more.</exception>
    public static void CheckElementCount(int count, string name, long elements)
    {
        if (count != elements)
        {
            throw new ProtocolException($"input '{name}': {count} data elements; the shape holds {elements}");
        }
    }

    /// <summary>Reads raw FP32 tensor data: the elements row-major, little-endian, unpadded (both bindings lay raw data out so).</summary>
    /// <param name="where">Where the bytes came from, for the message ("bytes follow the JSON header").</param>
    /// <exception cref="ProtocolException">The byte count is not the shape's element count × 4.</exception>
    public static float[] LittleEndianFloats(ReadOnlySpan<byte> bytes, string name, long elements, string where)
    {
        if (bytes.Length != elements * sizeof(float))
        {
            throw new ProtocolException($"input '{name}': {bytes.Length} {where}; the shape holds {elements} FP32 elements ({elements * sizeof(float)} bytes)");
        }

        float[] data = new float[elements];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        else
        {
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
        }

        return data;
    }

    /// <summary>FP32 data as raw bytes, laid out as <see cref="LittleEndianFloats"/> reads them.</summary>
    public static byte[] LittleEndianBytes(ReadOnlySpan<float> values)
    {
        byte[] bytes = new byte[values.Length * sizeof(float)];
        WriteLittleEndian(values, bytes);
        return bytes;
    }

    private static void WriteLittleEndian(ReadOnlySpan<float> values, Span<byte> bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * sizeof(float))..], values[i]);
        }
    }

    /// <summary>The model metadata document: name, platform, and the input and output tensors (−1 for the batch).</summary>
    public static JsonObject ModelMetadata(string name, string inputName, TensorShape input, TensorShape output) => new()
    {
        ["name"] = name,
        ["versions"] = new JsonArray("1"),
        ["platform"] = Platform,
        ["inputs"] = new JsonArray(TensorMetadata(inputName, input)),
        ["outputs"] = new JsonArray(TensorMetadata(OutputName, output)),
    };

    /// <summary>The error document.</summary>
    public static JsonObject Error(string message) => new() { ["error"] = message };

    private static JsonObject TensorMetadata(string name, TensorShape shape) => new()
    {
        ["name"] = name,
        ["datatype"] = Fp32,
        ["shape"] = new JsonArray([.. MetadataShape(shape).Select(d => JsonValue.Create(d))]),
    };

    /// <summary>A tensor's shape as metadata gives it: −1 for the batch, any size.</summary>
    public static long[] MetadataShape(TensorShape shape) => [.. shape.Dimensions.ToArray().Select((d, i) => i == 0 ? -1 : d)];

    private static long[] JsonDimensions(JsonElement input, string name, TensorShape sampleShape)
    {
        if (Property(input, "shape") is not { ValueKind: JsonValueKind.Array } dims)
        {
            throw WrongRank(name, sampleShape);
        }

        long[] shape = new long[dims.GetArrayLength()];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = dims[i].ValueKind == JsonValueKind.Number && dims[i].TryGetInt64(out long d)
                ? d
                : throw new ProtocolException($"input '{name}': shape dimension {i} is {dims[i].GetRawText()}; expected a positive integer");
        }

        return shape;
    }

    private static ProtocolException WrongRank(string name, TensorShape sampleShape) =>
        new($"input '{name}': \"shape\" must list {sampleShape.Rank + 1} dimensions, [rows, {string.Join(", ", sampleShape.Dimensions.ToArray())}]");

    private static float[] JsonData(JsonElement? data, string name, long elements)
    {
        if (data is not { ValueKind: JsonValueKind.Array } array)
        {
            throw new ProtocolException($"input '{name}': no \"data\" array and no binary_data_size parameter");
        }

        float[] values = new float[checked((int)elements)];
        int count = 0;
        Flatten(array, values, ref count, name);
        CheckElementCount(count, name, elements);
        return values;
    }

    // The protocol allows the data flat or nested like the shape; both are read in row-major order.
    private static void Flatten(JsonElement array, float[] values, ref int count, string name)
    {
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                Flatten(item, values, ref count, name);
                continue;
            }

            if (item.ValueKind != JsonValueKind.Number)
            {
                throw new ProtocolException($"input '{name}': data element {count} is {item.GetRawText()}; expected a number");
            }

            if (count == values.Length)
            {
                throw new ProtocolException($"input '{name}': more data elements than the {values.Length} its shape holds");
            }

            // Parsed straight to float: through double first, a number just past the midpoint of two floats would be
            // rounded twice and could land on the wrong one. A number beyond float's range is refused, not made ±∞.
            if (!item.TryGetSingle(out float value) || !float.IsFinite(value))
            {
                throw new ProtocolException($"input '{name}': data element {count} is {item.GetRawText()}; outside FP32's range");
            }

            values[count++] = value;
        }
    }

    private static float[] BinaryData(ReadOnlyMemory<byte> binary, JsonElement size, string name, long elements)
    {
        if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out long bytes) || bytes != elements * sizeof(float))
        {
            throw new ProtocolException($"input '{name}': binary_data_size {size.GetRawText()}; the shape holds {elements} FP32 elements ({elements * sizeof(float)} bytes)");
        }

        return LittleEndianFloats(binary.Span, name, elements, "bytes follow the JSON header");
    }

    private static bool Flag(JsonElement? parameters, string name) =>
        Property(parameters, name) is { ValueKind: JsonValueKind.True };

    // A member of an object; null when the element is absent, not an object, or lacks it.
    private static JsonElement? Property(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } map && map.TryGetProperty(name, out JsonElement value) ? value : null;

    /// <summary>Formats a length for the <see cref="HeaderLengthHeader"/>.</summary>
    public static string Length(int bytes) => bytes.ToString(CultureInfo.InvariantCulture);
}
