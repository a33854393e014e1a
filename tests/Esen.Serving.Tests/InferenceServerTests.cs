using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Specs;

namespace Esen.Serving.Tests;

/// <summary>
/// Every route and error of the REST protocol against a real Kestrel on a free loopback port; answers
/// are checked against the served session's own <see cref="EnsembleSession.InferAsync"/> on the same input.
/// </summary>
public sealed class InferenceServerTests(ServedEnsemble ensemble) : IClassFixture<ServedEnsemble>, IAsyncLifetime
{
    private InferenceServer? _server;
    private HttpClient? _client;

    private HttpClient Client => _client ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await ensemble.StartAsync();
        _client = ServedEnsemble.ClientOf(_server);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Health_LiveAndReady()
    {
        Assert.True((bool)(await GetJsonAsync("/v2/health/live"))["live"]!);
        Assert.True((bool)(await GetJsonAsync("/v2/health/ready"))["ready"]!);
        JsonObject model = await GetJsonAsync($"/v2/models/{ServedEnsemble.ModelName}/ready");
        Assert.True((bool)model["ready"]!);
        Assert.True((bool)(await GetJsonAsync($"/v2/models/{ServedEnsemble.ModelName}/versions/1/ready"))["ready"]!);
    }

    [Fact]
    public async Task ServerMetadata_NamesTheServerAndTheBinaryDataExtension()
    {
        JsonObject metadata = await GetJsonAsync("/v2");

        Assert.Equal("esen", (string?)metadata["name"]);
        Assert.False(string.IsNullOrEmpty((string?)metadata["version"]));
        Assert.Contains("binary_tensor_data", metadata["extensions"]!.AsArray().Select(e => (string?)e));
    }

    [Theory]
    [InlineData("/v2/models/pair")]
    [InlineData("/v2/models/pair/versions/1")]
    public async Task ModelMetadata_ListsTheInputAndOutputWithDatatypeAndShape(string route)
    {
        JsonObject metadata = await GetJsonAsync(route);

        Assert.Equal(ServedEnsemble.ModelName, (string?)metadata["name"]);
        Assert.Equal(["1"], metadata["versions"]!.AsArray().Select(v => (string?)v));
        var input = (JsonObject)metadata["inputs"]!.AsArray().Single()!;
        Assert.Equal(ServedEnsemble.InputName, (string?)input["name"]);
        Assert.Equal("FP32", (string?)input["datatype"]);
        Assert.Equal([-1L, 3, ServedEnsemble.ImageSize, ServedEnsemble.ImageSize], input["shape"]!.AsArray().Select(d => (long)d!));
        var output = (JsonObject)metadata["outputs"]!.AsArray().Single()!;
        Assert.Equal("FP32", (string?)output["datatype"]);

        // The zoo's classifiers answer the 1000 ImageNet classes.
        Assert.Equal([-1L, 1000], output["shape"]!.AsArray().Select(d => (long)d!));
        Assert.Equal([TensorShape.Dynamic, 1000], ensemble.Session.OutputShape.Dimensions.ToArray());
    }

    [Fact]
    public async Task Infer_JsonTensors_AnswersWhatTheSessionAnswersInProcess()
    {
        Tensor input = ServedEnsemble.Images(2, seed: 11);

        using HttpResponseMessage response = await Client.PostAsync("/v2/models/pair/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(input, id: "request-7")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        (JsonObject answer, Tensor output) = await ServedEnsemble.ReadAnswerAsync(response);
        Assert.Equal("request-7", (string?)answer["id"]);
        Assert.Equal(ServedEnsemble.ModelName, (string?)answer["model_name"]);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), output);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Infer_BinaryDataExtension_AnswersWhatTheSessionAnswersInProcess(bool binaryOutput)
    {
        Tensor input = ServedEnsemble.Images(3, seed: 12);

        using HttpResponseMessage response = await Client.PostAsync("/v2/models/pair/versions/1/infer", ServedEnsemble.BinaryContent(input, binaryOutput));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(binaryOutput, response.Headers.Contains("Inference-Header-Content-Length"));
        (_, Tensor output) = await ServedEnsemble.ReadAnswerAsync(response);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), output);
    }

    [Fact]
    public async Task Infer_JsonRequestWithBinaryOutput_AnswersRawBytesAfterTheHeader()
    {
        Tensor input = ServedEnsemble.Images(1, seed: 13);

        using HttpResponseMessage response = await Client.PostAsync("/v2/models/pair/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(input, binaryOutput: true)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        (_, Tensor output) = await ServedEnsemble.ReadAnswerAsync(response);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), output);
    }

    [Theory]
    [InlineData("GET", "/v2/models/other", "unknown model 'other'; served: pair")]
    [InlineData("GET", "/v2/models/other/ready", "unknown model 'other'")]
    [InlineData("POST", "/v2/models/other/infer", "unknown model 'other'")]
    [InlineData("GET", "/v2/models/pair/versions/2", "model 'pair' has no version '2'")]
    [InlineData("POST", "/v2/models/pair/versions/2/infer", "model 'pair' has no version '2'")]
    [InlineData("GET", "/v1/models", "no such route")]
    public async Task UnknownModelVersionOrRoute_Answers404NamingIt(string method, string route, string message)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), route);
        if (method == "POST")
        {
            request.Content = ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(ServedEnsemble.Images(1, seed: 1)));
        }

        using HttpResponseMessage response = await Client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.NotFound, message);
        await AssertAGoodRequestSucceedsAsync(Client);
    }

    public static TheoryData<string, string[]> BadRequests => new()
    {
        { "truncated JSON", ["not valid JSON"] },
        { "not an object", ["not a JSON object"] },
        { "no inputs", ["no \"inputs\" array"] },
        { "two inputs", ["one input, 'input'", "has 2"] },
        { "unknown input name", ["input 'image' is unknown", "'input'"] },
        { "datatype INT64", ["input 'input'", "datatype INT64; expected FP32"] },
        { "shape of 16×16 images", ["input 'input'", "shape [1, 3, 16, 16]", "expected [rows, 3, 32, 32]"] },
        { "shape of rank 2", ["input 'input'", "must list 4 dimensions"] },
        { "shape with a zero", ["input 'input'", "shape dimension 0 is 0", "positive integer"] },
        { "one element short", ["input 'input'", "3071 data elements; the shape holds 3072"] },
        { "one element more", ["input 'input'", "more data elements than the 3072"] },
        { "a string element", ["input 'input'", "data element 5 is \"x\"", "expected a number"] },
        { "an element beyond FP32", ["input 'input'", "data element 7 is 1E+39", "outside FP32's range"] },
        { "more elements than the limit", ["input 'input'", "more than the server's limit of"] },
        { "binary_data_size too small", ["input 'input'", "binary_data_size 12284", "3072 FP32 elements (12288 bytes)"] },
        { "header length past the body", ["Inference-Header-Content-Length is", "the body has"] },
        { "header length not a number", ["Inference-Header-Content-Length 'ten' is not a length"] },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_Answers400NamingTheInputAndWhatWasExpected_AndTheServerStillAnswers(string spoiled, string[] message)
    {
        using HttpResponseMessage response = await Client.PostAsync("/v2/models/pair/infer", Spoil(spoiled));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, message);
        await AssertAGoodRequestSucceedsAsync(Client);
    }

    [Fact]
    public async Task BodyOverTheLimit_Answers400NamingTheLimit_AndASmallerBodyStillSucceeds()
    {
        // One image as JSON text is ~40 kB, as binary data ~12 kB.
        await using InferenceServer server = await ensemble.StartAsync(new ServerOptions { MaxBodyBytes = 20_000 });
        using HttpClient client = ServedEnsemble.ClientOf(server);
        Tensor input = ServedEnsemble.Images(1, seed: 21);

        using HttpResponseMessage sized = await client.PostAsync("/v2/models/pair/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(input)));
        await AssertErrorAsync(sized, HttpStatusCode.BadRequest, "more than the server's limit of 20000");

        // Without a Content-Length the limit is found while reading.
        byte[] json = Encoding.UTF8.GetBytes(ServedEnsemble.JsonRequest(input).ToJsonString());
        using var chunked = new StreamContent(new UnsizedStream(json));
        using HttpResponseMessage streamed = await client.PostAsync("/v2/models/pair/infer", chunked);
        await AssertErrorAsync(streamed, HttpStatusCode.BadRequest, "20000");

        using HttpResponseMessage binary = await client.PostAsync("/v2/models/pair/infer", ServedEnsemble.BinaryContent(input, binaryOutput: true));
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), (await ServedEnsemble.ReadAnswerAsync(binary)).Output);
    }

    [Fact]
    public async Task FullModel_Answers429AtOnce_AndTheAdmittedRequestIsStillAnswered()
    {
        await using InferenceServer server = await ensemble.StartAsync(new ServerOptions { MaxQueuedRequests = 1 });
        using HttpClient client = ServedEnsemble.ClientOf(server);
        Tensor input = ServedEnsemble.Images(1, seed: 31);

        // The first request is admitted when its headers arrive and holds its slot while its body trickles in.
        byte[] body = Encoding.UTF8.GetBytes(ServedEnsemble.JsonRequest(input).ToJsonString());
        using var held = new HeldContent(body);
#pragma warning disable CA2025 // awaited below, before the content is disposed
        Task<HttpResponseMessage> first = client.PostAsync("/v2/models/pair/infer", held);
#pragma warning restore CA2025
        await held.HeadSent.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => server.InFlight(ServedEnsemble.ModelName) == 1);

        long start = Stopwatch.GetTimestamp();
        using HttpResponseMessage refused = await client.PostAsync("/v2/models/pair/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(input)));
        TimeSpan waited = Stopwatch.GetElapsedTime(start);

        await AssertErrorAsync(refused, HttpStatusCode.TooManyRequests, "model 'pair' holds 1 requests already");
        Assert.True(waited < TimeSpan.FromSeconds(5), $"the 429 took {waited.TotalMilliseconds:F0} ms");
        held.Release();
        using HttpResponseMessage admitted = await first;
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), (await ServedEnsemble.ReadAnswerAsync(admitted)).Output);
        await AssertAGoodRequestSucceedsAsync(client);
    }

    [Fact]
    public async Task RequestPastItsTimeout_Answers504AndFreesItsSlot()
    {
        // A lone row waits 3 s for companions, past the 1 s timeout; a full batch closes at once.
        const int MaxBatch = 4;
        await using EnsembleSession slow = await EnsembleSession.LoadAsync(ServedEnsemble.Spec(new BatchingSpec(MaxBatch, MaxDelayMs: 3000)));
        await using InferenceServer server = await InferenceServer.StartAsync(
            new Dictionary<string, EnsembleSession> { ["slow"] = slow },
            new ServerOptions { HttpPort = 0, MaxQueuedRequests = 1, RequestTimeout = TimeSpan.FromSeconds(1) });
        using HttpClient client = ServedEnsemble.ClientOf(server);

        long start = Stopwatch.GetTimestamp();
        using HttpResponseMessage late = await client.PostAsync("/v2/models/slow/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(ServedEnsemble.Images(1, seed: 41))));

        await AssertErrorAsync(late, HttpStatusCode.GatewayTimeout, "longer than 1 s");
        Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(2.5), "the 504 waited for the batch");
        Assert.Equal(0, server.InFlight("slow"));

        // The one slot is free again (no 429); once the lone row's batch window has passed, a full batch is answered.
        await Task.Delay(TimeSpan.FromSeconds(3.2) - Stopwatch.GetElapsedTime(start));
        Tensor full = ServedEnsemble.Images(MaxBatch, seed: 42);
        using HttpResponseMessage answered = await client.PostAsync("/v2/models/slow/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(full)));
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        ServedEnsemble.AssertClose(await slow.InferAsync(full), (await ServedEnsemble.ReadAnswerAsync(answered)).Output);
    }

    [Fact]
    public async Task Stop_AnswersTheRequestInFlightAndThenRefusesConnections()
    {
        InferenceServer server = await ensemble.StartAsync();
        using HttpClient client = ServedEnsemble.ClientOf(server);
        Tensor input = ServedEnsemble.Images(1, seed: 51);
        using var held = new HeldContent(Encoding.UTF8.GetBytes(ServedEnsemble.JsonRequest(input).ToJsonString()));
#pragma warning disable CA2025 // awaited below, before the content is disposed
        Task<HttpResponseMessage> inFlight = client.PostAsync("/v2/models/pair/infer", held);
#pragma warning restore CA2025
        await held.HeadSent.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => server.InFlight(ServedEnsemble.ModelName) == 1);

        Task stopping = server.StopAsync();
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted, "the stop did not wait for the request in flight");
        held.Release();

        using HttpResponseMessage answered = await inFlight;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), (await ServedEnsemble.ReadAnswerAsync(answered)).Output);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/v2/health/live"));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task StartAsync_RefusesNoModelsAndNamesOutsideTheProtocolsCharacters()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => InferenceServer.StartAsync(new Dictionary<string, EnsembleSession>(), new ServerOptions { HttpPort = 0 }));
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => InferenceServer.StartAsync(
            new Dictionary<string, EnsembleSession> { ["a/b"] = ensemble.Session }, new ServerOptions { HttpPort = 0 }));
        Assert.Contains("'a/b'", ex.Message, StringComparison.Ordinal);
    }

    private static HttpContent Spoil(string spoiled)
    {
        Tensor input = ServedEnsemble.Images(1, seed: 3);
        JsonObject request = ServedEnsemble.JsonRequest(input);
        var tensor = (JsonObject)request["inputs"]![0]!;
        var data = (JsonArray)tensor["data"]!;
        switch (spoiled)
        {
            case "truncated JSON":
                return new StringContent(request.ToJsonString()[..100], Encoding.UTF8, "application/json");
            case "not an object":
                return new StringContent("[1, 2]", Encoding.UTF8, "application/json");
            case "no inputs":
                request.Remove("inputs");
                break;
            case "two inputs":
                request["inputs"]!.AsArray().Add(tensor.DeepClone());
                break;
            case "unknown input name":
                tensor["name"] = "image";
                break;
            case "datatype INT64":
                tensor["datatype"] = "INT64";
                break;
            case "shape of 16×16 images":
                tensor["shape"] = new JsonArray(1, 3, 16, 16);
                break;
            case "shape of rank 2":
                tensor["shape"] = new JsonArray(1, ServedEnsemble.SampleElements);
                break;
            case "shape with a zero":
                tensor["shape"] = new JsonArray(0, 3, 32, 32);
                break;
            case "one element short":
                data.RemoveAt(data.Count - 1);
                break;
            case "one element more":
                data.Add(0.5f);
                break;
            case "a string element":
                data[5] = "x";
                break;
            case "an element beyond FP32":
                data[7] = 1e39;
                break;
            case "more elements than the limit":
                // 2^20 rows of 3072 elements: refused from the shape before any data is read.
                tensor["shape"] = new JsonArray(1 << 20, 3, 32, 32);
                break;
            case "binary_data_size too small":
            case "header length past the body":
            case "header length not a number":
                ByteArrayContent binary = ServedEnsemble.BinaryContent(input, binaryOutput: false);
                string header = binary.Headers.GetValues("Inference-Header-Content-Length").Single();
                byte[] body = binary.ReadAsByteArrayAsync().Result;
                binary.Headers.Remove("Inference-Header-Content-Length");
                if (spoiled == "binary_data_size too small")
                {
                    string json = Encoding.UTF8.GetString(body, 0, int.Parse(header, System.Globalization.CultureInfo.InvariantCulture)).Replace("12288", "12284", StringComparison.Ordinal);
                    var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(json), .. body.AsSpan(body.Length - 12288)]);
                    content.Headers.Add("Inference-Header-Content-Length", Encoding.UTF8.GetByteCount(json).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return content;
                }

                binary.Headers.Add("Inference-Header-Content-Length", spoiled == "header length not a number" ? "ten" : (body.Length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return binary;
            default:
                throw new ArgumentOutOfRangeException(nameof(spoiled), spoiled, "no such spoiling");
        }

        return ServedEnsemble.JsonContent(request);
    }

    private async Task<JsonObject> GetJsonAsync(string route)
    {
        using HttpResponseMessage response = await Client.GetAsync(route);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, params string[] message)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        string error = (string?)JsonNode.Parse(body)?["error"] ?? "";
        foreach (string part in message)
        {
            Assert.Contains(part, error, StringComparison.Ordinal);
        }
    }

    private async Task AssertAGoodRequestSucceedsAsync(HttpClient client)
    {
        Tensor input = ServedEnsemble.Images(1, seed: 99);
        using HttpResponseMessage response = await client.PostAsync($"/v2/models/{ServedEnsemble.ModelName}/infer", ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(input)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ServedEnsemble.AssertClose(await ensemble.Session.InferAsync(input), (await ServedEnsemble.ReadAnswerAsync(response)).Output);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        long start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(30), "timed out waiting");
            await Task.Delay(10);
        }
    }

    /// <summary>A body of unknown length, so the client sends it chunked.</summary>
    private sealed class UnsizedStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    /// <summary>A body whose first 10 bytes are sent (and flushed) at once and the rest only after <see cref="Release"/>.</summary>
    private sealed class HeldContent(byte[] data) : HttpContent
    {
        private const int Head = 10;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _headSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task HeadSent => _headSent.Task;

        public void Release() => _released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(data.AsMemory(0, Head));
            await stream.FlushAsync();
            _headSent.TrySetResult();
            await _released.Task;
            await stream.WriteAsync(data.AsMemory(Head));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
