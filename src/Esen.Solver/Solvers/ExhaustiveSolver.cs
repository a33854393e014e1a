using System.Diagnostics;
using Esen.Solver.Planning;
using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// <c>exhaustive</c>: tries every (device, share) for every member, straight from the format's
/// definition (full tables, no dominance or symmetry reasoning), pruning only partial plans that
/// already break a capacity or cannot beat the best objective found. The test oracle; refuses
/// problems with more than <see cref="MaxCombinations"/> combinations.
/// </summary>
public sealed class ExhaustiveSolver : IAllocationSolver
{
    /// <summary>The largest Π over members of (devices × table entries) it accepts.</summary>
    public const double MaxCombinations = 2e7;

    /// <inheritdoc/>
    public string Name => "exhaustive";

    /// <summary>Number of complete assignments of a problem (before pruning).</summary>
    public static double Combinations(Problem problem) =>
        problem.Members.Aggregate(1.0, (product, m) => product * m.LatencyMs.Count * problem.Devices.Count);

    /// <inheritdoc/>
    public PlanResult Solve(Problem problem, SolverOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (problem.IsClustered)
        {
            return Outcome.Clustered(Name, clock);
        }

        double combinations = Combinations(problem);
        InstanceBound bound = LowerBound.Compute(problem);
        if (combinations > MaxCombinations)
        {
            return Outcome.Without(Name, PlanStatus.NoSolution, bound, $"refused: {combinations:G3} combinations exceed the limit of {MaxCombinations:G3}", clock);
        }

        var search = new Enumeration(problem);
        search.Run(0, 0);
        if (search.Best is null)
        {
            return Outcome.Infeasible(Name, "no assignment of devices and shares satisfies the capacities (exhaustive)", clock);
        }

        var plan = new Plan(search.Best.Value.DeviceOf, search.Best.Value.ShareOf);
        return new PlanResult(Name, PlanStatus.Optimal, plan, search.BestObjective, search.BestObjective, clock.Elapsed);
    }

    private sealed class Enumeration(Problem problem)
    {
        private readonly int[] _deviceOf = new int[problem.Members.Count];
        private readonly int[] _shareOf = new int[problem.Members.Count];
        private readonly int[] _shareUsed = new int[problem.Devices.Count];
        private readonly double[] _memoryUsed = new double[problem.Devices.Count];

        public (int[] DeviceOf, int[] ShareOf)? Best { get; private set; }

        public double BestObjective { get; private set; } = double.PositiveInfinity;

        // partial: the objective of the members placed so far (max or sum; both only grow).
        public void Run(int member, double partial)
        {
            if (partial >= BestObjective)
            {
                return;
            }

            if (member == problem.Members.Count)
            {
                BestObjective = partial;
                Best = ([.. _deviceOf], [.. _shareOf]);
                return;
            }

            ProblemMember m = problem.Members[member];
            for (int d = 0; d < problem.Devices.Count; d++)
            {
                if (_memoryUsed[d] + m.MemoryMb > problem.Devices[d].MemoryMb * (1 + 1e-9) + 1e-9)
                {
                    continue;
                }

                for (int k = 0; k < m.LatencyMs.Count; k++)
                {
                    int share = m.LatencyMs.Shares[k];
                    if (_shareUsed[d] + share > Problem.DeviceShareCapacity)
                    {
                        break;
                    }

                    double t = m.Weight * m.LatencyMs.LatenciesMs[k];
                    double next = problem.Objective == Objective.Latency ? partial + t : Math.Max(partial, t);
                    _deviceOf[member] = d;
                    _shareOf[member] = share;
                    _shareUsed[d] += share;
                    _memoryUsed[d] += m.MemoryMb;
                    Run(member + 1, next);
                    _shareUsed[d] -= share;
                    _memoryUsed[d] -= m.MemoryMb;
                }
            }
        }
    }
}
