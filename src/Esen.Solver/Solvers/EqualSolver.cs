using System.Diagnostics;
using Esen.Solver.Planning;
using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// <c>equal</c>: the naive split. Worst-fit placement by memory, then every member on a device with
/// n members gets the largest share of its table not above 100/n %.
/// </summary>
public sealed class EqualSolver : IAllocationSolver
{
    /// <inheritdoc/>
    public string Name => "equal";

    /// <inheritdoc/>
    public PlanResult Solve(Problem problem, SolverOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (problem.IsClustered)
        {
            return Outcome.Clustered(Name, clock);
        }

        var instance = new Instance(problem);
        InstanceBound bound = LowerBound.Compute(instance);
        if (bound.IsInfeasible)
        {
            return Outcome.Infeasible(Name, bound.InfeasibleReason!, clock);
        }

        int[]? deviceOf = Placement.WorstFitByMemory(instance, minimalShares: null);
        if (deviceOf is null)
        {
            return Outcome.Without(Name, PlanStatus.NoSolution, bound, "worst-fit placement found no device for some member", clock);
        }

        int[] membersOn = new int[instance.DeviceCount];
        foreach (int d in deviceOf)
        {
            membersOn[d]++;
        }

        int[] shares = new int[instance.MemberCount];
        for (int i = 0; i < instance.MemberCount; i++)
        {
            int equalShare = Problem.DeviceShareCapacity / membersOn[deviceOf[i]];
            IReadOnlyList<int> table = problem.Members[i].LatencyMs.Shares;
            int? share = table.Where(s => s <= equalShare).Select(s => (int?)s).LastOrDefault();
            if (share is null)
            {
                return Outcome.Without(Name, PlanStatus.NoSolution, bound, $"member '{problem.Members[i].Name}' has no share at or below the equal split of {equalShare} %", clock);
            }

            shares[i] = share.Value;
        }

        return Outcome.WithPlan(Name, instance, bound, new Plan(deviceOf, shares), clock);
    }
}
