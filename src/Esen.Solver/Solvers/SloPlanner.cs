using System.Diagnostics;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Simulation;

namespace Esen.Solver.Solvers;

/// <summary>
/// Plans a serving problem: per member a batch size, a replica count and one share for all its
/// replicas, such that the predicted p99 (<see cref="QueueingPredictor"/>, Poisson arrivals at the
/// member's rate) meets its SLO, with the smallest Σ share over all replicas that packs into the
/// devices (share ≤ 100 and memory per device). Exact for the predictor: per (batch, share) the
/// fewest replicas that meet the SLO (binary search; the p99 does not grow with replicas), then a
/// branch and bound over the members' (share, replicas) options in order of cost with an exact
/// packing of the replicas at each leaf.
/// </summary>
public sealed class SloPlanner
{
    /// <summary>Nodes one packing search may visit before the planner gives up on proving a leaf.</summary>
    public const int PackingNodeBudget = 1_000_000;

    /// <summary>The factor between the rates at which the largest sustained rate is scanned (1 % steps).</summary>
    public const double RateStep = 1.01;

    private readonly QueueingPredictor _predictor;

    /// <summary>Creates a planner predicting with <paramref name="options"/> (defaults of <see cref="QueueingOptions"/>).</summary>
    public SloPlanner(QueueingOptions? options = null) => _predictor = new QueueingPredictor(options);

    /// <summary>The predicted response times of <paramref name="member"/> at a rate, batch, share and replica count.</summary>
    public QueueingPrediction Predict(ProblemMember member, double rateRps, int batch, int share, int replicas)
    {
        BatchLatencyTable tables = member.Batches ?? throw new ArgumentException($"member '{member.Name}' has no batch tables", nameof(member));
        return _predictor.Predict(rateRps, replicas, batch, (requests, _) => tables.ServiceMs(requests, share));
    }

    /// <summary>Plans <paramref name="problem"/>; infeasibility is a status, not an exception.</summary>
    /// <exception cref="ArgumentException">The problem is not of kind serving.</exception>
    public SloPlanResult Plan(Problem problem)
    {
        if (problem.Kind != ProblemKind.Serving)
        {
            throw new ArgumentException($"the SLO planner plans serving problems, not '{problem.Kind.ToJsonName()}'", nameof(problem));
        }

        var clock = Stopwatch.StartNew();
        int memberCount = problem.Members.Count;
        var options = new Option[memberCount][];
        for (int i = 0; i < memberCount; i++)
        {
            options[i] = Options(problem, i, out string? reason);
            if (options[i].Length == 0)
            {
                return new(PlanStatus.Infeasible, [], [], null, clock.Elapsed, reason);
            }
        }

        var search = new BranchAndBound(problem, options);
        search.Run();
        if (search.Best is not { } best)
        {
            return search.BudgetExhausted
                ? new(PlanStatus.NoSolution, [], [], null, clock.Elapsed, $"the packing search ran out of its {PackingNodeBudget} nodes")
                : new(PlanStatus.Infeasible, [], [], null, clock.Elapsed, "every member meets its SLO alone, but no combination of their replicas fits the devices together");
        }

        var choices = new ServingChoice[memberCount];
        var replicas = new List<ReplicaAssignment>();
        for (int i = 0; i < memberCount; i++)
        {
            ProblemMember member = problem.Members[i];
            Option chosen = options[i][best.Choice[i]];
            choices[i] = new(member.Name, chosen.Batch, chosen.Share, chosen.Replicas, chosen.P99Ms, MaxRate(member, chosen));
            for (int r = 0; r < chosen.Replicas; r++)
            {
                replicas.Add(new(member.Name, r, problem.Devices[best.DeviceOf[i][r]].Name, chosen.Share));
            }
        }

        PlanStatus status = search.BudgetExhausted ? PlanStatus.Feasible : PlanStatus.Optimal;
        return new(status, choices, replicas, best.Cost, clock.Elapsed);
    }

    // For each (batch, share) the fewest replicas meeting the SLO; one option per (share, replicas), the
    // only things packing and cost see, sorted by cost.
    private Option[] Options(Problem problem, int i, out string? reason)
    {
        ProblemMember member = problem.Members[i];
        ServiceLevelObjective slo = member.Slo!;
        BatchLatencyTable tables = member.Batches!;
        var byShape = new Dictionary<(int Share, int Replicas), Option>();
        double bestP99 = double.PositiveInfinity;
        bool anyFits = false;
        foreach (int share in tables.Tables[0].Shares)
        {
            int most = MaxReplicas(problem, member.MemoryMb, share);
            anyFits |= most > 0;
            foreach (int batch in tables.Batches)
            {
                // Below this many replicas the offered load exceeds what the replicas can serve.
                double perReplicaRps = batch * 1000 / tables.ServiceMs(batch, share);
                int fewest = (int)Math.Floor(slo.RateRps / perReplicaRps) + 1;
                if (fewest > most)
                {
                    continue;
                }

                QueueingPrediction atMost = Predict(member, slo.RateRps, batch, share, most);
                bestP99 = Math.Min(bestP99, atMost.P99Ms);
                if (atMost.P99Ms > slo.P99Ms)
                {
                    continue;
                }

                (int replicas, double p99) = (most, atMost.P99Ms);
                int low = fewest;
                int high = most;
                while (low < high)
                {
                    int mid = (low + high) >>> 1;
                    double midP99 = Predict(member, slo.RateRps, batch, share, mid).P99Ms;
                    if (midP99 <= slo.P99Ms)
                    {
                        (high, replicas, p99) = (mid, mid, midP99);
                    }
                    else
                    {
                        low = mid + 1;
                    }
                }

                if (!byShape.TryGetValue((share, replicas), out Option known) || p99 < known.P99Ms)
                {
                    byShape[(share, replicas)] = new Option(batch, share, replicas, p99);
                }
            }
        }

        reason = byShape.Count > 0 ? null
            : !anyFits ? $"member '{member.Name}' ({member.MemoryMb} MB) fits no device"
            : double.IsPositiveInfinity(bestP99) ? $"member '{member.Name}': the devices cannot serve {slo.RateRps} req/s at any batch and share"
            : $"member '{member.Name}': no batch, share and replica count meets p99 <= {slo.P99Ms} ms at {slo.RateRps} req/s (best {bestP99:0.###} ms)";
        return [.. byShape.Values.OrderBy(o => o.Cost).ThenBy(o => o.Replicas).ThenBy(o => o.Share)];
    }

    private static int MaxReplicas(Problem problem, double memoryMb, int share)
    {
        int total = 0;
        foreach (ProblemDevice device in problem.Devices)
        {
            int byShare = Problem.DeviceShareCapacity / share;
            int byMemory = 0;
            while (byMemory < byShare && Instance.FitsMemory((byMemory + 1) * memoryMb, device.MemoryMb))
            {
                byMemory++;
            }

            total += byMemory;
        }

        return total;
    }

    // The largest rate the chosen option sustains within the SLO. With batching and a finite sample the
    // p99 is not monotone in the rate, so a plain bisection could jump over a rate that breaks the SLO:
    // scan upwards from the SLO rate in steps of RateStep to the first step that breaks it (or the
    // replicas' service capacity, beyond which the queue grows without bound), then bisect within that step.
    private double MaxRate(ProblemMember member, Option option)
    {
        double capacity = option.Replicas * option.Batch * 1000 / member.Batches!.ServiceMs(option.Batch, option.Share);
        double low = member.Slo!.RateRps;
        double high = capacity;
        for (double next = low * RateStep; next < capacity; next = low * RateStep)
        {
            if (!Meets(next))
            {
                high = next;
                break;
            }

            low = next;
        }

        while (high - low > 1e-4 * low)
        {
            double mid = (low + high) / 2;
            (low, high) = Meets(mid) ? (mid, high) : (low, mid);
        }

        return low;

        bool Meets(double rate) => Predict(member, rate, option.Batch, option.Share, option.Replicas).P99Ms <= member.Slo.P99Ms;
    }

    private readonly record struct Option(int Batch, int Share, int Replicas, double P99Ms)
    {
        public int Cost => Share * Replicas;
    }

    private sealed record Leaf(int[] Choice, int[][] DeviceOf, int Cost);

    private sealed class BranchAndBound(Problem problem, Option[][] options)
    {
        private readonly int[] _choice = new int[options.Length];
        private readonly int[] _cheapestFrom = CheapestFrom(options);
        private readonly double _totalMemory = problem.Devices.Sum(d => d.MemoryMb);
        private int _nodes;

        public Leaf? Best { get; private set; }

        public bool BudgetExhausted { get; private set; }

        public void Run() => Visit(0, 0, 0);

        private static int[] CheapestFrom(Option[][] options)
        {
            int[] sum = new int[options.Length + 1];
            for (int i = options.Length - 1; i >= 0; i--)
            {
                sum[i] = sum[i + 1] + options[i][0].Cost;
            }

            return sum;
        }

        private void Visit(int member, int cost, double memory)
        {
            if (member == options.Length)
            {
                if (Pack() is { } deviceOf)
                {
                    Best = new Leaf([.. _choice], deviceOf, cost);
                }

                return;
            }

            for (int k = 0; k < options[member].Length; k++)
            {
                Option option = options[member][k];
                int next = cost + option.Cost;
                // Options are in cost order: once the bound fails for one it fails for the rest.
                if (next + _cheapestFrom[member + 1] > Problem.DeviceShareCapacity * problem.Devices.Count
                    || (Best is not null && next + _cheapestFrom[member + 1] >= Best.Cost))
                {
                    return;
                }

                double nextMemory = memory + (option.Replicas * problem.Members[member].MemoryMb);
                if (!Instance.FitsMemory(nextMemory, _totalMemory))
                {
                    continue;
                }

                _choice[member] = k;
                Visit(member + 1, next, nextMemory);
            }
        }

        // Every replica of the current choice onto a device: depth-first, largest share first; replicas of
        // one member are interchangeable (device indices never decrease along them) and so are devices
        // with equal memory and equal load.
        private int[][]? Pack()
        {
            var items = new List<(int Member, int Replica)>();
            for (int i = 0; i < options.Length; i++)
            {
                for (int r = 0; r < options[i][_choice[i]].Replicas; r++)
                {
                    items.Add((i, r));
                }
            }

            items.Sort((a, b) =>
            {
                int byShare = options[b.Member][_choice[b.Member]].Share.CompareTo(options[a.Member][_choice[a.Member]].Share);
                int byMemory = problem.Members[b.Member].MemoryMb.CompareTo(problem.Members[a.Member].MemoryMb);
                return byShare != 0 ? byShare : byMemory != 0 ? byMemory : a.Member != b.Member ? a.Member.CompareTo(b.Member) : a.Replica.CompareTo(b.Replica);
            });
            int deviceCount = problem.Devices.Count;
            int[] shareUsed = new int[deviceCount];
            double[] memoryUsed = new double[deviceCount];
            int[] placed = new int[items.Count];
            if (!Place(0))
            {
                return null;
            }

            int[][] deviceOf = [.. options.Select((o, i) => new int[o[_choice[i]].Replicas])];
            for (int k = 0; k < items.Count; k++)
            {
                deviceOf[items[k].Member][items[k].Replica] = placed[k];
            }

            return deviceOf;

            bool Place(int k)
            {
                if (k == items.Count)
                {
                    return true;
                }

                if (++_nodes > PackingNodeBudget)
                {
                    BudgetExhausted = true;
                    return false;
                }

                (int member, _) = items[k];
                int share = options[member][_choice[member]].Share;
                double memoryMb = problem.Members[member].MemoryMb;
                bool sameAsPrevious = k > 0 && items[k - 1].Member == member;
                for (int d = sameAsPrevious ? placed[k - 1] : 0; d < deviceCount; d++)
                {
                    if (shareUsed[d] + share > Problem.DeviceShareCapacity
                        || !Instance.FitsMemory(memoryUsed[d] + memoryMb, problem.Devices[d].MemoryMb)
                        || Interchangeable(d))
                    {
                        continue;
                    }

                    (shareUsed[d], memoryUsed[d], placed[k]) = (shareUsed[d] + share, memoryUsed[d] + memoryMb, d);
                    bool done = Place(k + 1);
                    (shareUsed[d], memoryUsed[d]) = (shareUsed[d] - share, memoryUsed[d] - memoryMb);
                    if (done || BudgetExhausted)
                    {
                        return done;
                    }
                }

                return false;

                bool Interchangeable(int d)
                {
                    for (int e = sameAsPrevious ? placed[k - 1] : 0; e < d; e++)
                    {
                        if (shareUsed[e] == shareUsed[d] && memoryUsed[e] == memoryUsed[d] && problem.Devices[e].MemoryMb == problem.Devices[d].MemoryMb)
                        {
                            return true;
                        }
                    }

                    return false;
                }
            }
        }
    }
}
