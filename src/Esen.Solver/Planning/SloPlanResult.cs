namespace Esen.Solver.Planning;

/// <summary>What the SLO planner chose for one served member.</summary>
/// <param name="Member">Member name.</param>
/// <param name="Batch">The largest batch a replica dispatches.</param>
/// <param name="Share">Share (percent) of each replica.</param>
/// <param name="Replicas">Number of identical replicas.</param>
/// <param name="P99Ms">Predicted p99 response time at the member's SLO rate.</param>
/// <param name="MaxRateRps">
/// The largest rate it sustains within the SLO: the p99 meets it at every rate from the SLO rate up to
/// this one in 1 % steps, and this one lies in the last step before the first that breaks it.
/// </param>
public sealed record ServingChoice(string Member, int Batch, int Share, int Replicas, double P99Ms, double MaxRateRps);

/// <summary>Where one replica runs.</summary>
/// <param name="Member">Member name.</param>
/// <param name="Replica">Replica index, from 0.</param>
/// <param name="Device">Device name.</param>
/// <param name="Share">Share in percent.</param>
public sealed record ReplicaAssignment(string Member, int Replica, string Device, int Share);

/// <summary>The SLO planner's answer for a serving problem.</summary>
/// <param name="Status"><see cref="PlanStatus.Optimal"/>, <see cref="PlanStatus.Infeasible"/>, or <see cref="PlanStatus.NoSolution"/> when the packing search ran out of budget.</param>
/// <param name="Members">One choice per member, in problem order; empty without a plan.</param>
/// <param name="Replicas">Every replica's device and share; empty without a plan.</param>
/// <param name="TotalShare">Σ share over every replica (percent of one device), when there is a plan.</param>
/// <param name="SolveTime">Wall-clock time.</param>
/// <param name="Reason">One line on why there is no plan.</param>
public sealed record SloPlanResult(
    PlanStatus Status,
    IReadOnlyList<ServingChoice> Members,
    IReadOnlyList<ReplicaAssignment> Replicas,
    int? TotalShare,
    TimeSpan SolveTime,
    string? Reason = null)
{
    /// <summary>The solver name in results and on the command line.</summary>
    public const string SolverName = "slo";
}
