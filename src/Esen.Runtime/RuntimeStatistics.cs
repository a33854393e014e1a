using Esen.Runtime.Execution;

namespace Esen.Runtime;

/// <summary>How many inputs reached and left one cascade stage.</summary>
/// <param name="Member">The stage's member name.</param>
/// <param name="Reached">Inputs the stage ran on.</param>
/// <param name="Exited">Inputs answered by the stage (all that reach the last stage).</param>
public sealed record StageStatistics(string Member, long Reached, long Exited)
{
    /// <summary>Exited ÷ reached (0 before any input arrived).</summary>
    public double ExitRatio => Reached == 0 ? 0 : (double)Exited / Reached;
}

/// <summary>One switch of a running pipeline to new partitions (<see cref="EnsembleRuntime.ReallocateAsync"/>).</summary>
/// <param name="MembersBefore">The members before, in spec order.</param>
/// <param name="GrantsBefore">Their partitions.</param>
/// <param name="MembersAfter">The members after, in spec order.</param>
/// <param name="GrantsAfter">Their partitions.</param>
/// <param name="Build">Time spent building the new runners, while the old partitions kept serving.</param>
/// <param name="Pause">Time no batch could be dispatched: from dispatch stopping, through the old partitions finishing their batches, to dispatch resuming on the new ones.</param>
/// <param name="BatchesDrained">Batches on the old partitions when dispatch stopped; each was finished and answered there.</param>
public sealed record Reallocation(
    IReadOnlyList<string> MembersBefore, IReadOnlyList<PartitionGrant> GrantsBefore, IReadOnlyList<string> MembersAfter, IReadOnlyList<PartitionGrant> GrantsAfter,
    TimeSpan Build, TimeSpan Pause, long BatchesDrained);

/// <summary>What a runtime has done so far.</summary>
/// <param name="Batches">Batches formed.</param>
/// <param name="Rows">Inputs in those batches.</param>
/// <param name="Stages">Cascade only: per stage, in order (empty for an ensemble).</param>
public sealed record RuntimeStatistics(long Batches, long Rows, IReadOnlyList<StageStatistics> Stages)
{
    /// <summary>Mean inputs per batch.</summary>
    public double MeanBatchRows => Batches == 0 ? 0 : (double)Rows / Batches;

    /// <summary>Every switch to new partitions so far, in order.</summary>
    public IReadOnlyList<Reallocation> Reallocations { get; init; } = [];

    /// <summary>The pauses of all reallocations together.</summary>
    public TimeSpan TotalPause => TimeSpan.FromTicks(Reallocations.Sum(r => r.Pause.Ticks));

    /// <summary>The longest pause of a reallocation (zero before any).</summary>
    public TimeSpan LongestPause => Reallocations.Count == 0 ? TimeSpan.Zero : Reallocations.Max(r => r.Pause);
}
