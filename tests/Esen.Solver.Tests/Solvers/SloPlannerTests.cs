using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Simulation;
using Esen.Solver.Solvers;

namespace Esen.Solver.Tests.Solvers;

public class SloPlannerTests
{
    // Short simulations keep the brute force quick; planner and oracle predict with the same ones.
    private static readonly QueueingOptions s_options = new() { Requests = 3000, WarmUp = 300, Seed = 3 };
    private static readonly int[] s_shares = [25, 50, 75, 100];
    private static readonly int[] s_batches = [1, 2, 4];

    /// <summary>
    /// Seeded serving problems: t(b, s) = (a + c·b)·(0.4 + 0.6·100/s) ms, rates from 0.05 to 0.4 times
    /// one full device's batch-4 capacity, p99 objectives of 3–10 lone-request latencies, 1–2 devices,
    /// replica memory that binds on some.
    /// </summary>
    private static Problem RandomServing(int seed)
    {
        var random = new Random(seed);
        int members = 2 + random.Next(2);
        int devices = 1 + random.Next(2);
        var list = new List<ProblemMember>();
        for (int i = 0; i < members; i++)
        {
            double fixedMs = 0.5 + (1.5 * random.NextDouble());
            double perRequestMs = 0.3 + (1.5 * random.NextDouble());
            double Latency(int batch, int share) => Math.Round((fixedMs + (perRequestMs * batch)) * (0.4 + (60.0 / share)), 2);
            var tables = new BatchLatencyTable(s_batches.Select(b => KeyValuePair.Create(b, new LatencyTable(s_shares, [.. s_shares.Select(s => Latency(b, s))]))));
            double rate = (0.05 + (0.35 * random.NextDouble())) * 4 * 1000 / Latency(4, 100);
            double p99 = (3 + (7 * random.NextDouble())) * Latency(1, 100);
            list.Add(ProblemMember.Serving($"m{i}", 1000 + random.Next(5000), new ServiceLevelObjective(Math.Round(rate), Math.Round(p99, 2)), tables));
        }

        return new Problem(ProblemKind.Serving, Objective.Share, Enumerable.Range(0, devices).Select(d => new ProblemDevice($"gpu{d}", 8000)), list);
    }

    /// <summary>
    /// The smallest Σ share over every (batch, share, replicas) per member and every device of every
    /// replica, from the definitions; null when nothing meets every SLO and fits.
    /// </summary>
    private static int? BruteForce(Problem problem, SloPlanner predictor)
    {
        int devices = problem.Devices.Count;
        var feasible = problem.Members.Select(m =>
        {
            var found = new List<(int Share, int Replicas)>();
            foreach (int batch in m.Batches!.Batches)
            {
                foreach (int share in s_shares)
                {
                    for (int replicas = 1; replicas <= devices * 100 / share; replicas++)
                    {
                        if (predictor.Predict(m, m.Slo!.RateRps, batch, share, replicas).P99Ms <= m.Slo.P99Ms)
                        {
                            found.Add((share, replicas));
                        }
                    }
                }
            }

            return found.Distinct().ToArray();
        }).ToArray();

        int? best = null;
        foreach (int[] pick in Product(feasible.Select(f => f.Length).ToArray()))
        {
            var items = new List<(int Share, double Memory)>();
            for (int i = 0; i < pick.Length; i++)
            {
                (int share, int replicas) = feasible[i][pick[i]];
                items.AddRange(Enumerable.Repeat((share, problem.Members[i].MemoryMb), replicas));
            }

            int cost = items.Sum(it => it.Share);
            if ((best is null || cost < best) && Packs(items, problem.Devices))
            {
                best = cost;
            }
        }

        return best;
    }

    // Every device for every replica (after the pooled capacities, which every packing must meet).
    private static bool Packs(List<(int Share, double Memory)> items, IReadOnlyList<ProblemDevice> devices)
    {
        if (items.Sum(it => it.Share) > 100 * devices.Count || items.Sum(it => it.Memory) > devices.Sum(d => d.MemoryMb))
        {
            return false;
        }

        foreach (int[] deviceOf in Product([.. items.Select(_ => devices.Count)]))
        {
            int[] share = new int[devices.Count];
            double[] memory = new double[devices.Count];
            for (int k = 0; k < items.Count; k++)
            {
                share[deviceOf[k]] += items[k].Share;
                memory[deviceOf[k]] += items[k].Memory;
            }

            if (Enumerable.Range(0, devices.Count).All(d => share[d] <= 100 && memory[d] <= devices[d].MemoryMb))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<int[]> Product(int[] sizes)
    {
        if (sizes.Any(s => s == 0))
        {
            yield break;
        }

        int[] index = new int[sizes.Length];
        while (true)
        {
            yield return [.. index];
            int k = 0;
            while (k < sizes.Length && ++index[k] == sizes[k])
            {
                index[k++] = 0;
            }

            if (k == sizes.Length)
            {
                yield break;
            }
        }
    }

    [Fact]
    public void Plan_EqualsBruteForce_OnSmallInstances()
    {
        var planner = new SloPlanner(s_options);
        int feasible = 0, infeasible = 0;
        var reasons = new List<string>();
        for (int seed = 0; seed < 30; seed++)
        {
            Problem problem = RandomServing(seed);

            SloPlanResult result = planner.Plan(problem);
            int? optimum = BruteForce(problem, planner);

            Assert.True(optimum == result.TotalShare, $"seed {seed}: {result.Reason}; planner {result.TotalShare?.ToString() ?? result.Reason}, brute force {optimum?.ToString() ?? "infeasible"}");
            if (optimum is null)
            {
                infeasible++;
                reasons.Add(result.Reason!);
                Assert.Equal(PlanStatus.Infeasible, result.Status);
                Assert.False(string.IsNullOrEmpty(result.Reason));
                continue;
            }

            feasible++;
            Assert.Equal(PlanStatus.Optimal, result.Status);
            CheckPlan(problem, result, planner);
        }

        Assert.True(feasible >= 10 && infeasible >= 2, string.Join("\n", reasons) + $"{feasible} feasible, {infeasible} infeasible: the generator should give both");
    }

    // Written from the definitions: replica counts, capacities per device, SLOs at the rate, the maximum rate.
    private static void CheckPlan(Problem problem, SloPlanResult result, SloPlanner planner)
    {
        Assert.Equal(result.Members.Sum(c => c.Share * c.Replicas), result.TotalShare);
        foreach (ServingChoice choice in result.Members)
        {
            ProblemMember member = problem.Members.Single(m => m.Name == choice.Member);
            Assert.Equal(choice.Replicas, result.Replicas.Count(r => r.Member == choice.Member && r.Share == choice.Share));
            double p99 = planner.Predict(member, member.Slo!.RateRps, choice.Batch, choice.Share, choice.Replicas).P99Ms;
            Assert.Equal(p99, choice.P99Ms);
            Assert.True(p99 <= member.Slo.P99Ms);
            Assert.True(planner.Predict(member, choice.MaxRateRps, choice.Batch, choice.Share, choice.Replicas).P99Ms <= member.Slo.P99Ms);

            // The SLO holds at every 1 % step up to the maximum rate, which lies before the first step that breaks it.
            double capacity = choice.Replicas * choice.Batch * 1000 / member.Batches!.ServiceMs(choice.Batch, choice.Share);
            double step = member.Slo.RateRps;
            while (step * SloPlanner.RateStep < capacity
                && planner.Predict(member, step * SloPlanner.RateStep, choice.Batch, choice.Share, choice.Replicas).P99Ms <= member.Slo.P99Ms)
            {
                step *= SloPlanner.RateStep;
            }

            Assert.InRange(choice.MaxRateRps, step, Math.Min(step * SloPlanner.RateStep, capacity));
        }

        foreach (ProblemDevice device in problem.Devices)
        {
            ReplicaAssignment[] on = [.. result.Replicas.Where(r => r.Device == device.Name)];
            Assert.True(on.Sum(r => r.Share) <= 100);
            Assert.True(on.Sum(r => problem.Members.Single(m => m.Name == r.Member).MemoryMb) <= device.MemoryMb);
        }
    }

    [Fact]
    public void Plan_SloBelowTheLoneRequestLatency_IsInfeasible_NamingTheMember()
    {
        var tables = new BatchLatencyTable([KeyValuePair.Create(1, new LatencyTable([50, 100], [4.0, 2.0]))]);
        var problem = new Problem(ProblemKind.Serving, Objective.Share, [new ProblemDevice("gpu0", 16000)],
            [ProblemMember.Serving("fast", 100, new ServiceLevelObjective(10, 50), tables), ProblemMember.Serving("strict", 100, new ServiceLevelObjective(10, 1.5), tables)]);

        SloPlanResult result = new SloPlanner(s_options).Plan(problem);

        Assert.Equal(PlanStatus.Infeasible, result.Status);
        Assert.Null(result.TotalShare);
        Assert.Contains("'strict'", result.Reason, StringComparison.Ordinal);
        Assert.Contains("p99 <= 1.5 ms", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RateBeyondEveryDevice_IsInfeasible()
    {
        // One request per 2 ms on a whole device: 500 req/s at most, 5000 asked.
        var tables = new BatchLatencyTable([KeyValuePair.Create(1, new LatencyTable([100], [2.0]))]);
        var problem = new Problem(ProblemKind.Serving, Objective.Share, [new ProblemDevice("gpu0", 16000)],
            [ProblemMember.Serving("busy", 100, new ServiceLevelObjective(5000, 100), tables)]);

        SloPlanResult result = new SloPlanner(s_options).Plan(problem);

        Assert.Equal(PlanStatus.Infeasible, result.Status);
        Assert.Contains("cannot serve 5000 req/s", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_IsDeterministic()
    {
        Problem problem = RandomServing(4);

        SloPlanResult first = new SloPlanner(s_options).Plan(problem);
        SloPlanResult second = new SloPlanner(s_options).Plan(problem);

        Assert.Equal(first.Members, second.Members);
        Assert.Equal(first.Replicas, second.Replicas);
    }

    [Fact]
    public void OtherSolvers_RefuseServingProblems()
    {
        Problem problem = RandomServing(1);

        Assert.Throws<ArgumentException>(() => new SearchSolver().Solve(problem, new SolverOptions()));
        Assert.Throws<ArgumentException>(() => new SloPlanner().Plan(new Problem(ProblemKind.Ensemble, Objective.Makespan, [new ProblemDevice("g", 1)], [new ProblemMember("m", 0, new LatencyTable([100], [1.0]))])));
    }
}
