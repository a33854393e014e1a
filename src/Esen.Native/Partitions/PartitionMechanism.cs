using Esen.Native.Cuda;

namespace Esen.Native.Partitions;

/// <summary>How a device's SMs are shared among the members running on it.</summary>
public enum PartitionMechanism
{
    /// <summary>No partitioning: every member gets its own stream on the whole device.</summary>
    None = 0,

    /// <summary>Green contexts (CUDA ≥ 12.4): disjoint SM groups from one split, in this process, no MPS needed.</summary>
    GreenContext = 1,

    /// <summary>MPS execution affinity: one context per member created with an SM count (Volta+, MPS daemon running).</summary>
    MpsExecutionAffinity = 2,

    /// <summary>MPS active-thread percentage: one worker process per member, limited through its environment.</summary>
    MpsThreadPercentage = 3,
}

/// <summary>Whether a mechanism can be used on a device, and why not when it cannot.</summary>
/// <param name="Mechanism">The mechanism.</param>
/// <param name="Available">True when the device and driver support it now.</param>
/// <param name="Reason">What it needs that is missing, or a note on how it behaves here.</param>
public sealed record MechanismAvailability(PartitionMechanism Mechanism, bool Available, string Reason);

/// <summary>What a device and its driver offer for partitioning; the input of every pure planning rule.</summary>
/// <param name="DriverVersion">The CUDA driver version (e.g. 12040).</param>
/// <param name="SmCount">SMs visible to this process.</param>
/// <param name="ComputeMajor">Compute capability, major.</param>
/// <param name="ComputeMinor">Compute capability, minor.</param>
/// <param name="MpsEnabled">Whether this process is an MPS client (the MPS daemon is running).</param>
/// <param name="ExecAffinitySupported">Whether the driver accepts contexts with an SM count.</param>
public sealed record PartitionCapabilities(
    int DriverVersion,
    int SmCount,
    int ComputeMajor,
    int ComputeMinor,
    bool MpsEnabled,
    bool ExecAffinitySupported)
{
    /// <summary>The capabilities of a probed device under the given driver.</summary>
    public static PartitionCapabilities From(CudaDeviceProperties device, int driverVersion) => new(
        driverVersion, device.SmCount, device.ComputeMajor, device.ComputeMinor, device.MpsEnabled, device.ExecAffinitySupported);
}

/// <summary>The spellings of <see cref="PartitionMechanism"/> on the command line and in stored profiles.</summary>
public static class PartitionMechanismNames
{
    private static readonly (PartitionMechanism Mechanism, string Name)[] s_names =
    [
        (PartitionMechanism.GreenContext, "green"),
        (PartitionMechanism.MpsExecutionAffinity, "mps-affinity"),
        (PartitionMechanism.MpsThreadPercentage, "mps-percentage"),
        (PartitionMechanism.None, "none"),
    ];

    /// <summary>Every name, in <see cref="PartitionPlanner.Preference"/> order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. s_names.Select(n => n.Name)];

    /// <summary>"green", "mps-affinity", "mps-percentage" or "none".</summary>
    public static string ToName(this PartitionMechanism mechanism) =>
        s_names.First(n => n.Mechanism == mechanism).Name;

    /// <summary>Parses a name of <see cref="All"/>; false for anything else.</summary>
    public static bool TryParse(string? name, out PartitionMechanism mechanism)
    {
        foreach ((PartitionMechanism m, string n) in s_names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                mechanism = m;
                return true;
            }
        }

        mechanism = PartitionMechanism.None;
        return false;
    }
}
