using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Esen.Benchmarks;

/// <summary>A benchmark parameter that knows how many floating-point operations one invocation performs.</summary>
public interface IFlopCount
{
    /// <summary>FLOPs per invocation (a fused multiply-add counts as 2).</summary>
    double Flops { get; }

    /// <summary>Whether each of the Threads parameter's threads performs <see cref="Flops"/> (a peak loop) rather than sharing them.</summary>
    bool PerThread => false;
}

/// <summary>
/// GFLOP/s from the fastest iteration (on a shared machine the mean mostly measures the other tenants) and the <see cref="IFlopCount"/> parameter, and the percentage of the FMA peak
/// given in ESEN_PEAK_GFLOPS (one thread's measured peak from FmaPeakBenchmarks, scaled by the Threads parameter).
/// </summary>
public sealed class FlopRateColumn(bool percentOfPeak) : IColumn
{
    public string Id => percentOfPeak ? "PercentOfPeak" : "GFlops";

    public string ColumnName => percentOfPeak ? "% peak" : "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => percentOfPeak ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => percentOfPeak
        ? "GFLOP/s as a percentage of ESEN_PEAK_GFLOPS × Threads"
        : "Floating-point operations per second (FMA = 2), from the fastest iteration (the machine is shared)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => !percentOfPeak || PeakPerThread() is not null;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        IFlopCount? work = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IFlopCount>().FirstOrDefault();
        double? bestNs = summary[benchmarkCase]?.ResultStatistics?.Min;
        if (work is null || bestNs is null or 0)
        {
            return "-";
        }

        int threads = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Threads")?.Value is int t ? t : 1;
        double gflops = work.Flops * (work.PerThread ? threads : 1) / bestNs.Value;
        if (!percentOfPeak)
        {
            return gflops.ToString("F1");
        }

        return (100 * gflops / (PeakPerThread()!.Value * threads)).ToString("F0");
    }

    private static double? PeakPerThread() =>
        double.TryParse(Environment.GetEnvironmentVariable("ESEN_PEAK_GFLOPS"), out double peak) && peak > 0 ? peak : null;
}

/// <summary>
/// Kernel benchmarks run in-process (no generated project to build on a shared two-core machine) with a short
/// job, and print GFLOP/s and percentage of peak next to the times.
/// </summary>
public sealed class KernelBenchmarkConfig : ManualConfig
{
    public KernelBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short-inprocess"));
        AddColumn(StatisticColumn.Min, new FlopRateColumn(percentOfPeak: false), new FlopRateColumn(percentOfPeak: true));
    }
}
