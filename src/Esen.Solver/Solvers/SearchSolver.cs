using System.Diagnostics;
using Esen.Solver.Planning;
using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// <c>search</c>: ESEN's search made exact where it can be (docs/solvers.md).
/// Makespan and period: binary search over the candidate objective values; at a candidate T every
/// member takes its smallest share with latency ≤ T, and T is feasible when those shares (with the
/// memory) pack into the devices. On one device packing is a sum, so the search is exact; on several
/// it is a 2-D bin packing solved by first fit, the breakout repair of the best placement so far
/// (<see cref="Packing.Repair"/>) and a budgeted depth-first search, exact whenever the depth-first
/// search finishes (the result says optimal only then, or when it meets the lower bound); the gap to
/// the bound is reported either way.
/// Cascade latency: on one device a multiple-choice knapsack over shares (exact); on several, a
/// worst-fit placement, the knapsack per device, and moves/swaps of members between devices while
/// they improve (a local optimum: heuristic).
/// </summary>
public sealed class SearchSolver : IAllocationSolver
{
    /// <summary>Depth-first packing nodes per candidate before giving up on a proof.</summary>
    public int NodeBudget { get; init; } = 2000;

    /// <inheritdoc/>
    public string Name => "search";

    /// <inheritdoc/>
    public PlanResult Solve(Problem problem, SolverOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (problem.IsClustered)
        {
            return ClusterSolver.Search(Name, problem, clock);
        }

        var instance = new Instance(problem);
        InstanceBound bound = LowerBound.Compute(instance);
        if (bound.IsInfeasible)
        {
            return Outcome.Infeasible(Name, bound.InfeasibleReason!, clock);
        }

        return instance.IsBottleneck
            ? SolveBottleneck(instance, bound, clock)
            : SolveLatency(instance, bound, options, clock);
    }

    private PlanResult SolveBottleneck(Instance instance, InstanceBound bound, Stopwatch clock)
    {
        double[] candidates = instance.Candidates;
        int lo = Array.BinarySearch(candidates, bound.ValueMs);
        int hi = candidates.Length - 1;
        int[] loosest = instance.MinimalShares(candidates[hi])!;
        Packing.Result top = Packing.Pack(instance, loosest, NodeBudget);
        if (top.DeviceOf is null)
        {
            return top.ProvenInfeasible
                ? Outcome.Infeasible(Name, "the members do not fit the devices even at their smallest shares", clock)
                : Outcome.Without(Name, PlanStatus.NoSolution, bound, "no placement found within the packing search budget", clock);
        }

        var best = new Plan(top.DeviceOf, loosest);
        int provenBelow = lo - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            int[] shares = instance.MinimalShares(candidates[mid])!;
            Packing.Result packed = Packing.Pack(instance, shares, NodeBudget, best.DeviceOf);
            if (packed.DeviceOf is int[] placement)
            {
                hi = mid;
                best = new Plan(placement, shares);
            }
            else
            {
                lo = mid + 1;
                if (packed.ProvenInfeasible)
                {
                    provenBelow = mid;
                }
            }
        }

        // The repair is a local search: a candidate it failed from an earlier, looser placement may
        // pack from the final one. Walk down while the repair of the best placement succeeds.
        while (hi - 1 > provenBelow && instance.MinimalShares(candidates[hi - 1]) is int[] lower && Packing.Repair(instance, lower, best.DeviceOf) is int[] placement)
        {
            hi--;
            best = new Plan(placement, lower);
        }

        return Outcome.WithPlan(Name, instance, bound, best, clock, provenOptimal: provenBelow == hi - 1, provenBound: candidates[provenBelow + 1]);
    }

    private PlanResult SolveLatency(Instance instance, InstanceBound bound, SolverOptions options, Stopwatch clock)
    {
        int[] all = [.. Enumerable.Range(0, instance.MemberCount)];
        if (instance.DeviceCount == 1)
        {
            (int[] options1, double _) = ShareKnapsack.Solve(instance, all, Problem.DeviceShareCapacity);
            return Outcome.WithPlan(Name, instance, bound, Outcome.FromOptions(instance, new int[instance.MemberCount], options1), clock, provenOptimal: true);
        }

        int[]? deviceOf = WorstFit(instance) ?? Packing.Pack(instance, [.. instance.Shares.Select(s => s[0])], NodeBudget).DeviceOf;
        if (deviceOf is null)
        {
            return Outcome.Without(Name, PlanStatus.NoSolution, bound, "no placement of the smallest shares found within the packing search budget", clock);
        }

        var local = new DeviceLocalSearch(instance, deviceOf);
        local.Improve(clock, options.TimeLimit);
        return Outcome.WithPlan(Name, instance, bound, local.ToPlan(), clock);
    }

    // Members in decreasing order of smallest share + memory, each to the device with the most free
    // share (counting smallest shares) that fits it: spreads members so each device has room to grow.
    private static int[]? WorstFit(Instance instance)
    {
        double largest = Math.Max(instance.DeviceMemory.Max(), 1e-12);
        int[] shareLeft = [.. Enumerable.Repeat(Problem.DeviceShareCapacity, instance.DeviceCount)];
        double[] memoryUsed = new double[instance.DeviceCount];
        int[] deviceOf = new int[instance.MemberCount];
        foreach (int i in Enumerable.Range(0, instance.MemberCount).OrderByDescending(i => (instance.Shares[i][0] / 100.0) + (instance.Memory[i] / largest)))
        {
            int chosen = -1;
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                if (instance.Shares[i][0] <= shareLeft[d] && Instance.FitsMemory(memoryUsed[d] + instance.Memory[i], instance.DeviceMemory[d])
                    && (chosen < 0 || shareLeft[d] > shareLeft[chosen]))
                {
                    chosen = d;
                }
            }

            if (chosen < 0)
            {
                return null;
            }

            deviceOf[i] = chosen;
            shareLeft[chosen] -= instance.Shares[i][0];
            memoryUsed[chosen] += instance.Memory[i];
        }

        return deviceOf;
    }

    /// <summary>Moves and swaps members between devices while the summed per-device knapsack optimum improves.</summary>
    private sealed class DeviceLocalSearch
    {
        private readonly Instance _instance;
        private readonly int[] _deviceOf;
        private readonly double[] _cost;
        private readonly double[] _memoryUsed;

        public DeviceLocalSearch(Instance instance, int[] deviceOf)
        {
            _instance = instance;
            _deviceOf = deviceOf;
            _cost = new double[instance.DeviceCount];
            _memoryUsed = new double[instance.DeviceCount];
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                _cost[d] = Cost(MembersOn(d, without: -1, with: -1));
            }

            for (int i = 0; i < instance.MemberCount; i++)
            {
                _memoryUsed[deviceOf[i]] += instance.Memory[i];
            }
        }

        public void Improve(Stopwatch clock, TimeSpan limit)
        {
            bool improved = true;
            while (improved && clock.Elapsed < limit)
            {
                improved = TryMoves() || TrySwaps();
            }
        }

        public Plan ToPlan()
        {
            int[] shares = new int[_instance.MemberCount];
            for (int d = 0; d < _instance.DeviceCount; d++)
            {
                int[] members = MembersOn(d, -1, -1);
                (int[] options, double _) = ShareKnapsack.Solve(_instance, members, Problem.DeviceShareCapacity);
                for (int k = 0; k < members.Length; k++)
                {
                    shares[members[k]] = _instance.Shares[members[k]][options[k]];
                }
            }

            return new Plan([.. _deviceOf], shares);
        }

        private bool TryMoves()
        {
            for (int i = 0; i < _instance.MemberCount; i++)
            {
                int from = _deviceOf[i];
                double fromCost = Cost(MembersOn(from, without: i, with: -1));
                for (int to = 0; to < _instance.DeviceCount; to++)
                {
                    if (to == from || !Instance.FitsMemory(_memoryUsed[to] + _instance.Memory[i], _instance.DeviceMemory[to]))
                    {
                        continue;
                    }

                    double toCost = Cost(MembersOn(to, without: -1, with: i));
                    if (fromCost + toCost < _cost[from] + _cost[to] - 1e-12)
                    {
                        Apply(i, from, to, fromCost, toCost);
                        return true;
                    }
                }
            }

            return false;
        }

        private bool TrySwaps()
        {
            for (int i = 0; i < _instance.MemberCount; i++)
            {
                for (int j = i + 1; j < _instance.MemberCount; j++)
                {
                    int a = _deviceOf[i];
                    int b = _deviceOf[j];
                    double memoryDelta = _instance.Memory[j] - _instance.Memory[i];
                    if (a == b || !Instance.FitsMemory(_memoryUsed[a] + memoryDelta, _instance.DeviceMemory[a]) || !Instance.FitsMemory(_memoryUsed[b] - memoryDelta, _instance.DeviceMemory[b]))
                    {
                        continue;
                    }

                    double aCost = Cost(MembersOn(a, without: i, with: j));
                    double bCost = Cost(MembersOn(b, without: j, with: i));
                    if (aCost + bCost < _cost[a] + _cost[b] - 1e-12)
                    {
                        Apply(i, a, b, _cost[a], _cost[b]);
                        Apply(j, b, a, bCost, aCost);
                        return true;
                    }
                }
            }

            return false;
        }

        private void Apply(int member, int from, int to, double fromCost, double toCost)
        {
            _deviceOf[member] = to;
            _memoryUsed[from] -= _instance.Memory[member];
            _memoryUsed[to] += _instance.Memory[member];
            _cost[from] = fromCost;
            _cost[to] = toCost;
        }

        private double Cost(int[] members) => ShareKnapsack.Solve(_instance, members, Problem.DeviceShareCapacity).Cost;

        private int[] MembersOn(int device, int without, int with)
        {
            var members = new List<int>();
            for (int i = 0; i < _instance.MemberCount; i++)
            {
                if ((_deviceOf[i] == device && i != without) || i == with)
                {
                    members.Add(i);
                }
            }

            return [.. members];
        }
    }
}
