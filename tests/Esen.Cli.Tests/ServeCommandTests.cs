using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

/// <summary>
/// The built <c>esen serve</c> as a child process on a free port, queried with curl (an HTTP client
/// Esen did not write); answers are checked against the same spec's session in this process.
/// </summary>
public sealed partial class ServeCommandTests : IDisposable
{
    private const string Curl = "/usr/bin/curl";
    private const int ImageElements = 3 * 32 * 32;
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-serve-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact]
    public async Task Serve_AnswersCurlAsTheSessionDoesInProcess_AndExitsOnSigterm()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is missing (scripts/bootstrap.sh installs it)");
        string spec = WriteSpec(maxBatch: 4, maxDelayMs: 1);
        await using EnsembleSession oracle = await EnsembleSession.LoadAsync(spec);
        using var server = await EsenServe.StartAsync(spec, "--members");

        Assert.Equal(["pair", "pair.a", "pair.b"], server.Models);
        (int status, string body) = await CurlAsync("GET", $"{server.Url}/models/pair.b", null);
        Assert.Equal(200, status);
        Assert.Equal("[-1,3,32,32]", JsonNode.Parse(body)!["inputs"]![0]!["shape"]!.ToJsonString());

        float[] image = SeededImage(seed: 7);
        (status, body) = await CurlAsync("POST", $"{server.Url}/models/pair/infer", RequestFile(image, "one"));
        Assert.Equal(200, status);
        AssertAnswer(await oracle.InferAsync(Tensor.FromFloats(new TensorShape(1, 3, 32, 32), image)), body);

        (status, body) = await CurlAsync("POST", $"{server.Url}/models/pair.c/infer", RequestFile(image, "two"));
        Assert.Equal(404, status);
        Assert.Contains("unknown model 'pair.c'", body, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, await server.TerminateAsync());
    }

    [SkippableFact]
    public async Task Serve_WithGrpc_AnswersPythonGrpcioAsTheSessionDoes()
    {
        string? python = await ExternalTools.PythonWithModulesAsync("grpc, grpc_tools.protoc");
        Requires.Installed(python is not null,
            "Debian's python3 with grpcio and grpc_tools: scripts/bootstrap.sh installs python3-grpcio and python3-grpc-tools");
        string spec = WriteSpec(maxBatch: 4, maxDelayMs: 1);
        await using EnsembleSession oracle = await EnsembleSession.LoadAsync(spec);
        using var server = await EsenServe.StartAsync(spec, "--grpc", "0");
        Match grpc = GrpcLine().Match(await server.ReadLineAsync() ?? "");
        Assert.True(grpc.Success, $"no gRPC line: {server.Errors}");
        float[] image = SeededImage(seed: 9);
        string input = Path.Combine(_folder, "input.bin");
        await File.WriteAllBytesAsync(input, MemoryMarshal.AsBytes(image.AsSpan()).ToArray());
        string client = Path.Combine(TestEnv.RepositoryRoot, "tests", "Esen.Serving.Tests", "Grpc", "interop_client.py");
        string proto = Path.Combine(TestEnv.RepositoryRoot, "src", "Esen.Serving", "Protos", "grpc_service.proto");

        (int exit, string stdout, string stderr) = await ExternalTools.RunAsync(python!, [client, proto, _folder, grpc.Groups["port"].Value, "pair", "input", input, "1", "3", "32", "32"]);

        Assert.True(exit == 0, $"the Python client failed: {stderr}");
        Assert.True(JsonNode.Parse(stdout)!["live"]!.GetValue<bool>());
        float[] answer = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(Path.Combine(_folder, "output.bin"))).ToArray();
        Tensor expected = await oracle.InferAsync(Tensor.FromFloats(new TensorShape(1, 3, 32, 32), image));
        RelativeL2.AssertAtMost(expected.Floats, answer, 1e-5, "esen serve --grpc's answer to grpcio vs the session's");
        Assert.Equal(ExitCodes.Ok, await server.TerminateAsync());
    }

    [SkippableFact]
    public async Task ExportedNodeGroup_ServedByEsenServe_AnswersAsTheSpecsSessionDoes()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is missing (scripts/bootstrap.sh installs it)");
        string spec = WriteSpec(maxBatch: 4, maxDelayMs: 1);
        string plan = Path.Combine(_folder, "plan.json");
        await File.WriteAllTextAsync(plan, """
            {"solver": "search", "status": "optimal", "assignments": [
              {"member": "a", "device": "cpu0", "share": 50}, {"member": "b", "device": "cpu0", "share": 50}]}
            """);
        string export = Path.Combine(_folder, "export");

        (int exit, string output, string error) = CliRunner.Run("export", spec, "--plan", plan, "--to", "kserve", export);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("node0/pair.json", output, StringComparison.Ordinal);
        await using EnsembleSession oracle = await EnsembleSession.LoadAsync(spec);
        using var server = await EsenServe.StartAsync(Path.Combine(export, "node0", "pair.json"));
        Assert.Equal(["pair"], server.Models);
        float[] image = SeededImage(seed: 11);
        (int status, string body) = await CurlAsync("POST", $"{server.Url}/models/pair/infer", RequestFile(image, "one"));
        Assert.Equal(200, status);
        AssertAnswer(await oracle.InferAsync(Tensor.FromFloats(new TensorShape(1, 3, 32, 32), image)), body);
        Assert.Equal(ExitCodes.Ok, await server.TerminateAsync());
    }

    [SkippableFact]
    public async Task Serve_SigtermUnderLoad_AnswersEveryAcceptedRequestAndExits0()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is missing (scripts/bootstrap.sh installs it)");

        // Batches close every 200 ms at the latest, so requests are still queued when the signal comes.
        string spec = WriteSpec(maxBatch: 16, maxDelayMs: 200);
        await using EnsembleSession oracle = await EnsembleSession.LoadAsync(spec);
        using var server = await EsenServe.StartAsync(spec);
        const int Clients = 50;
        float[][] images = [.. Enumerable.Range(0, Clients).Select(SeededImage)];
        string[] files = [.. images.Select((x, i) => RequestFile(x, $"r{i}"))];

        Task<(int Exit, int Status, string Body, long Finished)>[] clients = [.. files.Select(f => CurlTimedAsync($"{server.Url}/models/pair/infer", f))];
        await Task.WhenAny(clients);
        long signalled = Stopwatch.GetTimestamp();
        server.Signal("TERM");
        (int Exit, int Status, string Body, long Finished)[] results = await Task.WhenAll(clients);
        int exitCode = await server.WaitForExitAsync();

        Assert.True(exitCode == ExitCodes.Ok, $"esen serve exited {exitCode}: {server.Errors}");
        int answered = 0;
        for (int i = 0; i < Clients; i++)
        {
            (int exit, int status, string body, _) = results[i];

            // Curl 7: connection refused (after the listener closed); 52/56: the connection closed
            // before the request was read. Neither was accepted. An accepted one is answered 200,
            // or 503 if it arrived on an open connection while the server was stopping.
            if (exit is 7 or 52 or 56 || status == 503)
            {
                continue;
            }

            Assert.True(exit == 0 && status == 200, $"request {i}: curl exit {exit}, HTTP {status}: {body}");
            AssertAnswer(await oracle.InferAsync(Tensor.FromFloats(new TensorShape(1, 3, 32, 32), images[i])), body);
            answered++;
        }

        Assert.True(answered >= 1, "no request was answered");
        Assert.Contains(results, r => r.Status == 200 && r.Finished > signalled);
    }

    [SkippableFact]
    public async Task Serve_LoadRereadsTheSpecFile_AndSighupReplansEveryModelOnline()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is missing (scripts/bootstrap.sh installs it)");
        string spec = WriteSpec(maxBatch: 4, maxDelayMs: 1);
        using var server = await EsenServe.StartAsync(spec);
        string metricsUrl = server.Url[..^"/v2".Length] + "/metrics";

        WriteSpec(maxBatch: 4, maxDelayMs: 1, members: "abc");
        (int status, string body) = await CurlAsync("POST", $"{server.Url}/repository/models/pair/load", null);
        Assert.True(status == 200, body);
        Assert.Equal("""["a","b","c"]""", JsonNode.Parse(body)!["members"]!.ToJsonString());
        Assert.Equal("load request: spec re-read", (string?)JsonNode.Parse(body)!["reason"]);

        WriteSpec(maxBatch: 4, maxDelayMs: 1, members: "bc");
        server.Signal("HUP");
        string metrics = "";
        for (int wait = 0; !metrics.Contains("esen_reallocations_total{model=\"pair\"} 2", StringComparison.Ordinal) && wait < 600; wait++)
        {
            await Task.Delay(100);
            (_, metrics) = await CurlAsync("GET", metricsUrl, null);
        }

        Assert.Contains("esen_reallocations_total{model=\"pair\"} 2", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("esen_partition_share_percent{model=\"pair\",member=\"a\"", metrics, StringComparison.Ordinal);
        await using EnsembleSession oracle = await EnsembleSession.LoadAsync(spec);
        float[] image = SeededImage(seed: 9);
        (status, body) = await CurlAsync("POST", $"{server.Url}/models/pair/infer", RequestFile(image, "after"));
        Assert.Equal(200, status);
        AssertAnswer(await oracle.InferAsync(Tensor.FromFloats(new TensorShape(1, 3, 32, 32), image)), body);

        Assert.Equal(ExitCodes.Ok, await server.TerminateAsync());
        Assert.Contains("pair: re-planned (SIGHUP: spec re-read)", server.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--replan-drift", "1.5", "--replan-drift 1.5 is out of range")]
    [InlineData("--replan-min-inputs", "0", "--replan-min-inputs 0 is out of range")]
    [InlineData("--max-queue", "0", "--max-queue 0 is out of range")]
    [InlineData("--http", "70000", "--http 70000 is out of range")]
    [InlineData("--max-body-bytes", "-5", "--max-body-bytes -5 is out of range")]
    [InlineData("--timeout", "0", "--timeout 00:00:00 is out of range")]
    [InlineData("--timeout", "NaN", "--timeout NaN is not a number of seconds")]
    [InlineData("--host", "example.com", "--host 'example.com' is not an IP address or localhost")]
    [InlineData("--max-connections", "0", "--max-connections 0 is out of range")]
    [InlineData("--max-elements", "0", "--max-elements 0 is out of range")]
    [InlineData("--grpc", "70000", "--grpc 70000 is out of range")]
    public void Serve_OptionOutOfRange_FailsBeforeLoadingWithOneLineNamingTheFlag(string flag, string value, string message)
    {
        (int exit, string stdout, string stderr) = CliRunner.Run("serve", WriteSpec(maxBatch: 4, maxDelayMs: 1), flag, value);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("esen serve: " + message, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Serve_TwoSpecsOfOneName_FailsNamingBoth()
    {
        string first = WriteSpec(maxBatch: 4, maxDelayMs: 1);
        string other = Directory.CreateDirectory(Path.Combine(_folder, "other")).FullName;
        string second = Path.Combine(other, "pair.json");
        File.Copy(first, second);

        (int exit, _, string stderr) = CliRunner.Run("serve", first, second);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains($"{second}: its model name 'pair' is taken by {first}", stderr, StringComparison.Ordinal);
    }

    // Member a has seed 1, b seed 2, and so on.
    private string WriteSpec(int maxBatch, int maxDelayMs, string members = "ab")
    {
        string path = Path.Combine(_folder, "pair.json");
        string list = string.Join(", ", members.Select(m => $$"""{"name": "{{m}}", "architecture": "mobilenetv2", "seed": {{1 + m - 'a'}}}"""));
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": {{maxBatch}}, "max_delay_ms": {{maxDelayMs}}},
             "members": [{{list}}]}
            """));
        return path;
    }

    private static float[] SeededImage(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, ImageElements).Select(_ => random.NextSingle())];
    }

    private string RequestFile(float[] image, string name)
    {
        string path = Path.Combine(_folder, name + ".json");
        var request = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "input",
                ["datatype"] = "FP32",
                ["shape"] = new JsonArray(1, 3, 32, 32),
                ["data"] = new JsonArray([.. image.Select(f => JsonValue.Create(f))]),
            }),
        };
        File.WriteAllText(path, request.ToJsonString());
        return path;
    }

    private static void AssertAnswer(Tensor expected, string body)
    {
        JsonNode output = JsonNode.Parse(body)!["outputs"]![0]!;
        Assert.Equal("[1,1000]", output["shape"]!.ToJsonString());
        float[] actual = [.. output["data"]!.AsArray().Select(v => (float)v!)];
        Assert.Equal(expected.Floats.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            // Batched and single-row GEMMs may block their sums differently.
            Assert.Equal(expected.Floats[i], actual[i], 1e-4f);
        }
    }

    private static async Task<(int Status, string Body)> CurlAsync(string method, string url, string? bodyFile)
    {
        (int exit, int status, string body, _) = await RunCurlAsync(method, url, bodyFile);
        Assert.True(exit == 0, $"curl exited {exit}");
        return (status, body);
    }

    private static Task<(int Exit, int Status, string Body, long Finished)> CurlTimedAsync(string url, string bodyFile) => RunCurlAsync("POST", url, bodyFile);

    // curl writes the body, then a line with the HTTP status (-w); the finish time is taken when it exits.
    private static async Task<(int Exit, int Status, string Body, long Finished)> RunCurlAsync(string method, string url, string? bodyFile)
    {
        var start = new ProcessStartInfo(Curl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-sS", "-X", method, "-w", "\n%{http_code}", "--max-time", "60" })
        {
            start.ArgumentList.Add(argument);
        }

        if (bodyFile is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add("Content-Type: application/json");
            start.ArgumentList.Add("--data-binary");
            start.ArgumentList.Add("@" + bodyFile);
        }

        start.ArgumentList.Add(url);
        using Process curl = Process.Start(start)!;
        Task<string> error = curl.StandardError.ReadToEndAsync();
        string output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        long finished = Stopwatch.GetTimestamp();
        _ = await error;
        int split = output.LastIndexOf('\n');
        int status = split >= 0 && int.TryParse(output.AsSpan(split + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int code) ? code : 0;
        return (curl.ExitCode, status, split >= 0 ? output[..split] : output, finished);
    }

    [GeneratedRegex(@"^Serving (?<models>.+) on (?<url>http://\S+)$")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^gRPC inference\.GRPCInferenceService on \S+:(?<port>\d+)$")]
    private static partial Regex GrpcLine();

    /// <summary>The built esen (its esen.dll beside these tests) running <c>serve</c> on a free port.</summary>
    private sealed class EsenServe : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _errors;

        private EsenServe(Process process, Task<string> errors, string url, string[] models)
        {
            _process = process;
            _errors = errors;
            Url = url;
            Models = models;
        }

        public string Url { get; }

        public string[] Models { get; }

        public string Errors => _errors.IsCompleted ? _errors.Result : "(still running)";

        public static async Task<EsenServe> StartAsync(params string[] arguments)
        {
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "esen.dll"), "serve", "--http", "0" }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            Process process = Process.Start(start)!;
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Match match = ServingLine().Match(line ?? "");
            if (!match.Success)
            {
                process.Kill();
                await process.WaitForExitAsync();
                Assert.Fail($"esen serve printed '{line}': {await errors}");
            }

            return new EsenServe(process, errors, match.Groups["url"].Value, match.Groups["models"].Value.Split(", "));
        }

        public Task<string?> ReadLineAsync() => _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));

        public void Signal(string signal)
        {
            using Process kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public async Task<int> WaitForExitAsync()
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            await _errors;
            return _process.ExitCode;
        }

        public Task<int> TerminateAsync()
        {
            Signal("TERM");
            return WaitForExitAsync();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }
}
