using System.Diagnostics;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// Problems across nodes (<see cref="Problem.IsClustered"/>): every copy of a member (its replicas) on a
/// device at a share, and a home node where requests enter; a copy on another node adds its member's
/// transfer time (input and output bytes over the link). The objective is the largest copy time,
/// minimised over the home node too (docs/problem-format.md, "Nodes, replicas and transfers").
/// </summary>
internal sealed class ClusterInstance
{
    public ClusterInstance(Problem problem)
    {
        Members = new Instance(problem);
        MemberOf = [.. problem.Members.SelectMany((m, i) => Enumerable.Repeat(i, m.Replicas))];
        string?[] nodes = [.. problem.Devices.Select(d => d.Node).Distinct()];
        NodeCount = nodes.Length;
        NodeOf = [.. problem.Devices.Select(d => Array.IndexOf(nodes, d.Node))];
        TransferMs = [.. Enumerable.Range(0, problem.Members.Count).Select(problem.TransferMs)];
        Candidates = [.. Members.Latency.SelectMany((l, m) => l.SelectMany(t => new[] { t, t + TransferMs[m] })).Distinct().Order()];
    }

    /// <summary>The members' useful shares and latencies, memory and devices.</summary>
    public Instance Members { get; }

    /// <summary>Member index per copy; the copies of a member are consecutive.</summary>
    public int[] MemberOf { get; }

    public int CopyCount => MemberOf.Length;

    public int NodeCount { get; }

    /// <summary>Node index per device.</summary>
    public int[] NodeOf { get; }

    /// <summary>Transfer time per member (ms) when it is not on the home node.</summary>
    public double[] TransferMs { get; }

    /// <summary>Every value the objective can take: a latency, or a latency plus its member's transfer.</summary>
    public double[] Candidates { get; }

    /// <summary>A copy's time on device <paramref name="device"/> at option <paramref name="option"/> with requests entering at <paramref name="home"/>.</summary>
    public double CopyMs(int copy, int device, int option, int home)
    {
        int m = MemberOf[copy];
        return Members.Latency[m][option] + (NodeOf[device] == home ? 0 : TransferMs[m]);
    }

    /// <summary>The objective of a plan: its largest copy time at the best home node.</summary>
    public double Objective(Plan plan) => Enumerable.Range(0, NodeCount).Min(home => Enumerable.Range(0, CopyCount).Max(c =>
        CopyMs(c, plan.DeviceOf[c], Array.IndexOf(Members.Shares[MemberOf[c]], plan.ShareOf[c]), home)));
}

/// <summary>The search and the MILP for problems across nodes (<see cref="ClusterInstance"/>).</summary>
internal static class ClusterSolver
{

    /// <summary>
    /// The search: for every home node, bisection over the candidate objective values; a candidate T is
    /// tried by placing the copies, largest share first, on the home node's devices at the smallest share
    /// that meets T (best fit: the device left fullest), and only where none has room on another node at
    /// the smallest share that meets T less the transfer. So members stay together unless splitting pays.
    /// </summary>
    public static PlanResult Search(string name, Problem problem, Stopwatch clock)
    {
        var cluster = new ClusterInstance(problem);
        InstanceBound bound = LowerBound.Compute(cluster.Members);
        if (bound.IsInfeasible)
        {
            return Outcome.Infeasible(name, bound.InfeasibleReason!, clock);
        }

        Plan? best = Search(cluster);
        return best is null
            ? Outcome.Without(name, PlanStatus.NoSolution, bound, "no home node and placement of the copies found", clock)
            : Result(name, cluster, bound.ValueMs, best, proven: false, clock);
    }

    /// <summary>
    /// The MILP: x[c,d,j] = copy c on device d at useful option j, z[n] = home node n, u[c,n] ≤ z[n] and
    /// ≤ "copy c on node n"; per copy Σ x = 1, per device Σ share·x ≤ 100 and Σ memory·x ≤ memory,
    /// Σ z = 1; minimise T. T is one of the candidate values, T = v₀ + Σ_k (v_k − v_{k−1})·w_k with binaries
    /// w_k ≥ w_{k+1} (w_k: T ≥ v_k), values above the search plan's left out; T covers each copy's time by
    /// rows with ±1 coefficients: Σ_d x[c,d,j] ≤ w(latency_j) and, per node n, Σ_{d∈n} x[c,d,j] − u[c,n] ≤
    /// w(latency_j + transfer). So the model is all integer (CP-SAT takes no continuous variables) and its
    /// rows need no rounding. The copies of a member are ordered by device index (they are interchangeable). Warm-started
    /// with the search plan.
    /// </summary>
    public static PlanResult Milp(string name, IMilpSolver backend, Problem problem, SolverOptions options, Stopwatch clock)
    {
        var cluster = new ClusterInstance(problem);
        Instance members = cluster.Members;
        InstanceBound bound = LowerBound.Compute(members);
        if (bound.IsInfeasible)
        {
            return Outcome.Infeasible(name, bound.InfeasibleReason!, clock);
        }

        if (!backend.IsSupported)
        {
            return Outcome.Without(name, PlanStatus.NoSolution, bound, $"{backend.Name} is not available: {backend.Availability}", clock);
        }

        Plan? incumbent = Search(cluster);
        var model = new MilpModel();
        var x = new List<(Variable Variable, int Option)>[cluster.CopyCount, members.DeviceCount];
        for (int c = 0; c < cluster.CopyCount; c++)
        {
            int m = cluster.MemberOf[c];
            for (int d = 0; d < members.DeviceCount; d++)
            {
                x[c, d] = Instance.FitsMemory(members.Memory[m], members.DeviceMemory[d])
                    ? [.. Enumerable.Range(0, members.Shares[m].Length).Select(j => (model.NewBoolVariable($"x_{c}_{d}_{members.Shares[m][j]}"), j))]
                    : [];
            }
        }

        Variable[] z = [.. Enumerable.Range(0, cluster.NodeCount).Select(n => model.NewBoolVariable($"z_{n}"))];
        model.Add(Sum(z.Select(v => (v, 1.0))).EqualTo(1), "one_home");
        double[] values = incumbent is null ? cluster.Candidates : [.. cluster.Candidates.Where(v => v <= cluster.Objective(incumbent) * (1 + 1e-12))];
        Variable[] steps = [.. Enumerable.Range(1, values.Length - 1).Select(k => model.NewBoolVariable($"w_{k}"))];
        for (int k = 1; k < steps.Length; k++)
        {
            model.Add(steps[k] - steps[k - 1] <= 0, $"steps_{k}");
        }

        LinearExpr makespan = Sum(steps.Select((w, k) => (w, values[k + 1] - values[k]))) + values[0];
        var u = new Variable[cluster.CopyCount, cluster.NodeCount];
        for (int c = 0; c < cluster.CopyCount; c++)
        {
            int m = cluster.MemberOf[c];
            model.Add(Sum(Enumerable.Range(0, members.DeviceCount).SelectMany(d => x[c, d]).Select(e => (e.Variable, 1.0))).EqualTo(1), $"place_{c}");
            for (int n = 0; n < cluster.NodeCount; n++)
            {
                u[c, n] = model.NewBoolVariable($"u_{c}_{n}");
                model.Add(u[c, n] - z[n] <= 0, $"home_{c}_{n}");
                model.Add(u[c, n] - OnNode(x, cluster, c, n, option: null) <= 0, $"on_{c}_{n}");
            }

            // T ≥ the copy's time, row by row with ±1 coefficients (exact on every backend): at option j the
            // copy needs the step of its latency, and, unless it sits on the home node, the step of its
            // latency plus the transfer; a time above every value left is forbidden.
            for (int j = 0; j < members.Shares[m].Length; j++)
            {
                double latency = members.Latency[m][j];
                LinearExpr anywhere = Sum(Enumerable.Range(0, members.DeviceCount).SelectMany(d => x[c, d].Where(e => e.Option == j)).Select(e => (e.Variable, 1.0)));
                model.Add(anywhere - StepAtLeast(steps, values, latency) <= 0, $"time_{c}_{j}");
                if (cluster.TransferMs[m] > 0)
                {
                    for (int n = 0; n < cluster.NodeCount; n++)
                    {
                        model.Add(OnNode(x, cluster, c, n, j) - u[c, n] - StepAtLeast(steps, values, latency + cluster.TransferMs[m]) <= 0, $"remote_{c}_{n}_{j}");
                    }
                }
            }

            if (c > 0 && cluster.MemberOf[c - 1] == m)
            {
                model.Add(DeviceIndex(x, c - 1, members.DeviceCount) - DeviceIndex(x, c, members.DeviceCount) <= 0, $"copies_{c}");
            }
        }

        for (int d = 0; d < members.DeviceCount; d++)
        {
            int device = d;
            IEnumerable<(Variable Variable, int Copy, int Option)> onDevice = Enumerable.Range(0, cluster.CopyCount).SelectMany(c => x[c, device].Select(e => (e.Variable, c, e.Option)));
            model.Add(Sum(onDevice.Select(e => (e.Variable, (double)members.Shares[cluster.MemberOf[e.Copy]][e.Option]))) <= Problem.DeviceShareCapacity, $"share_{d}");
            model.Add(Sum(onDevice.Select(e => (e.Variable, members.Memory[cluster.MemberOf[e.Copy]]))) <= members.DeviceMemory[d] * (1 + 1e-9), $"memory_{d}");
        }

        model.Minimize(makespan);
        if (incumbent is not null)
        {
            Hint(model, cluster, x, z, u, steps, values, incumbent);
        }

        TimeSpan remaining = options.TimeLimit - clock.Elapsed;
        MilpResult result = backend.Solve(model, new MilpSolveOptions { TimeLimit = remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), Threads = options.Threads });
        Plan? plan = result.HasSolution ? Extract(cluster, x, result) : null;
        if (plan is not null && incumbent is not null && cluster.Objective(incumbent) < cluster.Objective(plan))
        {
            plan = incumbent;
        }

        plan ??= incumbent;
        double proven = Math.Max(bound.ValueMs, double.IsFinite(result.BestBound) ? result.BestBound : double.NegativeInfinity);
        return result.Status switch
        {
            MilpStatus.Infeasible => Outcome.Infeasible(name, "no placement of the copies fits the devices (MILP)", clock),
            MilpStatus.Abandoned when plan is null => Outcome.Without(name, PlanStatus.NoSolution, bound, result.Message!, clock),
            MilpStatus.Abandoned => Result(name, cluster, bound.ValueMs, plan, proven: false, clock, reason: $"the search plan: {result.Message}"),
            _ when plan is null => Outcome.Without(name, PlanStatus.TimeLimit, bound, "the time limit passed before a placement was found", clock),
            MilpStatus.Optimal => Result(name, cluster, proven, plan, proven: true, clock),
            _ => Result(name, cluster, proven, plan, proven: false, clock, timedOut: true),
        };
    }

    private static Plan? Search(ClusterInstance cluster)
    {
        double[] candidates = cluster.Candidates;
        Plan? best = null;
        double bestValue = double.PositiveInfinity;
        for (int home = 0; home < cluster.NodeCount; home++)
        {
            // The largest candidate that could improve on the best so far; bisection below it.
            int hi = candidates.Length - 1;
            Plan? found = Place(cluster, home, candidates[hi]);
            if (found is null)
            {
                continue;
            }

            int lo = 0;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (Place(cluster, home, candidates[mid]) is Plan plan)
                {
                    found = plan;
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            double value = cluster.Objective(found);
            if (value < bestValue)
            {
                (best, bestValue) = (found, value);
            }
        }

        return best;
    }

    private static Plan? Place(ClusterInstance cluster, int home, double limit)
    {
        Instance members = cluster.Members;
        int[] shareLeft = [.. Enumerable.Repeat(Problem.DeviceShareCapacity, members.DeviceCount)];
        double[] memoryUsed = new double[members.DeviceCount];
        int[] deviceOf = new int[cluster.CopyCount];
        int[] shareOf = new int[cluster.CopyCount];
        int[] homeOption = [.. cluster.MemberOf.Select(m => members.MinimalOption(m, limit))];
        if (homeOption.Any(j => j < 0))
        {
            return null;
        }

        foreach (int c in Enumerable.Range(0, cluster.CopyCount).OrderByDescending(c => members.Shares[cluster.MemberOf[c]][homeOption[c]]).ThenByDescending(c => members.Memory[cluster.MemberOf[c]]))
        {
            int m = cluster.MemberOf[c];
            int remote = members.MinimalOption(m, limit - cluster.TransferMs[m]);
            int chosen = -1;
            int chosenShare = 0;
            foreach (bool atHome in new[] { true, false })
            {
                int option = atHome ? homeOption[c] : remote;
                if (option < 0)
                {
                    continue;
                }

                int share = members.Shares[m][option];
                for (int d = 0; d < members.DeviceCount; d++)
                {
                    bool fits = (cluster.NodeOf[d] == home) == atHome && share <= shareLeft[d]
                        && Instance.FitsMemory(memoryUsed[d] + members.Memory[m], members.DeviceMemory[d]);
                    if (fits && (chosen < 0 || shareLeft[d] < shareLeft[chosen]))
                    {
                        chosen = d;
                        chosenShare = share;
                    }
                }

                if (chosen >= 0)
                {
                    break;
                }
            }

            if (chosen < 0)
            {
                return null;
            }

            deviceOf[c] = chosen;
            shareOf[c] = chosenShare;
            shareLeft[chosen] -= chosenShare;
            memoryUsed[chosen] += members.Memory[m];
        }

        return new Plan(deviceOf, shareOf, cluster.MemberOf);
    }

    private static PlanResult Result(string name, ClusterInstance cluster, double boundMs, Plan plan, bool proven, Stopwatch clock, bool timedOut = false, string? reason = null)
    {
        double objective = cluster.Objective(plan);
        bool optimal = proven || objective <= boundMs * (1 + 1e-9);
        PlanStatus status = optimal ? PlanStatus.Optimal : timedOut ? PlanStatus.TimeLimit : PlanStatus.Feasible;
        return new PlanResult(name, status, plan, objective, Math.Min(boundMs, objective), clock.Elapsed, reason);
    }

    private static LinearExpr Sum(IEnumerable<(Variable Variable, double Coefficient)> terms)
    {
        var sum = new LinearExprBuilder();
        foreach ((Variable v, double a) in terms)
        {
            sum.Add(v, a);
        }

        return sum.Build();
    }

    // Copy c on node n (at option j, or at any option when null).
    private static LinearExpr OnNode(List<(Variable Variable, int Option)>[,] x, ClusterInstance cluster, int copy, int node, int? option) =>
        Sum(Enumerable.Range(0, cluster.Members.DeviceCount).Where(d => cluster.NodeOf[d] == node)
            .SelectMany(d => x[copy, d].Where(e => option is null || e.Option == option)).Select(e => (e.Variable, 1.0)));

    // What says T ≥ value: the constant 1 when every T is (value ≤ the smallest), the constant 0 when none
    // is (value above every T left: the time is forbidden), else the step w_k of the smallest value ≥ it.
    private static LinearExpr StepAtLeast(Variable[] steps, double[] values, double value)
    {
        if (value <= values[0])
        {
            return LinearExpr.FromConstant(1);
        }

        int k = Array.BinarySearch(values, value);
        return k >= 1 ? steps[k - 1] : ~k >= values.Length ? LinearExpr.FromConstant(0) : steps[~k - 1];
    }

    private static LinearExpr DeviceIndex(List<(Variable Variable, int Option)>[,] x, int copy, int devices) =>
        Sum(Enumerable.Range(0, devices).SelectMany(d => x[copy, d].Select(e => (e.Variable, (double)d))));

    private static Plan Extract(ClusterInstance cluster, List<(Variable Variable, int Option)>[,] x, MilpResult result)
    {
        Instance members = cluster.Members;
        int[] deviceOf = new int[cluster.CopyCount];
        int[] shareOf = new int[cluster.CopyCount];
        for (int c = 0; c < cluster.CopyCount; c++)
        {
            for (int d = 0; d < members.DeviceCount; d++)
            {
                foreach ((Variable v, int j) in x[c, d])
                {
                    if (result.Value(v) > 0.5)
                    {
                        deviceOf[c] = d;
                        shareOf[c] = members.Shares[cluster.MemberOf[c]][j];
                    }
                }
            }
        }

        return new Plan(deviceOf, shareOf, cluster.MemberOf);
    }

    // The search plan as a hint, its copies of each member reordered by device as the model orders them.
    private static void Hint(MilpModel model, ClusterInstance cluster, List<(Variable Variable, int Option)>[,] x, Variable[] z, Variable[,] u, Variable[] steps, double[] values, Plan plan)
    {
        Instance members = cluster.Members;
        int[] order = [.. Enumerable.Range(0, cluster.CopyCount).OrderBy(c => cluster.MemberOf[c]).ThenBy(c => plan.DeviceOf[c])];
        int home = Enumerable.Range(0, cluster.NodeCount).MinBy(h => Enumerable.Range(0, cluster.CopyCount).Max(c =>
            cluster.CopyMs(c, plan.DeviceOf[c], Array.IndexOf(members.Shares[cluster.MemberOf[c]], plan.ShareOf[c]), h)));
        for (int c = 0; c < cluster.CopyCount; c++)
        {
            int source = order[c];
            for (int d = 0; d < members.DeviceCount; d++)
            {
                foreach ((Variable v, int j) in x[c, d])
                {
                    model.SetHint(v, d == plan.DeviceOf[source] && members.Shares[cluster.MemberOf[c]][j] == plan.ShareOf[source] ? 1 : 0);
                }
            }

            for (int n = 0; n < cluster.NodeCount; n++)
            {
                model.SetHint(u[c, n], n == home && cluster.NodeOf[plan.DeviceOf[source]] == home ? 1 : 0);
            }
        }

        for (int n = 0; n < cluster.NodeCount; n++)
        {
            model.SetHint(z[n], n == home ? 1 : 0);
        }

        double objective = cluster.Objective(plan);
        for (int k = 0; k < steps.Length; k++)
        {
            model.SetHint(steps[k], values[k + 1] <= objective * (1 + 1e-12) ? 1 : 0);
        }
    }
}
