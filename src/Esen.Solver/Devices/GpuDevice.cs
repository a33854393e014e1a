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

    /// <inheritdoc/>
    public override int Units => Sms;

    /// <summary>
    /// SMs granted by <c>CUDA_MPS_ACTIVE_THREAD_PERCENTAGE</c> = <paramref name="percent"/>: rounded down
    /// to whole TPCs, at least one TPC (MPS doc: "rounded down to the nearest hardware supported
    /// thread count limit").
    /// </summary>
    public override int UnitsForShare(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100.0);
        int tpcs = (int)Math.Floor((percent / 100.0 * Sms / SmsPerTpc) + 1e-9);
        return Math.Clamp(tpcs * SmsPerTpc, SmsPerTpc, Sms);
    }

    /// <summary>SMs granted by execution affinity for a request: rounded up to whole TPCs.</summary>
    public int SmsForAffinityRequest(int requestedSms)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestedSms);
        return Math.Min(Sms, (requestedSms + SmsPerTpc - 1) / SmsPerTpc * SmsPerTpc);
    }

    /// <summary>SMs in a green-context group for a request: at least the minimum, rounded up to the multiple.</summary>
    public int SmsForGreenContextRequest(int requestedSms)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestedSms);
        int rounded = (requestedSms + GreenContextSmMultiple - 1) / GreenContextSmMultiple * GreenContextSmMultiple;
        return Math.Min(Sms, Math.Max(GreenContextMinSms, rounded));
    }

    /// <inheritdoc/>
    public override double? PeakFlops(Precision precision) => precision switch
    {
        Precision.Fp32 => Fp32Tflops * 1e12,
        Precision.Fp16 => Fp16Tflops * 1e12,
        Precision.Int8 => Int8Tops * 1e12,
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };
}
