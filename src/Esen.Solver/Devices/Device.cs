namespace Esen.Solver.Devices;

/// <summary>A device members can be placed on: a GPU or a CPU.</summary>
/// <param name="Name">The catalogue name (matched case-insensitively, ignoring '-', '_' and spaces).</param>
/// <param name="MemoryBytes">Memory a plan may fill with weights, activations and workspaces.</param>
/// <param name="BandwidthBytesPerSecond">Peak memory bandwidth (HBM/GDDR for GPUs, DRAM for CPUs).</param>
/// <param name="Source">Where the figures come from (datasheet, reference page, or "measured").</param>
public abstract record Device(string Name, long MemoryBytes, double BandwidthBytesPerSecond, string Source)
{
    /// <summary>
    /// The number of parallel units (SMs for a GPU, cores for a CPU) a member is granted at a share of
    /// <paramref name="percent"/> of the device, after the rounding of the partitioning mechanism.
    /// </summary>
    public abstract int UnitsForShare(double percent);

    /// <summary>The total number of parallel units (SMs or cores).</summary>
    public abstract int Units { get; }

    /// <summary>The dense peak in FLOP/s (or OP/s) for <paramref name="precision"/>, or null if unsupported.</summary>
    public abstract double? PeakFlops(Precision precision);

    /// <summary>Memory in MiB, the unit of <c>esen-problem/1</c>.</summary>
    public double MemoryMb => MemoryBytes / (1024.0 * 1024.0);
}
