using Esen.Solver.Problems;

namespace Esen.Solver.Planning;

/// <summary>How a solver ended (the <c>status</c> of the plan JSON contract).</summary>
public enum PlanStatus
{
    /// <summary>The plan is proven optimal.</summary>
    Optimal,

    /// <summary>A feasible plan without a proof of optimality (see the gap).</summary>
    Feasible,

    /// <summary>Proven: no plan satisfies the capacities.</summary>
    Infeasible,

    /// <summary>The time limit stopped the solver before it found a plan.</summary>
    TimeLimit,

    /// <summary>A heuristic found no plan; this proves nothing about the problem.</summary>
    NoSolution,
}

/// <summary>One member's placement.</summary>
/// <param name="Member">Member name.</param>
/// <param name="Device">Device name.</param>
/// <param name="Share">SM share in percent, a key of the member's table.</param>
/// <param name="Replica">Which copy of the member (0 unless the member has replicas).</param>
public sealed record Assignment(string Member, string Device, int Share, int Replica = 0);

/// <summary>
/// A placement of every copy by index: device index and share. Without <paramref name="MemberOf"/> copy i
/// is member i; with it (problems with replicas) copy i is a copy of member <c>MemberOf[i]</c>, the
/// copies of a member numbered in order.
/// </summary>
/// <param name="DeviceOf">Device index per copy.</param>
/// <param name="ShareOf">Share (percent) per copy.</param>
/// <param name="MemberOf">Member index per copy; null when every member has one copy, in member order.</param>
public sealed record Plan(int[] DeviceOf, int[] ShareOf, int[]? MemberOf = null)
{
    /// <summary>The member of copy <paramref name="copy"/>.</summary>
    public int MemberAt(int copy) => MemberOf?[copy] ?? copy;

    /// <summary>The plan with names, in copy order.</summary>
    public IReadOnlyList<Assignment> ToAssignments(Problem problem) =>
        [.. DeviceOf.Select((d, i) => new Assignment(problem.Members[MemberAt(i)].Name, problem.Devices[d].Name, ShareOf[i],
            Enumerable.Range(0, i).Count(j => MemberAt(j) == MemberAt(i))))];
}

/// <summary>What one solver returned for one problem.</summary>
/// <param name="Solver">Solver name (<c>search</c>, <c>milp</c>, ...).</param>
/// <param name="Status">How it ended.</param>
/// <param name="Plan">The plan, when there is one.</param>
/// <param name="ObjectiveMs">The plan's objective, when there is a plan.</param>
/// <param name="BoundMs">The best lower bound known: the instance bound, raised by the solver's own proof.</param>
/// <param name="SolveTime">Wall-clock time.</param>
/// <param name="Reason">One line on why there is no plan, or what limited the solver.</param>
public sealed record PlanResult(
    string Solver,
    PlanStatus Status,
    Plan? Plan,
    double? ObjectiveMs,
    double BoundMs,
    TimeSpan SolveTime,
    string? Reason = null)
{
    /// <summary>(objective − bound) / objective; 0 when optimal, null without a plan.</summary>
    public double? Gap => ObjectiveMs is double objective
        ? Status == PlanStatus.Optimal ? 0 : Math.Max(0, objective - BoundMs) / Math.Max(objective, 1e-12)
        : null;
}

/// <summary>Limits every solver respects where it applies.</summary>
public sealed record SolverOptions
{
    /// <summary>Wall-clock limit for one solve (MILP; the others are fast by construction).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Threads inside one MILP solve.</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>An allocation algorithm behind <c>esen plan --solver NAME</c>.</summary>
public interface IAllocationSolver
{
    /// <summary>The name used on the command line and in results.</summary>
    string Name { get; }

    /// <summary>Solves; returns a status rather than throwing for infeasible problems.</summary>
    PlanResult Solve(Problem problem, SolverOptions options);
}
