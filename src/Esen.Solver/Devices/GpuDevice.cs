using Esen.Native.Partitions;

namespace Esen.Solver.Devices;

/// <summary>
/// A GPU with the figures the cost model and the simulator need (gpu-facts §3). Peaks are dense
/// vendor figures at boost clock; tensor figures without sparsity.
/// </summary>
/// <param name="ComputeCapability">e.g. "8.0".</param>
/// <param name="Sms">Streaming multiprocessors.</param>
/// <param name="Fp32Tflops">FP32 SIMT peak.</param>
/// <param name="Fp16Tflops">FP16 tensor-core peak (dense).</param>
/// <param name="Int8Tops">INT8 tensor-core peak (dense), null where the part has none.</param>
/// <param name="L2Bytes">L2 cache size.</param>
/// <param name="TdpWatts">Board power limit.</param>
/// <param name="MpsClientLimit">Client CUDA contexts one MPS server accepts per device.</param>
/// <param name="GreenContextMinSms">Smallest green-context SM group.</param>
/// <param name="GreenContextSmMultiple">Green-context SM groups are multiples of this.</param>
/// <param name="BandwidthSaturationFraction">
/// Fraction of the SMs one partition needs to saturate DRAM bandwidth, where it was fitted for this
/// device; null uses the cost model's default.
/// </param>
/// <param name="SustainedClockFraction">
/// Sustained tensor-core clock relative to boost under full load; below 1 only for power-capped parts
/// (the 70 W T4), where the vendor peak is not reachable for long. A device fact, fitted once.
/// </param>
public sealed record GpuDevice(
    string Name,
    string ComputeCapability,
    int Sms,
    double Fp32Tflops,
    double Fp16Tflops,
    double? Int8Tops,
    long MemoryBytes,
    double BandwidthBytesPerSecond,
    long L2Bytes,
    double TdpWatts,
    int MpsClientLimit,
    int GreenContextMinSms,
    int GreenContextSmMultiple,
    double SustainedClockFraction,
    string Source,
    double? BandwidthSaturationFraction = null)
    : Device(Name, MemoryBytes, BandwidthBytesPerSecond, Source)
{
    /// <summary>
    /// MPS and execution affinity grant SMs per TPC (2 SMs) on Volta and later (gpu-facts §1.2:
    /// iGniter's 2.5 % unit on the 80-SM V100).
    /// </summary>
    public const int SmsPerTpc = 2;

    /// <summary>
    /// How members share this GPU's SMs in plans, simulations and the cost model. MPS active-thread
    /// percentage by default: the mechanism of the published latency-vs-share measurements the cost
    /// model is validated against, and one that grants every integer percent.
    /// </summary>
    public PartitionMechanism Mechanism { get; init; } = PartitionMechanism.MpsThreadPercentage;

    /// <summary>The share-to-SMs rule of <see cref="Mechanism"/> on this GPU (the runtime's rule too).</summary>
    public SmPartitionPolicy Partitioning => PartitioningFor(Mechanism);

    /// <inheritdoc/>
    public override int Units => Sms;

    /// <summary>The SMs a member at <paramref name="percent"/> runs on, by <see cref="Partitioning"/>.</summary>
    public override int UnitsForShare(double percent) => Partitioning.SmsForShare(percent);

    /// <summary>
    /// The share-to-SMs rule of <paramref name="mechanism"/> on this GPU; green contexts use the
    /// catalogue's minimum group and multiple.
    /// </summary>
    public SmPartitionPolicy PartitioningFor(PartitionMechanism mechanism) => SmPartitionPolicy.For(
        mechanism,
        Sms,
        ComputeMajor,
        mechanism == PartitionMechanism.GreenContext ? new SmGranularity(GreenContextMinSms, GreenContextSmMultiple) : null);

    /// <summary>The major compute capability ("9.0" → 9); 0 when the catalogue does not know it.</summary>
    public int ComputeMajor =>
        int.TryParse(ComputeCapability.AsSpan(0, Math.Max(0, ComputeCapability.IndexOf('.', StringComparison.Ordinal))), System.Globalization.NumberStyles.None, null, out int major)
            ? major
            : 0;

    /// <inheritdoc/>
    public override double? PeakFlops(Precision precision) => precision switch
    {
        Precision.Fp32 => Fp32Tflops * 1e12,
        Precision.Fp16 => Fp16Tflops * 1e12,
        Precision.Int8 => Int8Tops * 1e12,
        Precision.Tf32 => PrecisionInfo.Tf32TensorTflops(ComputeMajor, Fp16Tflops) * 1e12,
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };
}
