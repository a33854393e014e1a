using System.Text.Json;
using Esen.Runtime;
using Esen.Runtime.Specs;
using Esen.Serving.Export;
using Esen.Solver.Devices;
using Esen.TestUtilities;

namespace Esen.Serving.Tests.Export;

/// <summary>
/// <c>esen export</c> read back by the engines' own definitions: each config.pbtxt is parsed as Triton's
/// ModelConfig (our .proto subset with its published field numbers, protobuf's Python text-format
/// parser), each YAML file by PyYAML, and the parsed objects are checked for the kinds and the fields
/// the engines document as required, with the values the plan implies.
/// </summary>
public sealed class ExportTests : IDisposable
{
    private const string PlanFileNode = Esen.Solver.Planning.PlanFile.DefaultNode;

    private readonly string _folder = Directory.CreateTempSubdirectory("esen-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact]
    public async Task Triton_EveryConfigIsAModelConfig_WithThePlansInstancesBatchingAndShares()
    {
        // a alone at 60 % of gpu0; two replicas of b at 20 % each on gpu0: two servers (60 %, 20 %).
        string spec = WriteSpec("cuda:0");
        string plan = WritePlan(("a", "g0", 60, 0, "n0"), ("b", "g0", 20, 0, "n0"), ("b", "g0", 20, 1, "n0"));
        string output = Path.Combine(_folder, "triton");

        ExportResult result = Exporter.Export(spec, plan, "triton", output);

        JsonElement parsed = (await ReadBackAsync(output)).RootElement;
        JsonElement a = parsed.GetProperty("pbtxt").GetProperty("triton/n0/gpu0-share60/a/config.pbtxt");
        Assert.Equal("a", a.GetProperty("name").GetString());
        Assert.Equal("onnxruntime", a.GetProperty("backend").GetString());
        Assert.Equal(4, a.GetProperty("max_batch_size").GetInt32());
        Assert.Equal("TYPE_FP32", a.GetProperty("input")[0].GetProperty("data_type").GetString());
        Assert.Equal(["3", "32", "32"], a.GetProperty("input")[0].GetProperty("dims").EnumerateArray().Select(d => d.GetString()));
        JsonElement group = a.GetProperty("instance_group")[0];
        Assert.Equal(1, group.GetProperty("count").GetInt32());
        Assert.Equal("KIND_GPU", group.GetProperty("kind").GetString());
        Assert.Equal([0], group.GetProperty("gpus").EnumerateArray().Select(g => g.GetInt32()));
        Assert.Equal([4], a.GetProperty("dynamic_batching").GetProperty("preferred_batch_size").EnumerateArray().Select(b => b.GetInt32()));
        Assert.Equal("1000", a.GetProperty("dynamic_batching").GetProperty("max_queue_delay_microseconds").GetString());

        JsonElement b = parsed.GetProperty("pbtxt").GetProperty("triton/n0/gpu0-share20/b/config.pbtxt");
        Assert.Equal(2, b.GetProperty("instance_group")[0].GetProperty("count").GetInt32());

        // The members sit in two servers, so the ensemble is written apart and LIMITS.txt says why.
        JsonElement ensemble = parsed.GetProperty("pbtxt").GetProperty("triton/ensemble/pair/config.pbtxt");
        Assert.Equal("ensemble", ensemble.GetProperty("platform").GetString());
        JsonElement[] steps = [.. ensemble.GetProperty("ensemble_scheduling").GetProperty("step").EnumerateArray()];
        Assert.Equal(["a", "b"], steps.Select(s => s.GetProperty("model_name").GetString()));
        Assert.All(steps, s => Assert.Equal("input", s.GetProperty("input_map").GetProperty("input").GetString()));
        Assert.Contains(result.Limits, l => l.Contains("ensemble_scheduling model can only name models of its own server", StringComparison.Ordinal));

        string script = await File.ReadAllTextAsync(Path.Combine(output, "launch-n0.sh"));
        Assert.Contains("CUDA_VISIBLE_DEVICES=0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=60 tritonserver --model-repository=\"$PWD/triton/n0/gpu0-share60\"", script, StringComparison.Ordinal);
        Assert.Contains("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=20 tritonserver --model-repository=\"$PWD/triton/n0/gpu0-share20\"", script, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, Exporter.LimitsFile)));
        (int shellExit, _, string shellError) = await ExternalTools.RunAsync("sh", ["-n", Path.Combine(output, "launch-n0.sh")]);
        Assert.True(shellExit == 0, $"launch-n0.sh is not valid sh: {shellError}");
    }

    [SkippableFact]
    public async Task KServe_OneInferenceServicePerNodeAndAGraph_WithTheDocumentedRequiredFields()
    {
        string spec = WriteSpec("cuda:0");
        string plan = WritePlan(("a", "n0-g0", 50, 0, "n0"), ("b", "n1-g0", 30, 0, "n1"));
        string output = Path.Combine(_folder, "kserve");

        Exporter.Export(spec, plan, "kserve", output, new ExportOptions { Image = "registry/esen:1" });

        JsonElement yaml = (await ReadBackAsync(output)).RootElement.GetProperty("yaml");
        foreach (string node in new[] { "n0", "n1" })
        {
            JsonElement service = Single(yaml, $"{node}/inferenceservice.yaml");
            AssertObject(service, "serving.kserve.io/v1beta1", "InferenceService", $"pair-{node}");
            JsonElement predictor = service.GetProperty("spec").GetProperty("predictor");
            Assert.Equal(node, predictor.GetProperty("nodeSelector").GetProperty("kubernetes.io/hostname").GetString());
            JsonElement container = predictor.GetProperty("containers")[0];
            Assert.Equal("kserve-container", container.GetProperty("name").GetString());
            Assert.Equal("registry/esen:1", container.GetProperty("image").GetString());
            Assert.Equal("1", container.GetProperty("resources").GetProperty("limits").GetProperty("nvidia.com/gpu").GetString());
            Assert.Equal(8080, container.GetProperty("ports")[0].GetProperty("containerPort").GetInt32());
            Assert.Equal(["serve", "/mnt/models/pair.json", "--host", "0.0.0.0", "--http", "8080"], container.GetProperty("args").EnumerateArray().Select(a => a.GetString()));

            // The node's spec holds its member only, on the node's first GPU.
            EnsembleSpec group = EnsembleSpecReader.ReadFile(Path.Combine(output, node, "pair.json"));
            Assert.Equal([node == "n0" ? "a" : "b"], group.Members.Select(m => m.Name));
            Assert.Equal("cuda:0", group.DeviceOf(0).ToString());
        }

        JsonElement graph = Single(yaml, "inferencegraph.yaml");
        AssertObject(graph, "serving.kserve.io/v1alpha1", "InferenceGraph", "pair");
        JsonElement root = graph.GetProperty("spec").GetProperty("nodes").GetProperty("root");
        Assert.Equal("Ensemble", root.GetProperty("routerType").GetString());
        Assert.Equal(["pair-n0", "pair-n1"], root.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("serviceName").GetString()));
    }

    [SkippableFact]
    public async Task Ray_DeploymentsCarryReplicasGpuFractionsAndMpsPercentages()
    {
        string spec = WriteSpec("cuda:0");
        string plan = WritePlan(("a", "n0-g0", 50, 0, "n0"), ("b", "n0-g1", 25, 0, "n0"), ("b", "n0-g1", 25, 1, "n0"));
        string output = Path.Combine(_folder, "ray");

        Exporter.Export(spec, plan, "ray", output);

        JsonElement config = Single((await ReadBackAsync(output)).RootElement.GetProperty("yaml"), "serve.yaml");
        JsonElement application = config.GetProperty("applications")[0];
        Assert.Equal("pair", application.GetProperty("name").GetString());
        Assert.Equal("esen_ray:app", application.GetProperty("import_path").GetString());
        Dictionary<string, JsonElement> deployments = application.GetProperty("deployments").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal(["a-n0-50", "b-n0-25", "ingress"], deployments.Keys.Order(StringComparer.Ordinal));
        JsonElement b = deployments["b-n0-25"];
        Assert.Equal(2, b.GetProperty("num_replicas").GetInt32());
        Assert.Equal(0.25, b.GetProperty("ray_actor_options").GetProperty("num_gpus").GetDouble());
        Assert.Equal("25", b.GetProperty("ray_actor_options").GetProperty("runtime_env").GetProperty("env_vars").GetProperty("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE").GetString());
        string? python = await ExternalTools.PythonWithModulesAsync("google.protobuf.text_format, grpc_tools.protoc, yaml");
        (int compiled, _, string compileError) = await ExternalTools.RunAsync(python!, ["-m", "py_compile", Path.Combine(output, "esen_ray.py")]);
        Assert.True(compiled == 0, $"esen_ray.py is not valid Python: {compileError}");
        EnsembleSpec alone = EnsembleSpecReader.ReadFile(Path.Combine(output, "members", "b.json"));
        Assert.Equal(["b"], alone.Members.Select(m => m.Name));

        // The replica's process holds the planned share (num_gpus, the MPS percentage); the member takes all of it.
        Assert.Equal([100], alone.Members.Select(m => m.Share));
    }

    [SkippableFact]
    public async Task KubernetesMps_DevicePluginConfigPerNode_AndTheUnequalSharesInLimits()
    {
        string spec = WriteSpec("cuda:0");
        string plan = WritePlan(("a", "n0-g0", 50, 0, "n0"), ("b", "n0-g0", 25, 0, "n0"), ("b", "n1-g0", 25, 1, "n1"));
        string output = Path.Combine(_folder, "mps");

        ExportResult result = Exporter.Export(spec, plan, "k8s-mps", output);

        JsonElement yaml = (await ReadBackAsync(output)).RootElement.GetProperty("yaml");
        JsonElement map = Single(yaml, "device-plugin-config.yaml");
        AssertObject(map, "v1", "ConfigMap", "esen-mps-sharing");

        // n0: two copies on one GPU, the smallest share 25 % → 4 replicas of 25 %; n1: one copy at 25 % → 4 as well.
        foreach (string node in new[] { "n0", "n1" })
        {
            JsonElement config = Single(yaml, $"device-plugin-config.yaml#{node}");
            Assert.Equal("v1", config.GetProperty("version").GetString());
            JsonElement resource = config.GetProperty("sharing").GetProperty("mps").GetProperty("resources")[0];
            Assert.Equal("nvidia.com/gpu", resource.GetProperty("name").GetString());
            Assert.Equal(4, resource.GetProperty("replicas").GetInt32());
        }

        Assert.Contains(result.Limits, l => l.Contains("member a (replica 0) is planned at 50 % of n0-g0 but each of the 4 MPS replicas per GPU gets 25 %", StringComparison.Ordinal));
        Assert.Contains("kubectl label node n1 nvidia.com/device-plugin.config=n1", await File.ReadAllTextAsync(Path.Combine(output, "label-nodes.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KServe_EachNodeGroupsSession_RunsExactlyThePlansShares()
    {
        // b has two copies: replica 0 beside a on n0, replica 1 alone on n1.
        string spec = WriteSpec("sim:h100");
        string plan = WritePlan(("a", "n0-g0", 30, 0, "n0"), ("b", "n0-g0", 45, 0, "n0"), ("b", "n1-g0", 60, 1, "n1"));
        string output = Path.Combine(_folder, "kserve");

        ExportResult result = Exporter.Export(spec, plan, "kserve", output);

        // The oracle: the plan file read here, each node's members at their first copy's share.
        using JsonDocument planned = JsonDocument.Parse(await File.ReadAllTextAsync(plan));
        Dictionary<string, Dictionary<string, int>> expected = planned.RootElement.GetProperty("assignments").EnumerateArray()
            .OrderBy(a => a.GetProperty("replica").GetInt32())
            .GroupBy(a => a.GetProperty("node").GetString()!)
            .ToDictionary(node => node.Key, node => node.DistinctBy(a => a.GetProperty("member").GetString()).ToDictionary(a => a.GetProperty("member").GetString()!, a => a.GetProperty("share").GetInt32()));
        Assert.Equal(2, expected.Count);
        foreach ((string node, Dictionary<string, int> shares) in expected)
        {
            await using EnsembleSession session = await EnsembleSession.LoadAsync(Path.Combine(output, node, "pair.json"));
            Assert.True(session.Plan.IsFixed);
            Assert.Equal(shares, session.Spec.Members.Select((m, i) => (m.Name, Share: session.Plan.Shares[i])).ToDictionary(m => m.Name, m => m.Share));
        }

        Assert.DoesNotContain(result.Limits, l => l.Contains("planned again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KServe_PlannedDevicesSharingOneSimulatedDevice_OverOneHundredPercent_FixNoShareAndSaySo()
    {
        string spec = WriteSpec("sim:h100");
        string plan = WritePlan(("a", "g0", 60, 0, null), ("b", "g1", 60, 0, null));
        string output = Path.Combine(_folder, "kserve");

        ExportResult result = Exporter.Export(spec, plan, "kserve", output);

        await using EnsembleSession session = await EnsembleSession.LoadAsync(Path.Combine(output, PlanFileNode, "pair.json"));
        Assert.False(session.Plan.IsFixed);
        Assert.Contains(result.Limits, l => l.Contains("members a, b all run on sim:h100 there (not a cuda:N device), where their planned shares add up to 120 %", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void OnnxMembers_AreCopiedBesideTheNodeSpec()
    {
        string model = Path.Combine(Requires.SharedDirectory("models/cifar10-cnn"), "model.onnx");
        File.Copy(model, Path.Combine(_folder, "cnn.onnx"));
        string spec = Path.Combine(_folder, "pair.json");
        File.WriteAllText(spec, """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
             "members": [{"name": "a", "model": "cnn.onnx"}, {"name": "b", "model": "cnn.onnx"}]}
            """);
        string plan = WritePlan(("a", "cpu0", 50, 0, null), ("b", "cpu0", 50, 0, null));

        ExportResult result = Exporter.Export(spec, plan, "kserve", Path.Combine(_folder, "out"));

        EnsembleSpec group = EnsembleSpecReader.ReadFile(Path.Combine(result.Directory, PlanFileNode, "pair.json"));
        Assert.All(group.Members, m => Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(m.ModelPath!)));
        Assert.All(group.Members, m => Assert.StartsWith(result.Directory, m.ModelPath!, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("helm", "--to: unknown target 'helm' (known: kserve, triton, ray, k8s-mps)")]
    [InlineData("kserve", "assignments[1].member: 'z' is not a member (known: a, b)")]
    public void BadInput_OneLineNamingIt_AndNothingWritten(string target, string message)
    {
        string spec = WriteSpec("cuda:0");
        string plan = WritePlan(("a", "g0", 50, 0, null), ("z", "g0", 50, 0, null));
        string output = Path.Combine(_folder, "out");

        EsenException error = Assert.Throws<EsenException>(() => Exporter.Export(spec, plan, target, output));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.EndsWith(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        AssertNothingWritten(output);
    }

    [Fact]
    public void PlanMissingAMember_OrOverfillingADevice_IsBadInput()
    {
        string spec = WriteSpec("cuda:0");
        string output = Path.Combine(_folder, "out");

        EsenException missing = Assert.Throws<EsenException>(() => Exporter.Export(spec, WritePlan(("a", "g0", 50, 0, null)), "ray", output));
        EsenException full = Assert.Throws<EsenException>(() => Exporter.Export(spec, WritePlan(("a", "g0", 60, 0, null), ("b", "g0", 50, 0, null)), "ray", output));

        Assert.EndsWith("assignments: member 'b' has no assignment", missing.Message, StringComparison.Ordinal);
        Assert.EndsWith("assignments: device 'g0' is given 110 % (at most 100)", full.Message, StringComparison.Ordinal);
        AssertNothingWritten(output);
    }

    [Fact]
    public void MemberLargerThanEveryDeviceOfItsNode_IsBadInput()
    {
        // A 64 MiB GPU: MobileNetV2's weights alone (14 MB) and its activations at 32×32 in batches of 256 do not fit.
        string devices = Path.Combine(_folder, "devices.json");
        File.WriteAllText(devices, """
            {"format":"esen-devices/1","devices":[
              {"kind":"gpu","name":"tiny","sms":8,"fp32_tflops":1,"fp16_tflops":2,"memory_gb":0.0625,"bandwidth_gbps":100,"l2_mb":1,"tdp_w":10}]}
            """);
        string spec = WriteSpec("cuda:0", maxBatch: 256);
        string plan = WritePlan(("a", "g0", 50, 0, "n0", "tiny"), ("b", "g1", 50, 0, "n0", "tiny"));
        string output = Path.Combine(_folder, "out");

        EsenException error = Assert.Throws<EsenException>(() =>
            Exporter.Export(spec, plan, "kserve", output, new ExportOptions { Devices = DeviceCatalog.BuiltIn.WithFile(devices) }));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Matches(@"member 'a' needs \d+ MiB at batch 256, more than every device of node 'n0' has \(largest 64 MiB\)$", error.Message);
        AssertNothingWritten(output);
    }

    [Fact]
    public void NonEmptyDestination_IsRefused()
    {
        string output = Directory.CreateDirectory(Path.Combine(_folder, "out")).FullName;
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        EsenException error = Assert.Throws<EsenException>(() => Exporter.Export(WriteSpec("cpu"), WritePlan(("a", "g0", 50, 0, null), ("b", "g0", 50, 0, null)), "ray", output));

        Assert.Contains("the folder exists and is not empty", error.Message, StringComparison.Ordinal);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    private static JsonElement Single(JsonElement yaml, string file)
    {
        JsonElement documents = yaml.GetProperty(file);
        Assert.Equal(1, documents.GetArrayLength());
        return documents[0];
    }

    // Every Kubernetes object: apiVersion, kind and metadata.name (Kubernetes API conventions).
    private static void AssertObject(JsonElement resource, string apiVersion, string kind, string name)
    {
        Assert.Equal(apiVersion, resource.GetProperty("apiVersion").GetString());
        Assert.Equal(kind, resource.GetProperty("kind").GetString());
        Assert.Equal(name, resource.GetProperty("metadata").GetProperty("name").GetString());
    }

    private void AssertNothingWritten(string output)
    {
        Assert.False(Directory.Exists(output), $"{output} was written");
        Assert.Empty(Directory.GetDirectories(_folder, ".*"));
    }

    private string WriteSpec(string device, int maxBatch = 4)
    {
        string path = Path.Combine(_folder, "pair.json");
        File.WriteAllText(path, $$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "{{device}}",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": {{maxBatch}}, "max_delay_ms": 1},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1}, {"name": "b", "architecture": "mobilenetv2", "seed": 2}]}
            """);
        return path;
    }

    private string WritePlan(params (string Member, string Device, int Share, int Replica, string? Node)[] copies) =>
        WritePlan([.. copies.Select(c => (c.Member, c.Device, c.Share, c.Replica, c.Node, (string?)null))]);

    private string WritePlan(params (string Member, string Device, int Share, int Replica, string? Node, string? Gpu)[] copies)
    {
        string path = Path.Combine(_folder, $"plan-{Guid.NewGuid():N}.json");
        var assignments = copies.Select(c => new Dictionary<string, object?>
        {
            ["member"] = c.Member,
            ["device"] = c.Device,
            ["share"] = c.Share,
            ["replica"] = c.Replica,
            ["node"] = c.Node,
            ["gpu"] = c.Gpu,
        }.Where(p => p.Value is not null).ToDictionary());
        File.WriteAllText(path, JsonSerializer.Serialize(new { solver = "search", status = "optimal", assignments }));
        return path;
    }

    // Python protobuf and PyYAML (Debian's python3-protobuf, python3-yaml) parse the export; see read_export.py.
    private async Task<JsonDocument> ReadBackAsync(string export)
    {
        string? python = await ExternalTools.PythonWithModulesAsync("google.protobuf.text_format, grpc_tools.protoc, yaml");
        Requires.Installed(python is not null, "no python3 imports google.protobuf, grpc_tools and yaml; scripts/bootstrap.sh installs python3-protobuf, python3-grpc-tools and python3-yaml");
        string generated = Directory.CreateDirectory(Path.Combine(_folder, "pb")).FullName;
        string scripts = Path.Combine(AppContext.BaseDirectory, "Export");
        (int exit, string stdout, string stderr) = await ExternalTools.RunAsync(python!,
            [Path.Combine(scripts, "read_export.py"), Path.Combine(scripts, "model_config.proto"), generated, export]);
        Assert.True(exit == 0, $"the export does not parse: {stderr}");
        return JsonDocument.Parse(stdout);
    }
}
