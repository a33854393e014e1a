namespace Esen.Solver.Simulation;

/// <summary>What one member did in a simulation.</summary>
/// <param name="Name">Member name.</param>
/// <param name="Units">Units it ran on (its partition, or the whole device in default/sequential mode).</param>
/// <param name="StartSeconds">When its first kernel started.</param>
/// <param name="FinishSeconds">When its last kernel finished.</param>
/// <param name="AloneSeconds">Its analytic latency alone on <paramref name="Units"/> units.</param>
public sealed record MemberOutcome(string Name, int Units, double StartSeconds, double FinishSeconds, double AloneSeconds)
{
    /// <summary>Time from its start to its finish, relative to running alone (≥ 1 under contention).</summary>
    public double Slowdown => AloneSeconds > 0 ? (FinishSeconds - StartSeconds) / AloneSeconds : 1;
}

/// <summary>One kernel's span in the timeline (launch overhead included).</summary>
public sealed record KernelSpan(int Member, int Kernel, string Name, double StartSeconds, double EndSeconds);

/// <summary>A stretch of time with constant SM and bandwidth use.</summary>
/// <param name="SmFraction">Busy SMs ÷ all SMs.</param>
/// <param name="BandwidthFraction">Bytes moved per second ÷ peak bandwidth.</param>
public sealed record UtilizationSegment(double StartSeconds, double EndSeconds, double SmFraction, double BandwidthFraction);

/// <summary>The outcome of a simulation.</summary>
/// <param name="Device">Device name.</param>
/// <param name="Mode">How the members shared it.</param>
/// <param name="Members">Per-member outcomes, in input order.</param>
/// <param name="Kernels">Every kernel span (empty unless the timeline was recorded).</param>
/// <param name="Utilization">Utilisation over time (empty unless the timeline was recorded).</param>
public sealed record SimulationResult(
    string Device,
    SharingMode Mode,
    IReadOnlyList<MemberOutcome> Members,
    IReadOnlyList<KernelSpan> Kernels,
    IReadOnlyList<UtilizationSegment> Utilization)
{
    /// <summary>The ensemble's job completion time: the last member's finish.</summary>
    public double JctSeconds => Members.Count == 0 ? 0 : Members.Max(m => m.FinishSeconds);

    /// <summary>Time-averaged SM utilisation over [0, JCT].</summary>
    public double MeanSmUtilization => Average(s => s.SmFraction);

    /// <summary>Time-averaged bandwidth utilisation over [0, JCT].</summary>
    public double MeanBandwidthUtilization => Average(s => s.BandwidthFraction);

    private double Average(Func<UtilizationSegment, double> value) =>
        JctSeconds > 0 ? Utilization.Sum(s => value(s) * (s.EndSeconds - s.StartSeconds)) / JctSeconds : 0;
}
