using System.Diagnostics;
using System.Numerics;

namespace Esen.Solver.Devices;

/// <summary>
/// Measures this machine as a <see cref="CpuDevice"/>: one core's FP32 FMA rate with a short
/// register-resident loop, and a copy bandwidth. Takes about a tenth of a second; the catalogue
/// measures once per process.
/// </summary>
public static class LocalCpu
{
    private const int FmaChains = 8;
    private const int FmaIterations = 1 << 20;
    private const int CopyBytes = 32 << 20;

    /// <summary>Measures the local CPU and names the entry <paramref name="name"/>.</summary>
    public static CpuDevice Measure(string name)
    {
        double gflopsPerCore = Enumerable.Range(0, 3).Max(_ => MeasureFmaGflops());
        double bandwidth = Enumerable.Range(0, 3).Max(_ => MeasureCopyBandwidth());
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new CpuDevice(
            name,
            Environment.ProcessorCount,
            gflopsPerCore,
            memory,
            bandwidth,
            $"measured on this machine: {FmaChains}-chain Vector<float> FMA loop on one core, {CopyBytes >> 20} MiB copy");
    }

    /// <summary>GFLOP/s of one core running independent FMA chains (2 FLOPs per lane per FMA).</summary>
    public static double MeasureFmaGflops()
    {
        Span<Vector<float>> accumulators = stackalloc Vector<float>[FmaChains];
        var multiplier = new Vector<float>(0.999999f);
        var addend = new Vector<float>(1e-7f);
        for (int c = 0; c < FmaChains; c++)
        {
            accumulators[c] = new Vector<float>(c + 1);
        }

        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < FmaIterations; i++)
        {
            // Eight independent chains hide the FMA latency (4-5 cycles at 2 issues per cycle).
            accumulators[0] = Vector.FusedMultiplyAdd(accumulators[0], multiplier, addend);
            accumulators[1] = Vector.FusedMultiplyAdd(accumulators[1], multiplier, addend);
            accumulators[2] = Vector.FusedMultiplyAdd(accumulators[2], multiplier, addend);
            accumulators[3] = Vector.FusedMultiplyAdd(accumulators[3], multiplier, addend);
            accumulators[4] = Vector.FusedMultiplyAdd(accumulators[4], multiplier, addend);
            accumulators[5] = Vector.FusedMultiplyAdd(accumulators[5], multiplier, addend);
            accumulators[6] = Vector.FusedMultiplyAdd(accumulators[6], multiplier, addend);
            accumulators[7] = Vector.FusedMultiplyAdd(accumulators[7], multiplier, addend);
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        float sink = 0;
        foreach (Vector<float> accumulator in accumulators)
        {
            sink += Vector.Sum(accumulator);
        }

        // Keeps the loop observable without printing anything.
        GC.KeepAlive(sink);
        double flops = 2.0 * Vector<float>.Count * FmaChains * FmaIterations;
        return flops / seconds / 1e9;
    }

    /// <summary>Bytes per second moved by copying a buffer larger than the caches (read + write).</summary>
    public static double MeasureCopyBandwidth()
    {
        byte[] source = new byte[CopyBytes];
        byte[] destination = new byte[CopyBytes];
        source.AsSpan().Fill(1);
        long start = Stopwatch.GetTimestamp();
        source.AsSpan().CopyTo(destination);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return 2.0 * CopyBytes / seconds;
    }
}
