using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Planning;

/// <summary>A lower bound on the optimum of an instance, or the reason it has no feasible plan.</summary>
/// <param name="ValueMs">The bound (meaningless when infeasible).</param>
/// <param name="InfeasibleReason">Set when a necessary condition fails: then no plan exists.</param>
public sealed record InstanceBound(double ValueMs, string? InfeasibleReason)
{
    /// <summary>True when the instance is proven infeasible.</summary>
    public bool IsInfeasible => InfeasibleReason is not null;
}

/// <summary>
/// Solver-independent lower bounds (docs/solvers.md). Makespan and period: the smallest candidate
/// value T at which every member can meet T and the members' minimal shares fit in the pooled share
/// capacity 100·D (the area bound; it includes max over members of their fastest latency). Cascade
/// latency: the multiple-choice knapsack optimum with the pooled capacity 100·D. Both also check
/// the necessary conditions for feasibility (each member fits some device's memory, total memory,
/// total minimal share).
/// </summary>
public static class LowerBound
{
    /// <summary>Computes the bound for <paramref name="problem"/>.</summary>
    public static InstanceBound Compute(Problem problem) => Compute(new Instance(problem));

    internal static InstanceBound Compute(Instance instance)
    {
        Problem problem = instance.Problem;
        double largestDevice = instance.DeviceMemory.Max();
        for (int i = 0; i < instance.MemberCount; i++)
        {
            if (!Instance.FitsMemory(instance.Memory[i], largestDevice))
            {
                return new(double.NaN, $"member '{problem.Members[i].Name}' needs {instance.Memory[i]} MB but the largest device has {largestDevice} MB");
            }
        }

        double totalMemory = instance.Memory.Sum();
        double totalDeviceMemory = instance.DeviceMemory.Sum();
        if (!Instance.FitsMemory(totalMemory, totalDeviceMemory))
        {
            return new(double.NaN, $"the members need {totalMemory} MB together but the devices have {totalDeviceMemory} MB");
        }

        int capacity = Problem.DeviceShareCapacity * instance.DeviceCount;
        int minimalTotal = instance.Shares.Sum(s => s[0]);
        if (minimalTotal > capacity)
        {
            return new(double.NaN, $"the members' smallest shares sum to {minimalTotal} % but {instance.DeviceCount} device(s) offer {capacity} %");
        }

        return new(instance.IsBottleneck ? AreaBound(instance, capacity) : PooledKnapsack(instance, capacity), null);
    }

    private static double AreaBound(Instance instance, int capacity)
    {
        double[] candidates = instance.Candidates;
        int lo = 0;
        int hi = candidates.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            int[]? shares = instance.MinimalShares(candidates[mid]);
            if (shares is not null && shares.Sum() <= capacity)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return candidates[lo];
    }

    private static double PooledKnapsack(Instance instance, int capacity)
    {
        // When the pool lets every member have its fastest share, that is the bound.
        if (instance.Shares.Sum(s => s[^1]) <= capacity)
        {
            return Enumerable.Range(0, instance.MemberCount).Sum(i => instance.Weight[i] * instance.Latency[i][^1]);
        }

        return ShareKnapsack.Solve(instance, Enumerable.Range(0, instance.MemberCount).ToArray(), capacity).Cost;
    }
}
