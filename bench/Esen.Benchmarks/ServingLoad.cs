using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
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
/// <c>--warmup</c> untimed requests first; the three modes alternate for <c>--rounds</c> rounds and the medians are
/// reported. The server runs in a child process (<c>serving-server</c>), so
/// its CPU time per request is measured apart from the load generator's and set against the in-process
/// session's: unlike throughput it hardly moves when other work loads the machine. The clients speak
/// HTTP/1.1 over one kept-alive socket each, with the request bytes built once, so the load they put on the
/// shared cores stays small (as wrk's does).
/// Run: <c>dotnet run -c Release --project bench/Esen.Benchmarks -- serving [--requests 10000] [--clients 64] [--warmup 500] [--rounds 3]</c>.
/// </summary>
internal static class ServingLoad
{
    private const int Inputs = 16;
    private const int ImageSize = 32;

    // The binary data extension's header: the length of the JSON part of a body.
    private const string HeaderLengthHeader = "Inference-Header-Content-Length";

    public static int Run(string[] args, TextWriter output) => RunAsync(args, output).GetAwaiter().GetResult();

    /// <summary>
    /// The server half of the benchmark: serves the benchmark's spec as model <c>pair</c> on a free port of
    /// 127.0.0.1, prints the port, and stops when its standard input closes.
    /// </summary>
    public static int Serve(TextReader input, TextWriter output) => ServeAsync(input, output).GetAwaiter().GetResult();

    private static EnsembleSpec Spec() => new(
        "serving-load", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
        [new MemberSpec("a", null, "mobilenetv2", 1), new MemberSpec("b", null, "mobilenetv2", 2)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, ImageSize, ImageSize)),
        new BatchingSpec(MaxBatch: 8, MaxDelayMs: 2), "equal");

    private static async Task<int> ServeAsync(TextReader input, TextWriter output)
    {
        await using EnsembleSession session = await EnsembleSession.LoadAsync(Spec());
        await using InferenceServer server = await InferenceServer.StartAsync(new Dictionary<string, EnsembleSession> { ["pair"] = session }, new ServerOptions { HttpPort = 0 });
        await output.WriteLineAsync(server.HttpPort.ToString(CultureInfo.InvariantCulture));
        await output.FlushAsync();
        _ = await input.ReadToEndAsync();
        return 0;
    }

    private static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        int requests = int.Parse(BenchHost.Argument(args, "--requests") ?? "10000", CultureInfo.InvariantCulture);
        int clients = int.Parse(BenchHost.Argument(args, "--clients") ?? "64", CultureInfo.InvariantCulture);
        int warmup = int.Parse(BenchHost.Argument(args, "--warmup") ?? "500", CultureInfo.InvariantCulture);
        int rounds = int.Parse(BenchHost.Argument(args, "--rounds") ?? "3", CultureInfo.InvariantCulture);
        EnsembleSpec spec = Spec();
        Tensor[] inputs = [.. Enumerable.Range(0, Inputs).Select(i => Tensor.SeededRandom(new TensorShape(1, 3, ImageSize, ImageSize), i + 1, 1f))];
        await output.WriteLineAsync($"{spec.SourceName}: mobilenetv2 ×2 (mean), input [1, 3, {ImageSize}, {ImageSize}], batch ≤ {spec.Batching.MaxBatch}, {requests} requests from {clients} closed-loop clients per mode, {rounds} rounds, {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}");

        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec);
        Tensor[] expected = [.. await Task.WhenAll(inputs.Select(x => session.InferAsync(x)))];
        using Process server = StartServer(out int port);
        string[] modes = ["in process (EnsembleSession.InferAsync)", "server, binary data extension", "server, JSON tensors"];
        var cpuMs = modes.ToDictionary(m => m, _ => new List<double>());
        var throughput = modes.ToDictionary(m => m, _ => new List<double>());
        try
        {
            // The modes alternate round by round, so a change in the machine's load falls on all of them alike.
            for (int round = 1; round <= rounds; round++)
            {
                await output.WriteLineAsync($"round {round} (load average {BenchHost.LoadAverage()}):");
                (double cpu, double perSecond) = await InProcessAsync(session, inputs, expected, clients, requests, warmup, output);
                cpuMs[modes[0]].Add(cpu);
                throughput[modes[0]].Add(perSecond);
                foreach (bool binary in new[] { true, false })
                {
                    (cpu, perSecond) = await ServedAsync(server, port, binary, inputs, expected, clients, requests, warmup, cpuMs[modes[0]][^1], output);
                    string mode = modes[binary ? 1 : 2];
                    cpuMs[mode].Add(cpu);
                    throughput[mode].Add(perSecond);
                }
            }
        }
        finally
        {
            server.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await server.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                server.Kill();
            }
        }

        double inProcessCpu = Median(cpuMs[modes[0]]), inProcessThroughput = Median(throughput[modes[0]]);
        await output.WriteLineAsync($"medians of {rounds} rounds:");
        foreach (string mode in modes)
        {
            double cpu = Median(cpuMs[mode]), perSecond = Median(throughput[mode]);
            string cost = mode == modes[0] ? "" : string.Create(CultureInfo.InvariantCulture,
                $"  serving costs {(cpu - inProcessCpu) / cpu,4:P0} of the CPU, {(inProcessThroughput - perSecond) / inProcessThroughput,4:P0} of the throughput");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {mode,-42} {perSecond,8:F0} requests/s  CPU {cpu,5:F2} ms/request{cost}"));
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<(double CpuMs, double Throughput)> InProcessAsync(
        EnsembleSession session, Tensor[] inputs, Tensor[] expected, int clients, int requests, int warmup, TextWriter output)
    {
        async Task<Outcome> Direct(int i) => Close(expected[i % Inputs], await session.InferAsync(inputs[i % Inputs])) ? Outcome.Answered : Outcome.Wrong;
        _ = await LoopAsync(clients, warmup, Direct, out _);
        using var self = Process.GetCurrentProcess();
        TimeSpan cpu = self.TotalProcessorTime;
        RuntimeStatistics before = session.Statistics;
        ClosedLoopResult inProcess = await LoopAsync(clients, requests, Direct, out Counts direct);
        self.Refresh();
        double cpuMs = (self.TotalProcessorTime - cpu).TotalMilliseconds / requests;
        RuntimeStatistics after = session.Statistics;
        double rows = (double)(after.Rows - before.Rows) / (after.Batches - before.Batches);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {"in process (EnsembleSession.InferAsync)",-42} {inProcess.ThroughputPerSecond,8:F0} requests/s  p50 {inProcess.P50Ms,7:F2} ms  p99 {inProcess.P99Ms,7:F2} ms  CPU {cpuMs,5:F2} ms/request  {rows:F1} rows/batch  lost 0  duplicated 0  errors {direct.Errors}  wrong {direct.Wrong}"));
        return (cpuMs, inProcess.ThroughputPerSecond);
    }

    private static async Task<(double CpuMs, double Throughput)> ServedAsync(
        Process server, int port, bool binary, Tensor[] inputs, Tensor[] expected, int clients, int requests, int warmup, double inProcessCpuMs, TextWriter output)
    {
        // The id sits before the data, so it is at the same place in every message.
        int idAt = 0;
        byte[][] messages = [.. inputs.Select(x => Message(x, binary, out idAt))];
        var answered = new int[requests];
        var connections = new ConcurrentBag<HttpConnection>();
        async Task<Outcome> Send(int i)
        {
            HttpConnection connection = connections.TryTake(out HttpConnection? idle) ? idle : await HttpConnection.OpenAsync(port);
            byte[] message = (byte[])messages[i % Inputs].Clone();
            _ = i.TryFormat(message.AsSpan(idAt, IdPlaceholder.Length), out _, "D10", CultureInfo.InvariantCulture);
            HttpAnswer answer;
            try
            {
                answer = await connection.ExchangeAsync(message);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                connection.Dispose();
                return Outcome.Error;
            }

            connections.Add(connection);
            if (answer.Status != (int)HttpStatusCode.OK)
            {
                return Outcome.Error;
            }

            (string? id, float[] data) = Read(answer);
            if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int echoed) || echoed < 0 || echoed >= requests)
            {
                return Outcome.Wrong;
            }

            return Interlocked.Increment(ref answered[echoed]) > 1 ? Outcome.Duplicated
                : echoed == i && Close(expected[i % Inputs], Tensor.FromFloats(expected[0].Shape, data)) ? Outcome.Answered : Outcome.Wrong;
        }

        _ = await LoopAsync(clients, Math.Min(warmup, requests), Send, out _);
        Array.Clear(answered);
        (long Batches, long Rows) batchesBefore = await BatchesAsync(port);
        server.Refresh();
        TimeSpan serverCpu = server.TotalProcessorTime;
        using var self = Process.GetCurrentProcess();
        TimeSpan clientCpu = self.TotalProcessorTime;
        ClosedLoopResult served = await LoopAsync(clients, requests, Send, out Counts counts);
        server.Refresh();
        self.Refresh();
        double serverCpuMs = (server.TotalProcessorTime - serverCpu).TotalMilliseconds / requests;
        double clientCpuMs = (self.TotalProcessorTime - clientCpu).TotalMilliseconds / requests;
        counts.Lost = answered.Count(a => a == 0);
        (long Batches, long Rows) batchesAfter = await BatchesAsync(port);
        double rows = (double)(batchesAfter.Rows - batchesBefore.Rows) / (batchesAfter.Batches - batchesBefore.Batches);
        foreach (HttpConnection connection in connections)
        {
            connection.Dispose();
        }

        // (server CPU − in-process CPU) / server CPU: the share of the server's work that serving adds,
        // which is the throughput a CPU-bound server loses to it.
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {(binary ? "server, binary data extension" : "server, JSON tensors"),-42} {served.ThroughputPerSecond,8:F0} requests/s  p50 {served.P50Ms,7:F2} ms  p99 {served.P99Ms,7:F2} ms  CPU {serverCpuMs,5:F2} ms/request (serving {(serverCpuMs - inProcessCpuMs) / serverCpuMs,4:P0}; clients {clientCpuMs:F2} ms)  {rows:F1} rows/batch  lost {counts.Lost}  duplicated {counts.Duplicated}  errors {counts.Errors}  wrong {counts.Wrong}"));
        return (serverCpuMs, served.ThroughputPerSecond);
    }

    // The served model's batches and rows so far, from its Prometheus counters.
    private static async Task<(long Batches, long Rows)> BatchesAsync(int port)
    {
        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        long Counter(string name) => metrics.Split('\n').Where(l => l.StartsWith(name + "{model=\"pair\"}", StringComparison.Ordinal))
            .Select(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Single();
        return (Counter("esen_batches_total"), Counter("esen_batch_rows_total"));
    }

    // This program again with serving-server; under `dotnet X.dll` the host needs the assembly named.
    private static Process StartServer(out int port)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the benchmark cannot find its own executable");
        var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ServingLoad).Assembly.Location);
        }

        start.ArgumentList.Add("serving-server");
        Process server = Process.Start(start)!;
        string? line = server.StandardOutput.ReadLine();
        if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            server.Kill();
            throw new InvalidOperationException($"the serving-server child printed '{line}' instead of its port");
        }

        return server;
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
                    catch (Exception ex) when (ex is IOException or SocketException)
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

    /// <summary>Equal to float rounding (batched and single-row GEMMs block their sums differently).</summary>
    internal static bool Close(Tensor expected, Tensor actual) =>
        expected.Shape == actual.Shape && expected.Floats.Zip(actual.Floats).All(p => Math.Abs(p.First - p.Second) <= 1e-4f);

    // The body with a placeholder id of fixed width, replaced per request so the bodies are built once.
    private const string IdPlaceholder = "__________";

    // One HTTP/1.1 request, head and body, with a placeholder id of fixed width at idAt, replaced per
    // request so the messages are built once.
    private static byte[] Message(Tensor input, bool binary, out int idAt)
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
        int dataBytes = binary ? input.Floats.Length * sizeof(float) : 0;
        string head = "POST /v2/models/pair/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + (binary ? $"Content-Type: application/octet-stream\r\n{HeaderLengthHeader}: {json.Length}\r\n" : "Content-Type: application/json\r\n")
            + $"Content-Length: {json.Length + dataBytes}\r\n\r\n";
        byte[] message = [.. Encoding.ASCII.GetBytes(head), .. json, .. new byte[dataBytes]];
        idAt = message.AsSpan().IndexOf(Encoding.UTF8.GetBytes(IdPlaceholder));
        Span<byte> data = message.AsSpan(message.Length - dataBytes);
        for (int i = 0; i < dataBytes / sizeof(float); i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data[(i * sizeof(float))..], input.Floats[i]);
        }

        return message;
    }

    private static (string? Id, float[] Data) Read(HttpAnswer answer)
    {
        byte[] body = answer.Body;
        int jsonLength = answer.JsonLength ?? body.Length;
        using JsonDocument document = JsonDocument.Parse(body.AsMemory(0, jsonLength));
        JsonElement tensor = document.RootElement.GetProperty("outputs")[0];
        float[] data = jsonLength < body.Length
            ? [.. Enumerable.Range(0, (body.Length - jsonLength) / sizeof(float)).Select(i => BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(jsonLength + (i * sizeof(float)))))]
            : [.. tensor.GetProperty("data").EnumerateArray().Select(v => v.GetSingle())];
        return (document.RootElement.GetProperty("id").GetString(), data);
    }

    /// <summary>An answer: the status, the body, and the Inference-Header-Content-Length when given.</summary>
    private readonly record struct HttpAnswer(int Status, byte[] Body, int? JsonLength);

    /// <summary>
    /// One kept-alive HTTP/1.1 connection that sends a prepared request and reads the answer, which the
    /// server sends with a Content-Length (RFC 9112 §6.3); a closed connection is an <see cref="IOException"/>.
    /// </summary>
    private sealed class HttpConnection : IDisposable
    {
        private readonly Socket _socket;
        private byte[] _buffer = new byte[16 * 1024];
        private int _filled;

        private HttpConnection(Socket socket) => _socket = socket;

        public static async Task<HttpConnection> OpenAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return new HttpConnection(socket);
        }

        public async Task<HttpAnswer> ExchangeAsync(byte[] message)
        {
            for (int sent = 0; sent < message.Length;)
            {
                sent += await _socket.SendAsync(message.AsMemory(sent), SocketFlags.None);
            }

            int headEnd;
            while ((headEnd = _buffer.AsSpan(0, _filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync();
            }

            string[] lines = Encoding.ASCII.GetString(_buffer, 0, headEnd).Split("\r\n");
            int status = int.Parse(lines[0].AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture);
            int? Header(string name) => lines.Skip(1).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                .Select(l => (int?)int.Parse(l.AsSpan(name.Length + 1), NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture))
                .FirstOrDefault();
            int length = Header("Content-Length") ?? throw new IOException("an answer without Content-Length");
            int end = headEnd + 4 + length;
            while (_filled < end)
            {
                await FillAsync();
            }

            byte[] body = _buffer[(headEnd + 4)..end];
            Buffer.BlockCopy(_buffer, end, _buffer, 0, _filled - end);
            _filled -= end;
            return new HttpAnswer(status, body, Header(HeaderLengthHeader));
        }

        public void Dispose() => _socket.Dispose();

        private async Task FillAsync()
        {
            if (_filled == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            int read = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None);
            _filled += read > 0 ? read : throw new IOException("the server closed the connection");
        }
    }
}
