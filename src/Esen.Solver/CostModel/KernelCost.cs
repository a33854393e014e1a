namespace Esen.Solver.CostModel;

/// <summary>
/// One kernel on one device, reduced to the quantities its time depends on; evaluated for any number
/// of granted units n (SMs or cores). The simulator uses the same object, so a member alone in the
/// simulator takes exactly the analytic time.
/// </summary>
/// <param name="Name">The kernel's graph node.</param>
/// <param name="Flops">Arithmetic after algorithm rewrites (Winograd).</param>
/// <param name="Ctas">Thread blocks of the launch (0 = no wave quantisation: CPU loops split evenly).</param>
/// <param name="FlopsPerUnitPerSecond">Achieved FLOP/s of one fully used SM (or core).</param>
/// <param name="Bytes">Compulsory DRAM traffic.</param>
/// <param name="PeakBandwidth">Achievable device bandwidth BW·e_m, bytes per second.</param>
/// <param name="SaturationUnits">Units at which one partition alone saturates <paramref name="PeakBandwidth"/>.</param>
/// <param name="OverheadSeconds">Fixed cost per kernel (launch, ramp-up, tail).</param>
/// <param name="DeviceUnits">All SMs (or cores) of the device.</param>
public sealed record KernelCost(
    string Name,
    double Flops,
    long Ctas,
    double FlopsPerUnitPerSecond,
    double Bytes,
    double PeakBandwidth,
    double SaturationUnits,
    double OverheadSeconds,
    int DeviceUnits)
{
    /// <summary>Compute time on <paramref name="units"/> units: whole waves of CTAs, one CTA per SM at a time.</summary>
    public double ComputeSeconds(double units)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        if (Flops <= 0)
        {
            return 0;
        }

        if (Ctas <= 0)
        {
            return Flops / (units * FlopsPerUnitPerSecond);
        }

        double waves = Math.Ceiling(Ctas / Math.Floor(Math.Max(units, 1)));
        return waves * (Flops / Ctas) / FlopsPerUnitPerSecond;
    }

    /// <summary>Bandwidth one partition of <paramref name="units"/> units can draw alone: BW·e_m·min(1, n/(s·N)).</summary>
    public double BandwidthCap(double units) => PeakBandwidth * Math.Min(1.0, units / SaturationUnits);

    /// <summary>Memory time on <paramref name="units"/> units with nobody else on the bus.</summary>
    public double MemorySeconds(double units) => Bytes <= 0 ? 0 : Bytes / BandwidthCap(units);

    /// <summary>Time alone on <paramref name="units"/> units: max(compute, memory) + overhead.</summary>
    public double Seconds(double units) => Math.Max(ComputeSeconds(units), MemorySeconds(units)) + OverheadSeconds;

    /// <summary>Units the kernel can occupy at once on a partition of <paramref name="units"/> (its CTA count caps it).</summary>
    public double BusyUnits(double units) => Ctas > 0 ? Math.Min(units, Ctas) : units;
}
