namespace Esen.Solver.Devices;

/// <summary>
/// A CPU: members get whole cores. <paramref name="GflopsPerCore"/> is a measured FP32 FMA rate, not a
/// datasheet figure, because vector width, clocks and sharing with other processes vary per machine.
/// </summary>
/// <param name="Cores">Cores a plan may use.</param>
/// <param name="GflopsPerCore">Sustained FP32 GFLOP/s of one core (an FMA loop, or a user figure).</param>
public sealed record CpuDevice(string Name, int Cores, double GflopsPerCore, long MemoryBytes, double BandwidthBytesPerSecond, string Source)
    : Device(Name, MemoryBytes, BandwidthBytesPerSecond, Source)
{
    /// <inheritdoc/>
    public override int Units => Cores;

    /// <summary>Whole cores for a share, rounded to nearest, at least one.</summary>
    public override int UnitsForShare(double percent) => CoresForShare(percent, Cores);

    /// <summary>
    /// The whole cores a share of <paramref name="percent"/> of <paramref name="cores"/> amounts to:
    /// rounded to nearest, at least one. The planner, the cost model and the runtime's CPU partitions all use it.
    /// </summary>
    public static int CoresForShare(double percent, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cores);
        return Math.Clamp((int)Math.Round(percent / 100.0 * cores, MidpointRounding.AwayFromZero), 1, cores);
    }

    /// <summary>
    /// FP32 peak of all cores. FP16 and INT8 run at the FP32 rate here: the CPU executor computes in
    /// float32.
    /// </summary>
    public override double? PeakFlops(Precision precision) => Cores * GflopsPerCore * 1e9;
}
