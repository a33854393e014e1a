using System.Diagnostics;
using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;
using Esen.Solver.Devices;
using Esen.Solver.Problems;

namespace Esen.Runtime.Profiling;

/// <summary>One measured point: a batch at a thread count on the CPU executor.</summary>
/// <param name="Batch">Inputs per run.</param>
/// <param name="Threads">Kernel threads of the executor.</param>
/// <param name="MedianMs">Median latency of the timed runs.</param>
/// <param name="MinMs">Fastest timed run.</param>
public sealed record CpuMeasurement(int Batch, int Threads, double MedianMs, double MinMs);

/// <summary>
/// Profiles measured on the CPU executor: latency by batch and thread count, written as the same
/// <c>esen-problem/1</c> latency tables the analytic profiles use, so a measured profile can replace the
/// analytic one in planning. A share of p % of the CPU is p/100 of its cores, so t threads on an n-core
/// machine are the share 100·t/n.
/// </summary>
public static class CpuProfiler
{
    /// <summary>Measures <paramref name="graph"/> at every batch × thread count (seeded inputs).</summary>
    /// <param name="repetitions">Timed runs per point (after one untimed warm-up run that plans and generates weights).</param>
    /// <param name="progress">Called before each point, e.g. to print progress.</param>
    /// <exception cref="ArgumentException">The graph has not exactly one float input with static sample dimensions.</exception>
    /// <exception cref="GraphException">The graph cannot run at one of the batches (<see cref="LayerGraph.WithDynamicBatch"/>).</exception>
    public static IReadOnlyList<CpuMeasurement> Measure(
        LayerGraph graph, IReadOnlyList<int> batches, IReadOnlyList<int> threads, int repetitions = 5, Action<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        if (graph.Inputs.Count != 1 || graph.Inputs[0].DataType != DataType.Float32 || !new TensorShape(graph.Inputs[0].Shape.Dimensions[1..]).IsStatic)
        {
            throw new ArgumentException($"graph '{graph.Name}' needs one float input with a static sample shape to be profiled", nameof(graph));
        }

        // A model whose file fixes the batch (ONNX exports often say 1) is made batch-dynamic, or every batch would run as that one.
        LayerGraph runnable = batches.Aggregate(graph, (g, batch) => g.ForBatch(batch));
        ValueInfo input = runnable.Inputs[0];
        var results = new List<CpuMeasurement>();
        foreach (int threadCount in threads)
        {
            using var executor = new CpuExecutor(runnable, new CpuExecutorOptions { Threads = threadCount });
            foreach (int batch in batches)
            {
                progress?.Invoke($"{graph.Name}: batch {batch}, {threadCount} thread{(threadCount == 1 ? "" : "s")}");
                TensorShape shape = input.Shape.WithBatch(batch);
                var feed = new Dictionary<string, Tensor> { [input.Name] = Tensor.SeededRandom(shape, batch, 1f) };
                _ = executor.Run(feed);
                double[] times = new double[repetitions];
                for (int r = 0; r < repetitions; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    _ = executor.Run(feed);
                    times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                Array.Sort(times);
                results.Add(new CpuMeasurement(batch, threadCount, times[repetitions / 2], times[0]));
            }
        }

        return results;
    }

    /// <summary>Median latency in ms of one batch at each of <paramref name="threads"/>, in that order.</summary>
    public static double[] MeasureLatencies(LayerGraph graph, int batch, IReadOnlyList<int> threads, int repetitions = 5, Action<string>? progress = null) =>
        [.. Measure(graph, [batch], threads, repetitions, progress).Select(m => m.MedianMs)];

    /// <summary>
    /// Measured latencies (ms) of a built-in architecture or ONNX file at one batch for each core count
    /// in <paramref name="cores"/> (the cores a share amounts to), run with that many executor threads:
    /// the measured path of <c>esen profile --device cpu --measured</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The device is not the CPU.</exception>
    /// <exception cref="KeyNotFoundException">Neither a built-in architecture nor an existing file.</exception>
    public static double[] MeasureShares(string model, int batch, Device device, IReadOnlyList<int> cores, TextWriter progress)
    {
        if (device is not CpuDevice)
        {
            throw new ArgumentException($"{device.Name} is not a device to measure on: measured profiles run on the CPU executor (--device cpu) or on real SM partitions (--device cuda:N)", nameof(device));
        }

        LayerGraph graph = ModelZoo.BuildOrLoad(model);
        int[] distinct = [.. cores.Distinct()];
        double[] measured = MeasureLatencies(graph, batch, distinct, progress: line => progress.WriteLine($"measuring {line}"));
        return [.. cores.Select(c => measured[Array.IndexOf(distinct, c)])];
    }

    /// <summary>
    /// The measurements as an <c>esen-problem/1</c> ensemble on the local CPU: one member per batch
    /// (named <c>MODEL-bB-fp32</c>, as the analytic profiles name theirs) whose table maps the share of
    /// each thread count to its median latency.
    /// </summary>
    /// <param name="memoryBytes">Batch → the member's memory (weights and activations).</param>
    public static Problem ToProblem(string modelName, IReadOnlyList<CpuMeasurement> measurements, Func<int, long> memoryBytes, int cores, double deviceMemoryMb)
    {
        ProblemMember[] members =
        [
            .. measurements.GroupBy(m => m.Batch).Select(g => new ProblemMember(
                $"{modelName}-b{g.Key}-fp32",
                memoryBytes(g.Key) / (1024.0 * 1024.0),
                new LatencyTable(g.Select(m => new KeyValuePair<int, double>(ShareOfThreads(m.Threads, cores), m.MedianMs))))),
        ];
        return new Problem(
            ProblemKind.Ensemble,
            Objective.Makespan,
            [new ProblemDevice(DeviceCatalog.LocalCpuName, deviceMemoryMb)],
            members,
            $"measured on the CPU executor ({cores} cores): median of timed runs; share = 100 × threads / cores");
    }

    /// <summary>The share (percent, 1..100) that <paramref name="threads"/> of <paramref name="cores"/> cores amount to.</summary>
    public static int ShareOfThreads(int threads, int cores) => Math.Clamp((int)Math.Round(100.0 * threads / cores), 1, 100);
}
