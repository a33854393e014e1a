using System.Diagnostics;
using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;

namespace Esen.Benchmarks.Models;

/// <summary>
/// Whole-model latency of the real models in ../shared/models on Esen's CPU executor and on ONNX Runtime,
/// batch 1 and 8, 1 and 2 threads, side by side in one process run, with the ratio Esen/ORT (of the medians). Run: <c>bench/setup-ort.sh &amp;&amp; dotnet run -c Release --project
/// bench/Esen.Benchmarks -- models</c>. Each cell is the median (and fastest) of repeated runs after warm-up,
/// on seeded random input. The files fix the batch at 1: ORT's copy gets a symbolic batch
/// (<see cref="BatchDimensionRewriter"/>), Esen's graph <see cref="LayerGraph.ForBatch"/>; a graph that
/// hard-codes the batch (MNIST's Reshape to [1,256]) prints n/a with the reason.
/// </summary>
internal static class ModelLatencyComparison
{
    private const int WarmupRuns = 3, MinRuns = 5, MaxRuns = 50;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(1.5);

    /// <summary>The models: folder, input and output names, and one sample's input dimensions.</summary>
    private static readonly ModelCase[] s_models =
    [
        new("squeezenet1.1-fp32", "data_0", "softmaxout_1", [3, 224, 224]),
        new("mnist-cntk", "Input3", "Plus214_Output_0", [1, 28, 28]),
        new("cifar10-cnn", "modelInput", "modelOutput", [3, 32, 32]),
        new("iris-mlp", "input", "output", [4]),
    ];

    public static int Run(TextWriter output)
    {
        string sharedDir = Environment.GetEnvironmentVariable("ESEN_SHARED_DIR") ?? "/work/shared";
        string ortPath = Environment.GetEnvironmentVariable("ESEN_ORT_PATH")
            ?? Path.Combine(RepositoryRoot(), "bench", ".ort", "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", "x64", "libonnxruntime.so.1");
        if (!File.Exists(ortPath))
        {
            output.WriteLine($"error: {ortPath} not found; run bench/setup-ort.sh first (or set ESEN_ORT_PATH)");
            return 2;
        }

        using OrtRuntime ort = OrtRuntime.Load(ortPath);
        output.WriteLine($"ONNX Runtime {ort.Version} ({ortPath}); {Environment.ProcessorCount} logical CPUs; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        output.WriteLine($"{"model",-20} {"batch",5} {"threads",7} {"Esen median ms",15} {"Esen min ms",12} {"ORT median ms",14} {"ORT min ms",11} {"Esen/ORT",9}");
        foreach (ModelCase model in s_models)
        {
            string path = Path.Combine(sharedDir, "models", model.Folder, "model.onnx");
            byte[] bytes = BatchDimensionRewriter.MakeBatchSymbolic(File.ReadAllBytes(path));
            LayerGraph graph = OnnxModel.Load(path);
            foreach (int batch in new[] { 1, 8 })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    (double Median, double Min)? esen = Try(() => MeasureEsen(graph, model, batch, threads), out string? esenError);
                    (double Median, double Min)? onnxRuntime = Try(() => MeasureOrt(ort, bytes, model, batch, threads), out string? ortError);
                    string ratio = esen is { } e && onnxRuntime is { } o ? $"{e.Median / o.Median,9:F2}" : $"{"-",9}";
                    output.WriteLine(
                        $"{model.Folder,-20} {batch,5} {threads,7} {Cell(esen, 15, 12)} {Cell(onnxRuntime, 14, 11)} {ratio}"
                        + (esenError is null ? "" : $"  Esen n/a: {esenError}") + (ortError is null ? "" : $"  ORT n/a: {ortError}"));
                }
            }
        }

        return 0;
    }

    private static (double Median, double Min) MeasureEsen(LayerGraph graph, ModelCase c, int batch, int threads)
    {
        using var executor = new CpuExecutor(graph.ForBatch(batch), new CpuExecutorOptions { Threads = threads });
        long[] shape = [batch, .. c.SampleDims];
        var inputs = new Dictionary<string, Tensor> { [c.InputName] = Tensor.FromFloats(new TensorShape(shape), RandomInput(shape)) };
        return Measure(() => executor.Run(inputs));
    }

    private static (double Median, double Min)? Try(Func<(double, double)> measure, out string? error)
    {
        try
        {
            error = null;
            return measure();
        }
        catch (Exception ex) when (ex is InvalidOperationException or GraphException or ArgumentException)
        {
            error = FirstLine(ex.Message);
            return null;
        }
    }

    private static string Cell((double Median, double Min)? time, int medianWidth, int minWidth) => time is { } t
        ? $"{t.Median.ToString("F3").PadLeft(medianWidth)} {t.Min.ToString("F3").PadLeft(minWidth)}"
        : $"{"-".PadLeft(medianWidth)} {"-".PadLeft(minWidth)}";

    private static (double Median, double Min) MeasureOrt(OrtRuntime ort, byte[] model, ModelCase c, int batch, int threads)
    {
        using OrtSession session = ort.CreateSession(model, threads);
        long[] shape = [batch, .. c.SampleDims];
        float[] input = RandomInput(shape);
        Action run = session.Bind(c.InputName, input, shape, c.OutputName);
        return Measure(run);
    }

    /// <summary>Median and fastest wall time in milliseconds, after warm-up, within the time budget.</summary>
    internal static (double Median, double Min) Measure(Action run)
    {
        Warmup.Run(run, WarmupRuns);

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < MinRuns || (times.Count < MaxRuns && total.Elapsed < s_budget))
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
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

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Esen.Native.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private sealed record ModelCase(string Folder, string InputName, string OutputName, long[] SampleDims);
}
