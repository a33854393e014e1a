using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Zoo;
using Microsoft.ML.OnnxRuntime;

namespace Esen.Benchmarks.Models;

/// <summary>
/// Whole-model latency on Esen's CPU executor and on ONNX Runtime (its C# API, NuGet Microsoft.ML.OnnxRuntime),
/// side by side in one process run, with the ratio Esen/ORT (of the medians): the real models in ../shared/models
/// and ML.NET's ResNet-18 (restored with the bench, see Directory.Packages.props), and the built-in ResNet-50 and
/// MobileNetV2 (random weights), which ORT reads as the ONNX that <see cref="OnnxModel.Serialize"/> writes. Run: <c>dotnet run -c Release
/// --project bench/Esen.Benchmarks -- models [--threads 1,2] [--batches 1,8] [--models squeezenet1.1-fp32,...]</c>.
/// Each cell is the median (and fastest) of repeated runs after warm-up, on seeded random input. The files fix
/// the batch at 1: ORT's copy gets a symbolic batch (<see cref="BatchDimensionRewriter"/>), Esen's graph
/// <see cref="LayerGraph.ForBatch"/>; a graph that hard-codes the batch (MNIST's Reshape to [1,256]) prints n/a
/// with the reason. <c>--clock thread</c> times the calling thread's CPU time instead of the wall clock: on a
/// machine shared with other jobs it leaves out the time the thread waited for a CPU. It is exact on one
/// thread; on two it counts the caller's share only (its spin while a worker finishes included).
/// <c>--profile</c> adds, under each row, the fastest wall time of each node over the runs, for Esen
/// (<see cref="CpuExecutor.RunProfiled"/>) and for ORT (its own profiler; its node names are those of its
/// rewritten graph), slowest first.
/// </summary>
internal static class ModelLatencyComparison
{
    private const int WarmupRuns = 3, MinRuns = 5, MaxRuns = 50;

    /// <summary>The File of a built-in architecture's case: this prefix and the architecture's name.</summary>
    private const string ZooPrefix = "zoo:";
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(1.5);

    /// <summary>The models: name, file below ../shared (or a packaged model's path), input and output names, one sample's input dimensions.</summary>
    private static readonly ModelCase[] s_models =
    [
        new("squeezenet1.1-fp32", "models/squeezenet1.1-fp32/model.onnx", "data_0", "softmaxout_1", [3, 224, 224]),
        new("mnist-cntk", "models/mnist-cntk/model.onnx", "Input3", "Plus214_Output_0", [1, 28, 28]),
        new("cifar10-cnn", "models/cifar10-cnn/model.onnx", "modelInput", "modelOutput", [3, 32, 32]),
        new("iris-mlp", "models/iris-mlp/model.onnx", "input", "output", [4]),
        new("resnet18-mlnet", PackagedModels.ResNet18, "Input247", "Pooling395_Output_0", [3, 224, 224]),
        Zoo("resnet50"),
        Zoo("mobilenetv2"),
    ];

    public static int Run(string[] args, TextWriter output)
    {
        string sharedDir = Environment.GetEnvironmentVariable("ESEN_SHARED_DIR") ?? "/work/shared";
        int[] threadCounts = IntList(BenchHost.Argument(args, "--threads") ?? "1,2");
        int[] batches = IntList(BenchHost.Argument(args, "--batches") ?? "1,8");
        string[]? names = BenchHost.Argument(args, "--models")?.Split(',');
        string clock = BenchHost.Argument(args, "--clock") ?? "wall";
        if (clock is not ("wall" or "thread"))
        {
            output.WriteLine($"error: --clock: '{clock}' is neither wall nor thread");
            return 2;
        }

        bool threadClock = clock == "thread";
        bool profile = args.Contains("--profile");
        if (names?.FirstOrDefault(n => !s_models.Any(m => m.Name == n)) is { } unknown)
        {
            output.WriteLine($"error: --models: unknown model '{unknown}' ({string.Join(", ", s_models.Select(m => m.Name))})");
            return 2;
        }

        output.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()} (C# API); {Environment.ProcessorCount} logical CPUs; load average {BenchHost.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {(threadClock ? "calling thread's CPU time" : "wall time")}");
        output.WriteLine($"{"model",-20} {"batch",5} {"threads",7} {"Esen median ms",15} {"Esen min ms",12} {"ORT median ms",14} {"ORT min ms",11} {"Esen/ORT",9}");
        foreach (ModelCase selected in s_models.Where(m => names is null || names.Contains(m.Name)))
        {
            ModelCase model = selected;
            if (!TryLoad(ref model, sharedDir, out LayerGraph? graph, out byte[]? bytes, out string? missing))
            {
                output.WriteLine($"{model.Name,-20} n/a: {missing}");
                continue;
            }
            foreach (int batch in batches)
            {
                foreach (int threads in threadCounts)
                {
                    (double Median, double Min)? esen = Try(() => MeasureEsen(graph, model, batch, threads, threadClock), out string? esenError);
                    (double Median, double Min)? onnxRuntime = Try(() => MeasureOrt(bytes, model, batch, threads, threadClock), out string? ortError);
                    string ratio = esen is { } e && onnxRuntime is { } o ? $"{e.Median / o.Median,9:F2}" : $"{"-",9}";
                    output.WriteLine(
                        $"{model.Name,-20} {batch,5} {threads,7} {Cell(esen, 15, 12)} {Cell(onnxRuntime, 14, 11)} {ratio}"
                        + (esenError is null ? "" : $"  Esen n/a: {esenError}") + (ortError is null ? "" : $"  ORT n/a: {ortError}"));
                    if (profile && esen is not null && onnxRuntime is not null)
                    {
                        PrintProfile(output, "Esen", ProfileEsen(graph, model, batch, threads));
                        PrintProfile(output, "ORT", ProfileOrt(bytes, model, batch, threads));
                    }
                }
            }
        }

        output.WriteLine($"load average at the end {BenchHost.LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// The graph Esen runs and the ONNX bytes ORT runs: a file's, with the batch made symbolic; or a built-in
    /// architecture's (random weights, seeded), written by <see cref="OnnxModel.Serialize"/> with its symbolic batch,
    /// whose output name <paramref name="model"/> then takes.
    /// </summary>
    private static bool TryLoad(ref ModelCase model, string sharedDir, [NotNullWhen(true)] out LayerGraph? graph, [NotNullWhen(true)] out byte[]? bytes, out string? missing)
    {
        missing = null;
        if (model.File.StartsWith(ZooPrefix, StringComparison.Ordinal))
        {
            graph = ModelZoo.Build(model.File[ZooPrefix.Length..]);
            bytes = OnnxModel.Serialize(graph);
            model = model with { OutputName = graph.Outputs[0].Name };
            return true;
        }

        string path = Path.Combine(sharedDir, model.File);
        if (!File.Exists(path))
        {
            (graph, bytes, missing) = (null, null, $"{path} not found");
            return false;
        }

        bytes = BatchDimensionRewriter.MakeBatchSymbolic(File.ReadAllBytes(path));
        graph = OnnxModel.Load(path);
        return true;
    }

    /// <summary>A built-in architecture (<see cref="ModelZoo"/>): input "input" [N,3,224,224]; the output's name comes with the graph.</summary>
    private static ModelCase Zoo(string architecture) => new($"{architecture}-zoo", ZooPrefix + architecture, "input", "", [3, 224, 224]);

    private static (double Median, double Min) MeasureEsen(LayerGraph graph, ModelCase c, int batch, int threads, bool threadClock)
    {
        using var executor = new CpuExecutor(graph.ForBatch(batch), new CpuExecutorOptions { Threads = threads });
        long[] shape = [batch, .. c.SampleDims];
        var inputs = new Dictionary<string, Tensor> { [c.InputName] = Tensor.FromFloats(new TensorShape(shape), RandomInput(shape)) };
        return Measure(() => executor.Run(inputs), threadClock);
    }

    /// <summary>Each node's fastest time over the runs, by name: its op type and milliseconds.</summary>
    private static Dictionary<string, (string OpType, double Ms)> ProfileEsen(LayerGraph graph, ModelCase c, int batch, int threads)
    {
        using var executor = new CpuExecutor(graph.ForBatch(batch), new CpuExecutorOptions { Threads = threads });
        long[] shape = [batch, .. c.SampleDims];
        var inputs = new Dictionary<string, Tensor> { [c.InputName] = Tensor.FromFloats(new TensorShape(shape), RandomInput(shape)) };
        var fastest = new Dictionary<string, (string OpType, double Ms)>();
        Measure(() =>
        {
            foreach (NodeTime time in executor.RunProfiled(inputs).Times)
            {
                if (!fastest.TryGetValue(time.Node, out var known) || time.Milliseconds < known.Ms)
                {
                    fastest[time.Node] = (time.OpType, time.Milliseconds);
                }
            }
        }, threadClock: false);
        return fastest;
    }

    /// <summary>The same from ORT's profiler: the "Node" events named NAME_kernel_time, durations in µs.</summary>
    private static Dictionary<string, (string OpType, double Ms)> ProfileOrt(byte[] model, ModelCase c, int batch, int threads)
    {
        using SessionOptions options = OrtOptions(threads);
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "esen-ort-profile");
        using var session = new InferenceSession(model, options);
        long[] shape = [batch, .. c.SampleDims];
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(RandomInput(shape), shape);
        using var runOptions = new RunOptions();
        Measure(() =>
        {
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [c.InputName], [input], [c.OutputName]);
        }, threadClock: false);
        string file = session.EndProfiling();
        var fastest = new Dictionary<string, (string OpType, double Ms)>();
        using (JsonDocument events = JsonDocument.Parse(File.ReadAllText(file)))
        {
            foreach (JsonElement e in events.RootElement.EnumerateArray())
            {
                string name = e.GetProperty("name").GetString() ?? "";
                if (e.GetProperty("cat").GetString() != "Node" || !name.EndsWith("_kernel_time", StringComparison.Ordinal))
                {
                    continue;
                }

                name = name[..^"_kernel_time".Length];
                double ms = e.GetProperty("dur").GetDouble() / 1e3;
                if (!fastest.TryGetValue(name, out var known) || ms < known.Ms)
                {
                    fastest[name] = (e.GetProperty("args").GetProperty("op_name").GetString() ?? "?", ms);
                }
            }
        }

        File.Delete(file);
        return fastest;
    }

    private static void PrintProfile(TextWriter output, string engine, Dictionary<string, (string OpType, double Ms)> nodes)
    {
        double total = nodes.Values.Sum(n => n.Ms);
        output.WriteLine($"  {engine}: fastest time per node, {nodes.Count} nodes, sum {total:F3} ms");
        foreach ((string name, (string opType, double ms)) in nodes.OrderByDescending(n => n.Value.Ms))
        {
            output.WriteLine($"    {name,-40} {opType,-18} {ms,8:F3} ms {100 * ms / total,5:F1}%");
        }
    }

    private static (double Median, double Min)? Try(Func<(double, double)> measure, out string? error)
    {
        try
        {
            error = null;
            return measure();
        }
        catch (Exception ex) when (ex is InvalidOperationException or GraphException or ArgumentException or OnnxRuntimeException)
        {
            error = FirstLine(ex.Message);
            return null;
        }
    }

    private static string Cell((double Median, double Min)? time, int medianWidth, int minWidth) => time is { } t
        ? $"{t.Median.ToString("F3").PadLeft(medianWidth)} {t.Min.ToString("F3").PadLeft(minWidth)}"
        : $"{"-".PadLeft(medianWidth)} {"-".PadLeft(minWidth)}";

    /// <summary>ORT with full graph optimisation and <paramref name="threads"/> intra-op threads (inter-op parallelism off, as in Esen's executor).</summary>
    private static (double Median, double Min) MeasureOrt(byte[] model, ModelCase c, int batch, int threads, bool threadClock)
    {
        using SessionOptions options = OrtOptions(threads);
        using var session = new InferenceSession(model, options);
        long[] shape = [batch, .. c.SampleDims];
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(RandomInput(shape), shape);
        using var runOptions = new RunOptions();
        string[] inputNames = [c.InputName], outputNames = [c.OutputName];
        OrtValue[] inputs = [input];
        return Measure(() =>
        {
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputNames, inputs, outputNames);
        }, threadClock);
    }

    private static SessionOptions OrtOptions(int threads) => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        // ORT warns on every run that the output's batch differs from the file's fixed 1.
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };

    /// <summary>Median and fastest time in milliseconds (wall, or the thread's CPU time with <c>--clock thread</c>), after warm-up, within the time budget.</summary>
    private static (double Median, double Min) Measure(Action run, bool threadClock)
    {
        Warmup.Run(run, WarmupRuns);

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < MinRuns || (times.Count < MaxRuns && total.Elapsed < s_budget))
        {
            long start = Stopwatch.GetTimestamp();
            double cpuStart = threadClock ? CpuTimeKernelReport.ThreadCpuMilliseconds() : 0;
            run();
            times.Add(threadClock ? CpuTimeKernelReport.ThreadCpuMilliseconds() - cpuStart : Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        return (times[times.Count / 2], times[0]);
    }

    internal static float[] RandomInput(long[] shape)
    {
        var random = new Random(2026);
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = random.NextSingle();
        }

        return data;
    }

    private static string FirstLine(string text) => text.Split('\n')[0];

    private static int[] IntList(string text) => [.. text.Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture))];

    /// <summary>A model; <paramref name="File"/> is relative to ../shared, or absolute.</summary>
    private sealed record ModelCase(string Name, string File, string InputName, string OutputName, long[] SampleDims);
}
