using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Combination;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;

namespace Esen.Serving.Tests.Repository;

/// <summary>The model repository extension: a load re-plans a served model online while clients keep sending.</summary>
public sealed class ModelRepositoryTests
{
    private static readonly Uri s_index = new("/v2/repository/index", UriKind.Relative);
    private static readonly Uri s_load = new($"/v2/repository/models/{ServedEnsemble.ModelName}/load", UriKind.Relative);
    private static readonly Uri s_infer = new($"/v2/models/{ServedEnsemble.ModelName}/infer", UriKind.Relative);

    [Fact]
    public async Task Load_WithConfigsUnderLoad_MovesTheMembers_EveryRequestAnsweredOnceByOneConfiguration()
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(ServedEnsemble.Spec(new BatchingSpec(4, 1)));
        await using InferenceServer server = await InferenceServer.StartAsync(
            new Dictionary<string, EnsembleSession> { [ServedEnsemble.ModelName] = session }, new ServerOptions { HttpPort = 0 });
        using HttpClient http = ServedEnsemble.ClientOf(server);
        Tensor[] inputs = [.. Enumerable.Range(0, 36).Select(i => ServedEnsemble.Images(1, seed: 400 + i))];

        var answers = new Tensor[inputs.Length];
        var served = new List<string>();
        Task clients = Task.WhenAll(Enumerable.Range(0, 3).Select(c => Task.Run(async () =>
        {
            for (int i = c; i < inputs.Length; i += 3)
            {
                using HttpResponseMessage response = await http.PostAsync(s_infer, ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(inputs[i], id: $"r{i}")));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                (JsonObject answer, Tensor output) = await ServedEnsemble.ReadAnswerAsync(response);
                answers[i] = output;
                lock (served)
                {
                    served.Add((string)answer["id"]!);
                }
            }
        })));
        while (session.Statistics.Rows < 6)
        {
            await Task.Delay(5);
        }

        JsonObject added = await LoadAsync(http, Config(["a", "b", "c"]));
        while (session.Statistics.Rows < 18)
        {
            await Task.Delay(5);
        }

        JsonObject removed = await LoadAsync(http, Config(["b", "c"]));
        await clients;

        Assert.Equal(["a", "b", "c"], added["members"]!.AsArray().Select(m => (string?)m));
        Assert.True((bool)added["moved"]!);
        Assert.True((double)added["pause_ms"]! > 0);
        Assert.Equal(["b", "c"], removed["members"]!.AsArray().Select(m => (string?)m));
        Assert.Equal("load request with a config", (string?)removed["reason"]);

        // Every id answered once; each answer is the mean of one configuration's members run alone.
        Assert.Equal(Enumerable.Range(0, inputs.Length).Select(i => $"r{i}").Order(), served.Order());
        Assert.Equal(inputs.Length, session.Statistics.Rows);
        IReadOnlyList<LayerGraph> graphs = EnsembleModels.Load(ServedEnsemble.Spec(BatchingSpec.Default) with
        {
            Members = [new MemberSpec("a", null, "mobilenetv2", 1), new MemberSpec("b", null, "mobilenetv2", 2), new MemberSpec("c", null, "mobilenetv2", 3)],
        }).Graphs;
        int[][] configurations = [[0, 1], [0, 1, 2], [1, 2]];
        for (int i = 0; i < inputs.Length; i++)
        {
            Tensor[] alone = [.. graphs.Select(g => RunAlone(g, inputs[i]))];
            Assert.Single(configurations, c => Close(Combiner.Combine(CombineRule.Mean, [.. c.Select(m => alone[m])], [.. c.Select(_ => 1.0)]), answers[i]));
        }

        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("esen_reallocations_total{model=\"pair\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("esen_reallocation_pause_seconds_count{model=\"pair\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("esen_partition_share_percent{model=\"pair\",member=\"c\",device=\"cpu\"}", metrics, StringComparison.Ordinal);
        // Member a left: its partition's series go (its batch durations stay, they happened).
        Assert.DoesNotContain("esen_partition_share_percent{model=\"pair\",member=\"a\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("esen_partition_units{model=\"pair\",member=\"a\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IndexAndMetadata_ListTheModelsAndTheExtension()
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(ServedEnsemble.Spec(new BatchingSpec(4, 1)));
        await using InferenceServer server = await InferenceServer.StartAsync(
            new Dictionary<string, EnsembleSession> { [ServedEnsemble.ModelName] = session }, new ServerOptions { HttpPort = 0 });
        using HttpClient http = ServedEnsemble.ClientOf(server);

        using HttpResponseMessage index = await http.PostAsync(s_index, new StringContent("{}", Encoding.UTF8, "application/json"));
        JsonNode metadata = JsonNode.Parse(await http.GetStringAsync(new Uri("/v2", UriKind.Relative)))!;

        Assert.Equal("""[{"name":"pair","version":"1","state":"READY"}]""", await index.Content.ReadAsStringAsync());
        Assert.Contains("model_repository", metadata["extensions"]!.AsArray().Select(e => (string?)e));
    }

    [Fact]
    public async Task Load_WithoutAConfig_RereadsTheSpecSourceAndRequestRateReplansForItsBatch()
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(ServedEnsemble.Spec(new BatchingSpec(4, 1)));
        int reads = 0;
        var options = new ServerOptions
        {
            HttpPort = 0,
            SpecSources = new Dictionary<string, Func<EnsembleSpec>> { [ServedEnsemble.ModelName] = () => { reads++; return ServedEnsemble.Spec(new BatchingSpec(4, 1)); } },
        };
        await using InferenceServer server = await InferenceServer.StartAsync(new Dictionary<string, EnsembleSession> { [ServedEnsemble.ModelName] = session }, options);
        using HttpClient http = ServedEnsemble.ClientOf(server);

        JsonObject reread = await LoadAsync(http, null);
        JsonObject rated = await LoadAsync(http, new JsonObject { ["parameters"] = new JsonObject { ["request_rate"] = 2000 } });

        Assert.Equal(2, reads);
        Assert.Equal("load request: spec re-read", (string?)reread["reason"]);
        Assert.Equal("load request: spec re-read, request rate 2000/s", (string?)rated["reason"]);
        Assert.Equal(3, session.Replans[^1].PlanBatch);
        using HttpResponseMessage ok = await http.PostAsync(s_infer, ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(ServedEnsemble.Images(1, seed: 5))));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("{", "not JSON")]
    [InlineData("""{"parameters": 3}""", "'parameters' must be an object")]
    [InlineData("""{"parameters": {"request_rate": "fast"}}""", "'request_rate' must be a number")]
    [InlineData("""{"parameters": {"config": 7}}""", "'config' must be a string")]
    [InlineData("""{"parameters": {"config": "{\"format\": \"esen-ensemble/1\", \"kind\": \"ensemble\", \"members\": []}"}}""", "parameter 'config'")]
    [InlineData("""{"parameters": {"request_rate": -5}}""", "was not re-planned")]
    public async Task Load_BadRequest_Is400NamingTheFieldAndServingGoesOn(string body, string expected)
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(ServedEnsemble.Spec(new BatchingSpec(4, 1)));
        await using InferenceServer server = await InferenceServer.StartAsync(
            new Dictionary<string, EnsembleSession> { [ServedEnsemble.ModelName] = session }, new ServerOptions { HttpPort = 0 });
        using HttpClient http = ServedEnsemble.ClientOf(server);

        using HttpResponseMessage response = await http.PostAsync(s_load, new StringContent(body, Encoding.UTF8, "application/json"));
        using HttpResponseMessage unknown = await http.PostAsync(new Uri("/v2/repository/models/other/load", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Empty(session.Replans);
        using HttpResponseMessage ok = await http.PostAsync(s_infer, ServedEnsemble.JsonContent(ServedEnsemble.JsonRequest(ServedEnsemble.Images(1, seed: 6))));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    private static async Task<JsonObject> LoadAsync(HttpClient http, JsonNode? body)
    {
        using HttpResponseMessage response = await http.PostAsync(s_load, body is null ? null : ServedEnsemble.JsonContent(body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (JsonObject)JsonNode.Parse(text)!;
    }

    /// <summary>A load body whose config is the served pair's spec with other members (seed = 1 + the member's letter).</summary>
    private static JsonObject Config(string[] members) => new()
    {
        ["parameters"] = new JsonObject
        {
            ["config"] = new JsonObject
            {
                ["format"] = "esen-ensemble/1",
                ["kind"] = "ensemble",
                ["combine"] = "mean",
                ["device"] = "cpu",
                ["solver"] = "equal",
                ["input"] = new JsonObject { ["name"] = ServedEnsemble.InputName, ["shape"] = new JsonArray("N", 3, ServedEnsemble.ImageSize, ServedEnsemble.ImageSize) },
                ["batching"] = new JsonObject { ["max_batch"] = 4, ["max_delay_ms"] = 1 },
                ["members"] = new JsonArray([.. members.Select(m => (JsonNode)new JsonObject { ["name"] = m, ["architecture"] = "mobilenetv2", ["seed"] = 1 + m[0] - 'a' })]),
            }.ToJsonString(),
        },
    };

    private static Tensor RunAlone(LayerGraph graph, Tensor input)
    {
        using var executor = new CpuExecutor(graph.ForBatch(input.Shape[0]));
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = input })[graph.Outputs[0].Name];
    }

    // Batched and single-row GEMMs block their sums differently: equal to float rounding.
    private static bool Close(Tensor expected, Tensor actual) =>
        expected.Shape == actual.Shape && expected.Floats.Zip(actual.Floats).All(p => Math.Abs(p.First - p.Second) <= 1e-4);
}
