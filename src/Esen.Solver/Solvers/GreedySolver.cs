using System.Diagnostics;
using Esen.Solver.Planning;
using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// <c>greedy</c>: the multi-device system of Pochelu et al. (arXiv 2208.14049) adapted to SM
/// shares. Worst-fit placement by memory (a device must also have room for the member's smallest
/// share), every member at its smallest share, then one share step at a time: for makespan and
/// period to the member that sets the objective, for cascade latency to the member whose next step
/// lowers the latency the most; it stops when that step does not fit its device.
/// </summary>
public sealed class GreedySolver : IAllocationSolver
{
    /// <inheritdoc/>
    public string Name => "greedy";

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

        int[]? deviceOf = Placement.WorstFitByMemory(instance, [.. instance.Shares.Select(s => s[0])]);
        if (deviceOf is null)
        {
            return Outcome.Without(Name, PlanStatus.NoSolution, bound, "worst-fit placement found no device for some member", clock);
        }

        int[] option = new int[instance.MemberCount];
        int[] shareLeft = [.. Enumerable.Repeat(Problem.DeviceShareCapacity, instance.DeviceCount)];
        for (int i = 0; i < instance.MemberCount; i++)
        {
            shareLeft[deviceOf[i]] -= instance.Shares[i][0];
        }

        while (NextStep(instance, option, deviceOf, shareLeft) is int i)
        {
            shareLeft[deviceOf[i]] -= instance.Shares[i][option[i] + 1] - instance.Shares[i][option[i]];
            option[i]++;
        }

        return Outcome.WithPlan(Name, instance, bound, Outcome.FromOptions(instance, deviceOf, option), clock);
    }

    private static int? NextStep(Instance instance, int[] option, int[] deviceOf, int[] shareLeft)
    {
        bool Fits(int i) => option[i] + 1 < instance.Shares[i].Length
            && instance.Shares[i][option[i] + 1] - instance.Shares[i][option[i]] <= shareLeft[deviceOf[i]];

        if (instance.IsBottleneck)
        {
            int slowest = 0;
            for (int i = 1; i < instance.MemberCount; i++)
            {
                if (instance.Latency[i][option[i]] > instance.Latency[slowest][option[slowest]])
                {
                    slowest = i;
                }
            }

            return Fits(slowest) ? slowest : null;
        }

        int? best = null;
        double bestGain = 0;
        for (int i = 0; i < instance.MemberCount; i++)
        {
            if (Fits(i))
            {
                double gain = instance.Latency[i][option[i]] - instance.Latency[i][option[i] + 1];
                if (gain > bestGain)
                {
                    best = i;
                    bestGain = gain;
                }
            }
        }

        return best;
    }
}
