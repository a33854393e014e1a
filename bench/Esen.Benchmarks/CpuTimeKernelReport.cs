using System.Runtime.InteropServices;
using Esen.Kernels.Cpu.Kernels;

namespace Esen.Benchmarks;

/// <summary>
/// Single-thread kernel throughput measured in the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) rather
/// than wall time, best of several calls after a second of warm-up: on a machine shared with other jobs the wall clock mostly measures
/// the time the thread was not scheduled, while CPU time measures the kernel. Prints the FMA peak measured
/// the same way, then GFLOP/s and percentage of that peak per GEMM shape and convolution layer, and the sum
/// over SqueezeNet 1.1's 26 convolutions. Run: <c>dotnet run -c Release --project bench/Esen.Benchmarks -- cputime</c>.
/// </summary>
internal static partial class CpuTimeKernelReport
{
    private const int Repeats = 15;
    private const int ThreadCpuClock = 3;

    public static int Run(TextWriter output)
    {
        output.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, 1 thread, best of {Repeats} calls in thread CPU time");
        double peak = Best(() => new FmaPeakBenchmarks { Work = new FmaPeakBenchmarks.FmaWork(512), Threads = 1 }.IndependentFmaChains(), out _);
        double peakGflops = new FmaPeakBenchmarks.FmaWork(512).Flops / peak / 1e6;
        output.WriteLine($"{"FMA peak (512-bit, 16 chains)",-48} {peak,9:F3} ms {peakGflops,8:F1} GFLOP/s");

        foreach (GemmBenchmarks.GemmShape shape in GemmBenchmarks.Shapes())
        {
            var bench = new GemmBenchmarks { Shape = shape, Threads = 1 };
            bench.Setup();
            Report(output, $"gemm {shape}", shape.Flops, Best(bench.Gemm, out _), peakGflops);
        }

        foreach (Conv2DBenchmarks.ConvLayer layer in Conv2DBenchmarks.Layers())
        {
            var bench = new Conv2DBenchmarks { Layer = layer, Threads = 1 };
            bench.Setup();
            Report(output, $"conv {layer}", layer.Flops, Best(bench.Conv2D, out _), peakGflops);
        }

        double total = 0, flops = 0;
        foreach (Conv2DBenchmarks.ConvLayer layer in SqueezeNetLayers())
        {
            var bench = new Conv2DBenchmarks { Layer = layer, Threads = 1 };
            bench.Setup();
            total += Best(bench.Conv2D, out _);
            flops += layer.Flops;
        }

        Report(output, "SqueezeNet 1.1: all 26 convolutions (sum)", flops, total, peakGflops);
        return 0;
    }

    /// <summary>SqueezeNet 1.1's convolutions at 224×224 (conv1, eight fire modules, conv10).</summary>
    public static IEnumerable<Conv2DBenchmarks.ConvLayer> SqueezeNetLayers()
    {
        yield return new("conv1", new Conv2DShape(1, 3, 224, 224, 64, 3, 3, StrideH: 2, StrideW: 2));
        (int In, int Squeeze, int Expand, int Size)[] fires =
        [
            (64, 16, 64, 55), (128, 16, 64, 55), (128, 32, 128, 27), (256, 32, 128, 27),
            (256, 48, 192, 13), (384, 48, 192, 13), (384, 64, 256, 13), (512, 64, 256, 13),
        ];
        for (int i = 0; i < fires.Length; i++)
        {
            (int cin, int s, int e, int hw) = fires[i];
            yield return new($"fire{i + 2} squeeze", new Conv2DShape(1, cin, hw, hw, s, 1, 1));
            yield return new($"fire{i + 2} expand1x1", new Conv2DShape(1, s, hw, hw, e, 1, 1));
            yield return new($"fire{i + 2} expand3x3", new Conv2DShape(1, s, hw, hw, e, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
        }

        yield return new("conv10", new Conv2DShape(1, 512, 13, 13, 1000, 1, 1));
    }

    private static void Report(TextWriter output, string name, double flops, double milliseconds, double peakGflops)
    {
        double gflops = flops / milliseconds / 1e6;
        output.WriteLine($"{name,-48} {milliseconds,9:F3} ms {gflops,8:F1} GFLOP/s {100 * gflops / peakGflops,5:F0}% of peak");
    }

    private static double Best(Action action, out double wallMs)
    {
        Warmup.Run(action);
        double best = double.MaxValue;
        wallMs = double.MaxValue;
        for (int i = 0; i < Repeats; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            double cpuStart = ThreadCpuMilliseconds();
            action();
            best = Math.Min(best, ThreadCpuMilliseconds() - cpuStart);
            wallMs = Math.Min(wallMs, System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return best;
    }

    private static double Best(Func<float> action, out double wallMs) => Best(() => { _ = action(); }, out wallMs);

    /// <summary>The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) in milliseconds.</summary>
    internal static double ThreadCpuMilliseconds()
    {
        if (ClockGetTime(ThreadCpuClock, out TimeSpec time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return (time.Seconds * 1e3) + (time.Nanoseconds / 1e6);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
