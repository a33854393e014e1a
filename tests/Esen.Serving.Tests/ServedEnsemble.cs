using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Specs;

namespace Esen.Serving.Tests;

/// <summary>
/// A two-member CPU ensemble (MobileNetV2 with two seeds, averaged) on 32×32 images, loaded once per
/// test class, and the requests and answers of the Open Inference Protocol written independently of
/// the server's own encoder.
/// </summary>
public sealed class ServedEnsemble : IAsyncLifetime
{
    public const string ModelName = "pair";
    public const string InputName = "input";
    public const int ImageSize = 32;
    public const int SampleElements = 3 * ImageSize * ImageSize;

    private EnsembleSession? _session;

    /// <summary>The session the servers of a test class share; the oracle of every answer is its own <see cref="EnsembleSession.InferAsync"/>.</summary>
    public EnsembleSession Session => _session ?? throw new InvalidOperationException("not loaded");

    public static EnsembleSpec Spec(BatchingSpec batching) => new(
        "pair.json", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
        [new MemberSpec("a", null, "mobilenetv2", 1), new MemberSpec("b", null, "mobilenetv2", 2)],
        new InputSpec(InputName, new TensorShape(TensorShape.Dynamic, 3, ImageSize, ImageSize)),
        batching, "equal");

    public async Task InitializeAsync()
    {
        _session = await EnsembleSession.LoadAsync(Spec(new BatchingSpec(MaxBatch: 4, MaxDelayMs: 1)));

        // The first request generates the weights; later ones measure only the server.
        _ = await _session.InferAsync(Images(1, seed: 0));
    }

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }

    /// <summary>Starts a server for this session on a free loopback port, under <see cref="ModelName"/>.</summary>
    public Task<InferenceServer> StartAsync(ServerOptions? options = null) =>
        InferenceServer.StartAsync(new Dictionary<string, EnsembleSession> { [ModelName] = Session }, (options ?? new ServerOptions()) with { HttpPort = 0 });

    public static HttpClient ClientOf(InferenceServer server) =>
        new() { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>[rows, 3, 32, 32] images in [0, 1) from <c>new Random(seed)</c>.</summary>
    public static Tensor Images(int rows, int seed)
    {
        var random = new Random(seed);
        return Tensor.FromFloats(new TensorShape(rows, 3, ImageSize, ImageSize), [.. Enumerable.Range(0, rows * SampleElements).Select(_ => random.NextSingle())]);
    }

    /// <summary>The JSON body of a request for <paramref name="input"/>; every field can be spoiled.</summary>
    public static JsonObject JsonRequest(Tensor input, string? id = null, bool binaryOutput = false) => new()
    {
        ["id"] = id,
        ["inputs"] = new JsonArray(new JsonObject
        {
            ["name"] = InputName,
            ["datatype"] = "FP32",
            ["shape"] = new JsonArray([.. input.Shape.Dimensions.ToArray().Select(d => JsonValue.Create(d))]),
            ["data"] = new JsonArray([.. input.Floats.Select(f => JsonValue.Create(f))]),
        }),
        ["parameters"] = new JsonObject { ["binary_data_output"] = binaryOutput },
    };

    public static StringContent JsonContent(JsonNode request) => new(request.ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>The binary-data extension: a JSON header with binary_data_size, then the floats little-endian.</summary>
    public static ByteArrayContent BinaryContent(Tensor input, bool binaryOutput)
    {
        var header = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = InputName,
                ["datatype"] = "FP32",
                ["shape"] = new JsonArray([.. input.Shape.Dimensions.ToArray().Select(d => JsonValue.Create(d))]),
                ["parameters"] = new JsonObject { ["binary_data_size"] = input.Floats.Length * sizeof(float) },
            }),
            ["outputs"] = new JsonArray(new JsonObject { ["name"] = "output", ["parameters"] = new JsonObject { ["binary_data"] = binaryOutput } }),
        };
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        byte[] body = new byte[json.Length + (input.Floats.Length * sizeof(float))];
        json.CopyTo(body, 0);
        for (int i = 0; i < input.Floats.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(json.Length + (i * sizeof(float))), input.Floats[i]);
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>The answer's one output tensor, from JSON data or from the binary data after the JSON header.</summary>
    public static async Task<(JsonObject Answer, Tensor Output)> ReadAnswerAsync(HttpResponseMessage response)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        int jsonLength = response.Headers.TryGetValues("Inference-Header-Content-Length", out IEnumerable<string>? values)
            ? int.Parse(values.Single(), System.Globalization.CultureInfo.InvariantCulture)
            : body.Length;
        var answer = (JsonObject)JsonNode.Parse(body.AsSpan(0, jsonLength))!;
        var output = (JsonObject)answer["outputs"]!.AsArray().Single()!;
        Assert.Equal("FP32", (string?)output["datatype"]);
        var shape = new TensorShape([.. output["shape"]!.AsArray().Select(d => (long)d!)]);
        float[] data;
        if (output["parameters"]?["binary_data_size"] is JsonNode size)
        {
            Assert.Equal(body.Length - jsonLength, (int)size);
            data = new float[(body.Length - jsonLength) / sizeof(float)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(jsonLength + (i * sizeof(float))));
            }
        }
        else
        {
            Assert.Equal(body.Length, jsonLength);
            data = [.. output["data"]!.AsArray().Select(v => (float)v!)];
        }

        return (answer, Tensor.FromFloats(shape, data));
    }

    /// <summary>Batched and single-request GEMMs may block their sums differently, so answers agree to float rounding.</summary>
    public static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Floats.Length; i++)
        {
            Assert.Equal(expected.Floats[i], actual.Floats[i], 1e-4f);
        }
    }
}
