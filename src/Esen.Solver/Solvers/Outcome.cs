using System.Diagnostics;
using Esen.Solver.Planning;

namespace Esen.Solver.Solvers;

/// <summary>Builds <see cref="PlanResult"/>s the same way for every solver.</summary>
internal static class Outcome
{
    // Objectives equal to the bound up to rounding count as proven optimal.
    private const double Tolerance = 1e-9;

    /// <summary>A plan; <c>optimal</c> when proven or at the bound, else <c>time_limit</c> when the time limit stopped the solver, else <c>feasible</c>.</summary>
    public static PlanResult WithPlan(string solver, Instance instance, InstanceBound bound, Plan plan, Stopwatch clock, bool provenOptimal = false, double provenBound = double.NegativeInfinity, string? reason = null, bool timedOut = false)
    {
        double objective = instance.ObjectiveOfShares(plan.ShareOf);
        double best = Math.Max(bound.ValueMs, provenBound);
        bool optimal = provenOptimal || objective <= best * (1 + Tolerance);
        PlanStatus status = optimal ? PlanStatus.Optimal : timedOut ? PlanStatus.TimeLimit : PlanStatus.Feasible;
        return new PlanResult(solver, status, plan, objective, Math.Min(best, objective), clock.Elapsed, reason);
    }

    /// <summary>A baseline's answer to a problem across nodes, which only search and milp plan.</summary>
    public static PlanResult Clustered(string solver, Stopwatch clock) =>
        new(solver, PlanStatus.NoSolution, null, null, double.NaN, clock.Elapsed, "nodes, replicas and transfers are planned by search and milp only");

    public static PlanResult Infeasible(string solver, string reason, Stopwatch clock) =>
        new(solver, PlanStatus.Infeasible, null, null, double.NaN, clock.Elapsed, reason);

    public static PlanResult Without(string solver, PlanStatus status, InstanceBound bound, string reason, Stopwatch clock) =>
        new(solver, status, null, null, bound.ValueMs, clock.Elapsed, reason);

    /// <summary>Plan from a placement and a useful option per member.</summary>
    public static Plan FromOptions(Instance instance, int[] deviceOf, int[] option) =>
        new(deviceOf, [.. option.Select((j, i) => instance.Shares[i][j])]);
}
