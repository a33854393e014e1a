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
        JsonObject request;
        try
        {
            request = JsonNode.Parse(json.Span) as JsonObject ?? throw new ProtocolException("the request is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ProtocolException($"the request is not valid JSON: {ex.Message}");
        }

        string? id = request["id"] is JsonValue idValue && idValue.TryGetValue(out string? text) ? text : null;
        if (request["inputs"] is not JsonArray inputs || inputs.Count == 0)
        {
            throw new ProtocolException("the request has no \"inputs\" array");
        }

        if (inputs.Count != 1 || inputs[0] is not JsonObject input)
        {
            throw new ProtocolException($"the model takes one input, '{inputName}'; the request has {inputs.Count}");
        }

        string? name = input["name"]?.GetValueKind() == JsonValueKind.String ? input["name"]!.GetValue<string>() : null;
        if (name != inputName)
        {
            throw new ProtocolException(name is null ? $"input 0 has no \"name\"; expected '{inputName}'" : $"input '{name}' is unknown; the model's input is '{inputName}'");
        }

        string? datatype = input["datatype"]?.GetValueKind() == JsonValueKind.String ? input["datatype"]!.GetValue<string>() : null;
        if (datatype != Fp32)
        {
            throw new ProtocolException($"input '{name}': datatype {datatype ?? "missing"}; expected {Fp32}");
        }

        TensorShape shape = ShapeOf(input, name, sampleShape);
        long elements = shape.Product(0, shape.Rank);
        if (elements > maxElements)
        {
            throw new ProtocolException($"input '{name}': {elements} elements, more than the server's limit of {maxElements}");
        }

        float[] data = input["parameters"]?["binary_data_size"] is JsonNode size
            ? BinaryData(binary, size, name, elements)
            : JsonData(input["data"], name, elements);
        bool binaryOutput = Flag(request["parameters"], "binary_data_output")
            || (request["outputs"] is JsonArray outputs && outputs.OfType<JsonObject>().Any(o => Flag(o["parameters"], "binary_data")));
        return new DecodedRequest(id, Kernels.Graph.Tensor.FromFloats(shape, data), OutputName, binaryOutput);
    }

    /// <summary>The inference answer: its JSON and, with binary output, the raw bytes that follow it.</summary>
    public static (byte[] Json, byte[]? Binary) Encode(string modelName, DecodedRequest request, Tensor output)
    {
        var tensor = new JsonObject
        {
            ["name"] = request.OutputName,
            ["datatype"] = Fp32,
            ["shape"] = new JsonArray([.. output.Shape.Dimensions.ToArray().Select(d => JsonValue.Create(d))]),
        };
        byte[]? binary = null;
        if (request.BinaryOutput)
        {
            binary = new byte[output.Floats.Length * sizeof(float)];
            for (int i = 0; i < output.Floats.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(binary.AsSpan(i * sizeof(float)), output.Floats[i]);
            }

            tensor["parameters"] = new JsonObject { ["binary_data_size"] = binary.Length };
        }
        else
        {
            tensor["data"] = new JsonArray([.. output.Floats.Select(f => JsonValue.Create(f))]);
        }

        var answer = new JsonObject { ["model_name"] = modelName, ["outputs"] = new JsonArray(tensor) };
        if (request.Id is not null)
        {
            answer["id"] = request.Id;
        }

        return (JsonSerializer.SerializeToUtf8Bytes(answer), binary);
    }

    /// <summary>The model metadata document: name, platform, and the input and output tensors (−1 for the batch).</summary>
    public static JsonObject ModelMetadata(string name, string inputName, TensorShape input, TensorShape output) => new()
    {
        ["name"] = name,
        ["versions"] = new JsonArray("1"),
        ["platform"] = "esen",
        ["inputs"] = new JsonArray(TensorMetadata(inputName, input)),
        ["outputs"] = new JsonArray(TensorMetadata(OutputName, output)),
    };

    /// <summary>The error document.</summary>
    public static JsonObject Error(string message) => new() { ["error"] = message };

    private static JsonObject TensorMetadata(string name, TensorShape shape) => new()
    {
        ["name"] = name,
        ["datatype"] = Fp32,
        ["shape"] = new JsonArray([.. shape.Dimensions.ToArray().Select((d, i) => JsonValue.Create(i == 0 ? -1 : d))]),
    };

    private static TensorShape ShapeOf(JsonObject input, string name, TensorShape sampleShape)
    {
        if (input["shape"] is not JsonArray dims || dims.Count != sampleShape.Rank + 1)
        {
            throw new ProtocolException($"input '{name}': \"shape\" must list {sampleShape.Rank + 1} dimensions, [rows, {string.Join(", ", sampleShape.Dimensions.ToArray())}]");
        }

        long[] shape = new long[dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] is not JsonValue value || !value.TryGetValue(out long d) || d < 1)
            {
                throw new ProtocolException($"input '{name}': shape dimension {i} is {dims[i]?.ToJsonString() ?? "null"}; expected a positive integer");
            }

            shape[i] = d;
        }

        for (int i = 1; i < shape.Length; i++)
        {
            long expected = sampleShape[i - 1];
            if (expected != TensorShape.Dynamic && shape[i] != expected)
            {
                throw new ProtocolException($"input '{name}': shape [{string.Join(", ", shape)}]; expected [rows, {string.Join(", ", sampleShape.Dimensions.ToArray())}]");
            }
        }

        return new TensorShape(shape);
    }

    private static float[] JsonData(JsonNode? data, string name, long elements)
    {
        if (data is not JsonArray array)
        {
            throw new ProtocolException($"input '{name}': no \"data\" array and no binary_data_size parameter");
        }

        var values = new List<float>(checked((int)elements));
        Flatten(array, values, name, elements);
        return values.Count == elements
            ? [.. values]
            : throw new ProtocolException($"input '{name}': {values.Count} data elements; the shape holds {elements}");
    }

    // The protocol allows the data flat or nested like the shape; both are read in row-major order.
    private static void Flatten(JsonArray array, List<float> values, string name, long elements)
    {
        foreach (JsonNode? item in array)
        {
            if (item is JsonArray nested)
            {
                Flatten(nested, values, name, elements);
                continue;
            }

            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
            {
                throw new ProtocolException($"input '{name}': data element {values.Count} is {item?.ToJsonString() ?? "null"}; expected a number");
            }

            if (values.Count == elements)
            {
                throw new ProtocolException($"input '{name}': more data elements than the {elements} its shape holds");
            }

            values.Add((float)value.GetValue<double>());
        }
    }

    private static float[] BinaryData(ReadOnlyMemory<byte> binary, JsonNode size, string name, long elements)
    {
        if (size is not JsonValue value || !value.TryGetValue(out long bytes) || bytes != elements * sizeof(float))
        {
            throw new ProtocolException($"input '{name}': binary_data_size {size.ToJsonString()}; the shape holds {elements} FP32 elements ({elements * sizeof(float)} bytes)");
        }

        if (binary.Length != bytes)
        {
            throw new ProtocolException($"input '{name}': {binary.Length} bytes follow the JSON header; binary_data_size says {bytes}");
        }

        float[] data = new float[elements];
        if (BitConverter.IsLittleEndian)
        {
            binary.Span.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        else
        {
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(binary.Span[(i * sizeof(float))..]);
            }
        }

        return data;
    }

    private static bool Flag(JsonNode? parameters, string name) =>
        parameters is JsonObject map && map[name] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    /// <summary>Formats a length for the <see cref="HeaderLengthHeader"/>.</summary>
    public static string Length(int bytes) => bytes.ToString(CultureInfo.InvariantCulture);
}
