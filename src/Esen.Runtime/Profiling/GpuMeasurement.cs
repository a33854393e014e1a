using Esen.Kernels.Graph;
using Esen.Native.Partitions;

namespace Esen.Runtime.Profiling;

/// <summary>The GPU measurements come from: what a stored profile is keyed by.</summary>
/// <param name="Ordinal">The CUDA device ordinal.</param>
/// <param name="Name">The name the driver reports ("NVIDIA H200").</param>
/// <param name="Sms">SMs visible to this process.</param>
/// <param name="ComputeMajor">Compute capability, major.</param>
/// <param name="DriverVersion">The CUDA driver version (e.g. 13000).</param>
/// <param name="MemoryBytes">Device memory.</param>
public sealed record GpuIdentity(int Ordinal, string Name, int Sms, int ComputeMajor, int DriverVersion, long MemoryBytes)
{
    /// <summary>"cuda:0 (NVIDIA H200, 132 SMs)".</summary>
    public override string ToString() => $"cuda:{Ordinal} ({Name}, {Sms} SMs)";
}

/// <summary>The spread of repeated timings, in milliseconds.</summary>
/// <param name="MedianMs">Median.</param>
/// <param name="P10Ms">10th percentile.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="Runs">Timed runs.</param>
public sealed record TimingSummary(double MedianMs, double P10Ms, double P90Ms, int Runs)
{
    /// <summary>Summarises <paramref name="milliseconds"/> (at least one).</summary>
    public static TimingSummary Of(IReadOnlyList<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        ArgumentOutOfRangeException.ThrowIfZero(milliseconds.Count);
        double[] sorted = [.. milliseconds.Order()];
        return new TimingSummary(Quantile(sorted, 0.5), Quantile(sorted, 0.1), Quantile(sorted, 0.9), sorted.Length);
    }

    /// <summary>Nearest-rank quantile of an ascending array (q in [0, 1]).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling((q * sorted.Count) - 1e-9) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>What one measurement of members running together on partitions of a GPU found.</summary>
/// <param name="Mechanism">How the SMs were shared.</param>
/// <param name="SharesPercent">Each member's share.</param>
/// <param name="GrantedSms">SMs each member's partition really got (all SMs without partitions).</param>
/// <param name="Members">Each member's run on its partition's stream.</param>
/// <param name="Batch">From launching every member's batch together until the last one finished.</param>
/// <param name="MemoryBytes">Device memory each member took (weights, activations, workspaces).</param>
/// <param name="FirstRunMs">
/// Each member's first run, host wall clock: planning (with the convolution algorithm measurements), PTX loading,
/// the weight upload and the run itself; null where it was not taken.
/// </param>
public sealed record PartitionMeasurement(
    PartitionMechanism Mechanism,
    IReadOnlyList<int> SharesPercent,
    IReadOnlyList<int> GrantedSms,
    IReadOnlyList<TimingSummary> Members,
    TimingSummary Batch,
    IReadOnlyList<long> MemoryBytes,
    IReadOnlyList<double>? FirstRunMs = null);

/// <summary>
/// Measures members on real SM partitions of one GPU. The CUDA implementation is
/// <see cref="CudaGpuMeasurer"/>; planning code takes this interface so it is tested without a GPU.
/// </summary>
public interface IGpuMeasurer
{
    /// <summary>The GPU.</summary>
    GpuIdentity Gpu { get; }

    /// <summary>What the GPU and driver offer for partitioning.</summary>
    PartitionCapabilities Capabilities { get; }

    /// <summary>The share-to-SMs rule partitions of this GPU follow under <paramref name="mechanism"/>.</summary>
    SmPartitionPolicy Policy(PartitionMechanism mechanism);

    /// <summary>
    /// Runs <paramref name="members"/> (graphs with one float input) at <paramref name="batch"/>
    /// together, member i on a partition of <paramref name="sharesPercent"/>[i] under
    /// <paramref name="mechanism"/>, after warm-up runs, and reports medians of the timed runs.
    /// </summary>
    /// <param name="progress">Called with a short line as the measurement goes.</param>
    PartitionMeasurement Measure(IReadOnlyList<LayerGraph> members, int batch, PartitionMechanism mechanism, IReadOnlyList<int> sharesPercent, Action<string>? progress = null);
}
