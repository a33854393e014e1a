using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Benchmarking;
using Esen.Runtime.Specs;
using Esen.Serving;

namespace Esen.Benchmarks;

/// <summary>
/// The inference server under a closed loop of clients on 127.0.0.1 against the same session called in
/// process: throughput, p50 and p99, and every request accounted for (lost: no answer; duplicated: an
/// id answered twice; errors: not 200; wrong: an answer unlike the in-process one for its input).
/// The spec is two MobileNetV2 (seeds 1 and 2) averaged on 3×32×32 images on the CPU, batches of up
/// to 8 after at most 2 ms; requests cycle through 16 seeded one-image inputs. Each mode runs
/// <c>--warmup</c> untimed requests first. Clients and server share the process, so the process CPU time per
/// request (client included) is reported too: unlike throughput it hardly moves when other work loads the machine.
/// Run: <c>dotnet run -c Release --project bench/Esen.Benchmarks -- serving [--requests 10000] [--clients 64] [--warmup 500]</c>.
/// </summary>
internal static class ServingLoad
{
    private const int Inputs = 16;
    private const int ImageSize = 32;

    public static int Run(string[] args, TextWriter output) => RunAsync(args, output).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        int requests = int.Parse(BenchHost.Argument(args, "--requests") ?? "10000", CultureInfo.InvariantCulture);
        int clients = int.Parse(BenchHost.Argument(args, "--clients") ?? "64", CultureInfo.InvariantCulture);
        int warmup = int.Parse(BenchHost.Argument(args, "--warmup") ?? "500", CultureInfo.InvariantCulture);
        var spec = new EnsembleSpec(
            "serving-load", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
            [new MemberSpec("a", null, "mobilenetv2", 1), new MemberSpec("b", null, "mobilenetv2", 2)],
            new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, ImageSize, ImageSize)),
            new BatchingSpec(MaxBatch: 8, MaxDelayMs: 2), "equal");
        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec);
        Tensor[] inputs = [.. Enumerable.Range(0, Inputs).Select(i => Tensor.SeededRandom(new TensorShape(1, 3, ImageSize, ImageSize), i + 1, 1f))];
        Tensor[] expected = [.. await Task.WhenAll(inputs.Select(x => session.InferAsync(x)))];
        await output.WriteLineAsync($"{spec.SourceName}: mobilenetv2 ×2 (mean), input [1, 3, {ImageSize}, {ImageSize}], batch ≤ {spec.Batching.MaxBatch}, {requests} requests from {clients} closed-loop clients, {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}");

        async Task<Outcome> Direct(int i) => Close(expected[i % Inputs], await session.InferAsync(inputs[i % Inputs])) ? Outcome.Answered : Outcome.Wrong;
        _ = await LoopAsync(clients, warmup, Direct, out _);
        TimeSpan cpu = ProcessCpu();
        ClosedLoopResult inProcess = await LoopAsync(clients, requests, Direct, out Counts direct);
        double inProcessCpuMs = (ProcessCpu() - cpu).TotalMilliseconds / requests;
        Report(output, "in process (EnsembleSession.InferAsync)", inProcess, direct, inProcessCpuMs, inProcessCpuMs);

        await using InferenceServer server = await InferenceServer.StartAsync(new Dictionary<string, EnsembleSession> { ["pair"] = session }, new ServerOptions { HttpPort = 0 });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        foreach (bool binary in new[] { true, false })
        {
            (byte[] Body, int JsonLength, int IdAt)[] bodies = [.. inputs.Select(x => Body(x, binary))];
            var answered = new int[requests];
            async Task<Outcome> Send(int i)
            {
                using var content = new ByteArrayContent(Stamp(bodies[i % Inputs], i));
                content.Headers.ContentType = new MediaTypeHeaderValue(binary ? "application/octet-stream" : "application/json");
                if (binary)
                {
                    content.Headers.Add("Inference-Header-Content-Length", bodies[i % Inputs].JsonLength.ToString(CultureInfo.InvariantCulture));
                }

                using HttpResponseMessage response = await http.PostAsync(new Uri("/v2/models/pair/infer", UriKind.Relative), content);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return Outcome.Error;
                }

                (string? id, float[] data) = await ReadAsync(response);
                if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int echoed) || echoed < 0 || echoed >= requests)
                {
                    return Outcome.Wrong;
                }

                return Interlocked.Increment(ref answered[echoed]) > 1 ? Outcome.Duplicated
                    : echoed == i && Close(expected[i % Inputs], Tensor.FromFloats(expected[0].Shape, data)) ? Outcome.Answered : Outcome.Wrong;
            }

            _ = await LoopAsync(clients, Math.Min(warmup, requests), Send, out _);
            Array.Clear(answered);
            cpu = ProcessCpu();
            ClosedLoopResult served = await LoopAsync(clients, requests, Send, out Counts counts);
            double cpuMs = (ProcessCpu() - cpu).TotalMilliseconds / requests;
            counts.Lost = answered.Count(a => a == 0);
            Report(output, binary ? "server, binary data extension" : "server, JSON tensors", served, counts, cpuMs, inProcessCpuMs);
        }

        return 0;
    }

    private enum Outcome
    {
        Answered,
        Wrong,
        Duplicated,
        Error,
    }

    private sealed class Counts
    {
        public int Wrong;
        public int Duplicated;
        public int Errors;
        public int Lost;
    }

    // Clients take request numbers from one counter, so each number is sent exactly once.
    private static Task<ClosedLoopResult> LoopAsync(int clients, int requests, Func<int, Task<Outcome>> send, out Counts counts)
    {
        var tally = counts = new Counts();
        return RunLoopAsync();

        async Task<ClosedLoopResult> RunLoopAsync()
        {
            double[] latencies = new double[requests];
            int next = -1;
            long start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                for (int i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
                {
                    long sent = Stopwatch.GetTimestamp();
                    Outcome outcome;
                    try
                    {
                        outcome = await send(i);
                    }
                    catch (HttpRequestException)
                    {
                        outcome = Outcome.Error;
                    }

                    latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    _ = outcome switch
                    {
                        Outcome.Wrong => Interlocked.Increment(ref tally.Wrong),
                        Outcome.Duplicated => Interlocked.Increment(ref tally.Duplicated),
                        Outcome.Error => Interlocked.Increment(ref tally.Errors),
                        _ => 0,
                    };
                }
            })));
            double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            Array.Sort(latencies);
            return new ClosedLoopResult(clients, requests, wall, latencies);
        }
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    // The CPU cost is relative to the in-process run: (cpu − in-process cpu) / cpu, the share of the work
    // that serving adds, which is the throughput a CPU-bound server loses to it.
    private static void Report(TextWriter output, string what, ClosedLoopResult result, Counts counts, double cpuMs, double inProcessCpuMs) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-42} {result.ThroughputPerSecond,8:F0} requests/s  p50 {result.P50Ms,7:F2} ms  p99 {result.P99Ms,7:F2} ms  CPU {cpuMs,5:F2} ms/request (serving {(cpuMs - inProcessCpuMs) / cpuMs,4:P0})  lost {counts.Lost}  duplicated {counts.Duplicated}  errors {counts.Errors}  wrong {counts.Wrong}"));

    /// <summary>Equal to float rounding (batched and single-row GEMMs block their sums differently).</summary>
    internal static bool Close(Tensor expected, Tensor actual) =>
        expected.Shape == actual.Shape && expected.Floats.Zip(actual.Floats).All(p => Math.Abs(p.First - p.Second) <= 1e-4f);

    // The body with a placeholder id of fixed width, replaced per request so the bodies are built once.
    private const string IdPlaceholder = "__________";

    private static (byte[] Body, int JsonLength, int IdAt) Body(Tensor input, bool binary)
    {
        var tensor = new JsonObject
        {
            ["name"] = "input",
            ["datatype"] = "FP32",
            ["shape"] = new JsonArray(1, 3, ImageSize, ImageSize),
        };
        if (binary)
        {
            tensor["parameters"] = new JsonObject { ["binary_data_size"] = input.Floats.Length * sizeof(float) };
        }
        else
        {
            tensor["data"] = new JsonArray([.. input.Floats.Select(f => JsonValue.Create(f))]);
        }

        var request = new JsonObject { ["id"] = IdPlaceholder, ["inputs"] = new JsonArray(tensor) };
        if (binary)
        {
            request["parameters"] = new JsonObject { ["binary_data_output"] = true };
        }

        byte[] json = Encoding.UTF8.GetBytes(request.ToJsonString());
        int idAt = json.AsSpan().IndexOf(Encoding.UTF8.GetBytes(IdPlaceholder));
        if (!binary)
        {
            return (json, json.Length, idAt);
        }

        byte[] body = new byte[json.Length + (input.Floats.Length * sizeof(float))];
        json.CopyTo(body, 0);
        for (int i = 0; i < input.Floats.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(json.Length + (i * sizeof(float))), input.Floats[i]);
        }

        return (body, json.Length, idAt);
    }

    private static byte[] Stamp((byte[] Body, int JsonLength, int IdAt) body, int id)
    {
        byte[] stamped = (byte[])body.Body.Clone();
        _ = id.TryFormat(stamped.AsSpan(body.IdAt, IdPlaceholder.Length), out _, "D10", CultureInfo.InvariantCulture);
        return stamped;
    }

    private static async Task<(string? Id, float[] Data)> ReadAsync(HttpResponseMessage response)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        int jsonLength = response.Headers.TryGetValues("Inference-Header-Content-Length", out IEnumerable<string>? values)
            ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
            : body.Length;
        using JsonDocument answer = JsonDocument.Parse(body.AsMemory(0, jsonLength));
        JsonElement tensor = answer.RootElement.GetProperty("outputs")[0];
        float[] data = jsonLength < body.Length
            ? [.. Enumerable.Range(0, (body.Length - jsonLength) / sizeof(float)).Select(i => BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(jsonLength + (i * sizeof(float)))))]
            : [.. tensor.GetProperty("data").EnumerateArray().Select(v => v.GetSingle())];
        return (answer.RootElement.GetProperty("id").GetString(), data);
    }
}
