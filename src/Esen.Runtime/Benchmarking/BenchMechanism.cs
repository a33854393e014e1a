using Esen.Native.Partitions;

namespace Esen.Runtime.Benchmarking;

/// <summary>
/// How a bench row shares the GPU among the members: one partition mechanism (<see cref="PartitionMechanism.None"/>:
/// every member on all SMs at once), or <see cref="Sequential"/>: the members one after another, each
/// on all SMs.
/// </summary>
/// <param name="Partitions">The partition mechanism; null for sequential.</param>
public sealed record BenchMechanism(PartitionMechanism? Partitions)
{
    /// <summary>The spelling of <see cref="Sequential"/>.</summary>
    public const string SequentialName = "sequential";

    /// <summary>The members one after another, each on all SMs.</summary>
    public static BenchMechanism Sequential { get; } = new((PartitionMechanism?)null);

    /// <summary>Every name: the partition mechanisms' (<see cref="PartitionMechanismNames.All"/>), then "sequential".</summary>
    public static IReadOnlyList<string> Names { get; } = [.. PartitionMechanismNames.All, SequentialName];

    /// <summary>"green", "mps-affinity", "mps-percentage", "none" or "sequential".</summary>
    public string Name => Partitions?.ToName() ?? SequentialName;

    /// <summary>Parses a name of <see cref="Names"/>; false for anything else.</summary>
    public static bool TryParse(string? name, out BenchMechanism mechanism)
    {
        if (PartitionMechanismNames.TryParse(name, out PartitionMechanism partitions))
        {
            mechanism = new BenchMechanism(partitions);
            return true;
        }

        mechanism = Sequential;
        return string.Equals(name, SequentialName, StringComparison.Ordinal);
    }

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}

/// <summary>Which shares a bench row gives the members.</summary>
public enum BenchSplit
{
    /// <summary>Every member the same share: the largest grantable one that lets all members fit.</summary>
    Equal,

    /// <summary>The shares the measured planner chooses (<see cref="Planning.MeasuredPlanner"/>).</summary>
    Planned,

    /// <summary>No partitions: every member on all SMs.</summary>
    None,
}

/// <summary>The spellings of <see cref="BenchSplit"/> in reports.</summary>
public static class BenchSplitNames
{
    /// <summary>"equal", "planned" or "none".</summary>
    public static string ToName(this BenchSplit split) => split.ToString().ToLowerInvariant();
}
