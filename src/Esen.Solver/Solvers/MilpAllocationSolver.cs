using System.Diagnostics;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>Which mixed-integer formulation <see cref="MilpAllocationSolver"/> builds (docs/solvers.md).</summary>
public enum MilpFormulation
{
    /// <summary>
    /// Uses the structure: for makespan and period, bisection over the candidate objective values
    /// with a packing MILP per candidate (one binary per member × device, members at their minimal
    /// shares, identical devices ordered); for cascade latency, the assignment model over useful
    /// shares with the same symmetry breaking. Warm-started with the search plan.
    /// </summary>
    Structured,

    /// <summary>One binary per member × device × table share and an epigraph variable for max objectives; no warm start.</summary>
    Textbook,
}

/// <summary>
/// <c>milp</c>: the exact mixed-integer program on the solver-neutral <see cref="MilpModel"/>, solved by
/// an <see cref="IMilpSolver"/> backend within the time limit; reports status, objective, best bound
/// and gap. A time limit ends with the best plan found, its bound and status <c>time_limit</c>; a
/// backend that is missing or fails ends with status <c>no_solution</c> and its one-line message.
/// </summary>
public sealed class MilpAllocationSolver(IMilpSolver backend, MilpFormulation formulation = MilpFormulation.Structured) : IAllocationSolver
{
    /// <summary>The structured formulation on the default backend (<see cref="MilpBackends.Default"/>).</summary>
    public MilpAllocationSolver()
        : this(MilpBackends.Create(MilpBackends.Default))
    {
    }

    /// <summary>
    /// Start from the search plan and try first fit and the repairs (<c>Packing.Heuristic</c>) before each
    /// packing MILP (default). Off, every decision is the backend's; the tests use that to exercise the
    /// packing model itself.
    /// </summary>
    public bool UseHeuristics { get; init; } = true;

    /// <summary><c>milp:BACKEND</c>, or <c>milp-textbook:BACKEND</c> for the textbook formulation.</summary>
    public string Name => $"{(formulation == MilpFormulation.Textbook ? "milp-textbook" : "milp")}:{backend.Name}";

    /// <inheritdoc/>
    public PlanResult Solve(Problem problem, SolverOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (problem.IsClustered)
        {
            return ClusterSolver.Milp(Name, backend, problem, options, clock);
        }

        var instance = new Instance(problem);
        InstanceBound bound = LowerBound.Compute(instance);
        if (bound.IsInfeasible)
        {
            return Outcome.Infeasible(Name, bound.InfeasibleReason!, clock);
        }

        if (!backend.IsSupported)
        {
            return Outcome.Without(Name, PlanStatus.NoSolution, bound, $"{backend.Name} is not available: {backend.Availability}", clock);
        }

        if (formulation == MilpFormulation.Textbook)
        {
            return SolveAssignment(instance, bound, incumbent: null, options, clock);
        }

        Plan? incumbent = UseHeuristics ? new SearchSolver().Solve(problem, options).Plan : null;
        return instance.IsBottleneck
            ? SolveByBisection(instance, bound, incumbent, options, clock)
            : SolveAssignment(instance, bound, incumbent, options, clock);
    }

    // Makespan/period: the optimum is the smallest candidate T whose minimal shares pack.
    private PlanResult SolveByBisection(Instance instance, InstanceBound bound, Plan? incumbent, SolverOptions options, Stopwatch clock)
    {
        double[] candidates = instance.Candidates;
        int lo = Array.BinarySearch(candidates, bound.ValueMs);
        int hi;
        Plan best;
        if (incumbent is not null)
        {
            best = incumbent;
            hi = Array.BinarySearch(candidates, instance.ObjectiveOfShares(incumbent.ShareOf));
            hi = hi >= 0 ? hi : Math.Min(~hi, candidates.Length - 1);
        }
        else
        {
            hi = candidates.Length - 1;
            int[] loosest = instance.MinimalShares(candidates[hi])!;
            MilpResult packing = PackingFeasibility(instance, loosest, Remaining(options, clock), options.Threads, out int[]? placement);
            if (placement is null)
            {
                return packing.Status switch
                {
                    MilpStatus.Infeasible => Outcome.Infeasible(Name, "the members do not fit the devices even at their smallest shares (MILP)", clock),
                    MilpStatus.Abandoned => Outcome.Without(Name, PlanStatus.NoSolution, bound, packing.Message!, clock),
                    _ => Outcome.Without(Name, PlanStatus.TimeLimit, bound, "the time limit passed before a placement was found", clock),
                };
            }

            best = new Plan(placement, loosest);
        }

        // provenLo: every candidate below it is proven infeasible. A packing MILP gets half the
        // remaining time (all of it when it is the last candidate); one that runs out leaves the bound
        // where it is but the bisection goes on above it, so the rest of the time still improves the plan.
        // Only time leaves a candidate undecided, so a plan without proof ends as time_limit.
        int provenLo = lo;
        string? undecided = null;
        while (lo < hi && Remaining(options, clock) > TimeSpan.Zero)
        {
            int mid = (lo + hi) >>> 1;
            TimeSpan remaining = Remaining(options, clock);
            (MilpStatus status, int[]? placement, string? failure) = Decide(mid, lo + 1 < hi ? remaining / 2 : remaining);
            if (failure is not null)
            {
                return Outcome.Without(Name, PlanStatus.NoSolution, bound, failure, clock);
            }

            if (placement is not null)
            {
                hi = mid;
                best = new Plan(placement, instance.MinimalShares(candidates[mid])!);
            }
            else
            {
                // Infeasible at mid proves every smaller candidate infeasible too (larger minimal shares).
                if (status == MilpStatus.Infeasible)
                {
                    provenLo = Math.Max(provenLo, mid + 1);
                }
                else
                {
                    undecided ??= $"packing at {candidates[mid]} ms undecided in its time slice";
                }

                lo = mid + 1;
            }
        }

        // The bisection can end with time left and an undecided candidate below the plan. The rest of
        // the time goes to the candidate just below the plan: infeasible proves the plan optimal.
        while (provenLo < hi && Remaining(options, clock) > TimeSpan.Zero)
        {
            (MilpStatus status, int[]? placement, string? failure) = Decide(hi - 1, Remaining(options, clock));
            if (failure is not null)
            {
                return Outcome.Without(Name, PlanStatus.NoSolution, bound, failure, clock);
            }

            if (placement is not null)
            {
                hi--;
                best = new Plan(placement, instance.MinimalShares(candidates[hi])!);
            }
            else if (status == MilpStatus.Infeasible)
            {
                provenLo = hi;
            }
            else
            {
                undecided = $"packing at {candidates[hi - 1]} ms undecided in the time left";
                break;
            }
        }

        bool optimal = provenLo >= hi;
        return Outcome.WithPlan(Name, instance, bound, best, clock, provenOptimal: optimal, provenBound: candidates[Math.Min(provenLo, hi)],
            reason: optimal ? null : undecided ?? "time limit", timedOut: !optimal);

        // Packs the minimal shares of one candidate: first fit and the repairs of the best placement
        // and of a fresh spread (Packing.Heuristic, as in the search), then the packing MILP; a
        // backend failure comes back as its message.
        (MilpStatus Status, int[]? Placement, string? Failure) Decide(int candidate, TimeSpan limit)
        {
            int[] shares = instance.MinimalShares(candidates[candidate])!;
            if (UseHeuristics && Packing.Heuristic(instance, shares, best.DeviceOf) is int[] quick)
            {
                return (MilpStatus.Feasible, quick, null);
            }

            MilpResult packing = PackingFeasibility(instance, shares, limit, options.Threads, out int[]? placement);
            return (packing.Status, placement, packing.Status == MilpStatus.Abandoned ? packing.Message : null);
        }
    }

    /// <summary>Can members with fixed shares be placed? One binary per member × device.</summary>
    private MilpResult PackingFeasibility(Instance instance, int[] shares, TimeSpan limit, int threads, out int[]? placement)
    {
        var model = new MilpModel();
        var x = new Variable?[instance.MemberCount, instance.DeviceCount];
        for (int i = 0; i < instance.MemberCount; i++)
        {
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                if (Instance.FitsMemory(instance.Memory[i], instance.DeviceMemory[d]))
                {
                    x[i, d] = model.NewBoolVariable($"x_{i}_{d}");
                }
            }
        }

        AddAssignmentRows(model, instance, (i, d) => x[i, d] is Variable v ? [(v, shares[i])] : []);
        AddSymmetryBreaking(model, instance, (i, d) => x[i, d] is Variable v ? [v] : []);
        model.Minimize(0);

        MilpResult result = backend.Solve(model, new MilpSolveOptions { TimeLimit = limit, Threads = threads });
        if (!result.HasSolution)
        {
            placement = null;
            return result;
        }

        placement = new int[instance.MemberCount];
        for (int i = 0; i < instance.MemberCount; i++)
        {
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                if (x[i, d] is Variable v && result.Value(v) > 0.5)
                {
                    placement[i] = d;
                }
            }
        }

        return result;
    }

    // One binary per member × device × share. Structured: useful shares, symmetry breaking, warm start.
    private PlanResult SolveAssignment(Instance instance, InstanceBound bound, Plan? incumbent, SolverOptions options, Stopwatch clock)
    {
        // A warm start at the lower bound is optimal already; the model could only confirm it.
        if (incumbent is not null && Outcome.WithPlan(Name, instance, bound, incumbent, clock) is { Status: PlanStatus.Optimal } atBound)
        {
            return atBound;
        }

        bool textbook = formulation == MilpFormulation.Textbook;
        Problem problem = instance.Problem;
        var model = new MilpModel();
        var x = new List<(Variable Variable, int Share, double Latency)>[instance.MemberCount, instance.DeviceCount];
        for (int i = 0; i < instance.MemberCount; i++)
        {
            IReadOnlyList<int> shares = textbook ? problem.Members[i].LatencyMs.Shares : instance.Shares[i];
            double[] latencies = textbook ? [.. problem.Members[i].LatencyMs.LatenciesMs.Select(t => problem.Members[i].Weight * t)] : instance.Latency[i];
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                x[i, d] = [];
                if (Instance.FitsMemory(instance.Memory[i], instance.DeviceMemory[d]))
                {
                    for (int j = 0; j < shares.Count; j++)
                    {
                        x[i, d].Add((model.NewBoolVariable($"x_{i}_{d}_{shares[j]}"), shares[j], latencies[j]));
                    }
                }
            }
        }

        AddAssignmentRows(model, instance, (i, d) => [.. x[i, d].Select(e => (e.Variable, (double)e.Share))]);
        if (!textbook)
        {
            AddSymmetryBreaking(model, instance, (i, d) => [.. x[i, d].Select(e => e.Variable)]);
        }

        if (instance.IsBottleneck)
        {
            // Epigraph: T ≥ each member's latency.
            Variable makespan = model.NewNumVariable(0, double.PositiveInfinity, "T");
            for (int i = 0; i < instance.MemberCount; i++)
            {
                var latency = new LinearExprBuilder();
                for (int d = 0; d < instance.DeviceCount; d++)
                {
                    foreach ((Variable v, int _, double t) in x[i, d])
                    {
                        latency.Add(v, t);
                    }
                }

                model.Add(latency.Build() <= makespan, $"epigraph_{i}");
            }

            model.Minimize(makespan);
        }
        else
        {
            var objective = new LinearExprBuilder();
            for (int i = 0; i < instance.MemberCount; i++)
            {
                for (int d = 0; d < instance.DeviceCount; d++)
                {
                    foreach ((Variable v, int _, double t) in x[i, d])
                    {
                        objective.Add(v, t);
                    }
                }
            }

            model.Minimize(objective.Build());
        }

        if (incumbent is not null)
        {
            incumbent = InSymmetryOrder(instance, incumbent);
            for (int i = 0; i < instance.MemberCount; i++)
            {
                for (int d = 0; d < instance.DeviceCount; d++)
                {
                    foreach ((Variable v, int share, double _) in x[i, d])
                    {
                        model.SetHint(v, incumbent.DeviceOf[i] == d && incumbent.ShareOf[i] == share ? 1 : 0);
                    }
                }
            }
        }

        MilpResult result = backend.Solve(model, new MilpSolveOptions { TimeLimit = Remaining(options, clock), Threads = options.Threads });
        if (result.Status is MilpStatus.Abandoned or MilpStatus.Unbounded)
        {
            return Outcome.Without(Name, PlanStatus.NoSolution, bound, result.Message ?? $"{backend.Name} ended {result.Status}", clock);
        }

        if (result.Status == MilpStatus.Infeasible && incumbent is not null)
        {
            // A feasible warm start contradicts the claim; never report a solvable problem as infeasible.
            return Outcome.WithPlan(Name, instance, bound, incumbent, clock, reason: "the backend reported infeasible despite a feasible warm start; the warm start is returned");
        }

        if (result.Status == MilpStatus.Infeasible)
        {
            return Outcome.Infeasible(Name, "no assignment satisfies the capacities (MILP)", clock);
        }

        // Left: a time limit, with or without a solution.
        double provenBound = double.IsFinite(result.BestBound) ? result.BestBound : double.NegativeInfinity;
        if (!result.HasSolution)
        {
            return incumbent is not null
                ? Outcome.WithPlan(Name, instance, bound, incumbent, clock, provenBound: provenBound, reason: "time limit before a solution; the warm start is returned", timedOut: true)
                : Outcome.Without(Name, PlanStatus.TimeLimit, bound, "the time limit passed before a solution was found", clock);
        }

        int[] deviceOf = new int[instance.MemberCount];
        int[] shareOf = new int[instance.MemberCount];
        for (int i = 0; i < instance.MemberCount; i++)
        {
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                foreach ((Variable v, int share, double _) in x[i, d])
                {
                    if (result.Value(v) > 0.5)
                    {
                        deviceOf[i] = d;
                        shareOf[i] = share;
                    }
                }
            }
        }

        bool optimal = result.Status == MilpStatus.Optimal;
        return Outcome.WithPlan(Name, instance, bound, new Plan(deviceOf, shareOf), clock, provenOptimal: optimal, provenBound: provenBound,
            reason: optimal ? null : "time limit", timedOut: !optimal);
    }

    // Σ over devices of a member's binaries = 1; per device Σ share ≤ 100 and Σ memory ≤ capacity.
    private static void AddAssignmentRows(MilpModel model, Instance instance, Func<int, int, (Variable Variable, double Share)[]> terms)
    {
        for (int i = 0; i < instance.MemberCount; i++)
        {
            var once = new LinearExprBuilder();
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                foreach ((Variable v, double _) in terms(i, d))
                {
                    once.Add(v);
                }
            }

            model.Add(once.Build().EqualTo(1), $"assign_{i}");
        }

        double totalMemory = instance.Memory.Sum();
        for (int d = 0; d < instance.DeviceCount; d++)
        {
            var share = new LinearExprBuilder();
            var memory = new LinearExprBuilder();
            for (int i = 0; i < instance.MemberCount; i++)
            {
                foreach ((Variable v, double s) in terms(i, d))
                {
                    share.Add(v, s);
                    memory.Add(v, instance.Memory[i]);
                }
            }

            model.Add(share.Build() <= Problem.DeviceShareCapacity, $"share_{d}");
            if (!Instance.FitsMemory(totalMemory, instance.DeviceMemory[d]))
            {
                model.Add(memory.Build() <= instance.DeviceMemory[d], $"memory_{d}");
            }
        }
    }

    // Identical devices are interchangeable: label them so each used device's lowest-index member
    // precedes the next device's. Member i may use device q only if a member before i uses the
    // previous device p of its class.
    private static void AddSymmetryBreaking(MilpModel model, Instance instance, Func<int, int, Variable[]> on)
    {
        foreach (int[] devices in instance.DeviceClasses)
        {
            for (int k = 1; k < devices.Length; k++)
            {
                int p = devices[k - 1];
                int q = devices[k];
                var earlierOnP = new LinearExprBuilder();
                for (int i = 0; i < instance.MemberCount; i++)
                {
                    Variable[] onQ = on(i, q);
                    if (onQ.Length > 0)
                    {
                        model.Add(LinearExpr.Sum(onQ) <= earlierOnP.Build(), $"order_{p}_{q}_{i}");
                    }

                    foreach (Variable v in on(i, p))
                    {
                        earlierOnP.Add(v);
                    }
                }
            }
        }
    }

    // Relabels identical devices as the symmetry-breaking rows require (ordered by their lowest
    // member index, empty ones last), so the warm start is feasible for the model.
    private static Plan InSymmetryOrder(Instance instance, Plan plan)
    {
        int[] relabel = [.. Enumerable.Range(0, instance.DeviceCount)];
        foreach (int[] devices in instance.DeviceClasses)
        {
            int[] byFirstMember = [.. devices.OrderBy(d => Array.IndexOf(plan.DeviceOf, d) is int first and >= 0 ? first : int.MaxValue)];
            for (int k = 0; k < devices.Length; k++)
            {
                relabel[byFirstMember[k]] = devices[k];
            }
        }

        return plan with { DeviceOf = [.. plan.DeviceOf.Select(d => relabel[d])] };
    }

    private static TimeSpan Remaining(SolverOptions options, Stopwatch clock) => options.TimeLimit - clock.Elapsed;
}
