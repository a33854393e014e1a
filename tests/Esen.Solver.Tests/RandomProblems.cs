using Esen.Solver.Problems;

namespace Esen.Solver.Tests;

/// <summary>
/// Seeded random problems with realistic latency curves: t(p) = a + b·waves(p)/waves(100 %), where a
/// member whose kernels launch G CTAs on a partition of n = p % of 80 SMs needs ceil(G/n) waves
/// (gpu-facts §2.1 hyperbolic shape, §2.2 wave quantisation). Latencies are rounded to 0.01 ms, so
/// ties between members and plateaus within a table occur.
/// </summary>
internal static class RandomProblems
{
    private const int SmCount = 80;

    public static Problem Create(
        Random random,
        Objective objective,
        int members,
        int devices,
        int shareStep,
        bool identicalDevices = false,
        double memoryTightness = 0.5,
        double noise = 0)
    {
        ProblemKind kind = objective == Objective.Makespan ? ProblemKind.Ensemble : ProblemKind.Cascade;
        int[] shares = [.. Enumerable.Range(1, 100 / shareStep).Select(k => k * shareStep).Where(s => s <= 100)];
        double reach = 1.0;
        var memberList = new List<ProblemMember>();
        for (int i = 0; i < members; i++)
        {
            double serial = random.NextDouble() * 3;               // a: ms that do not scale
            double parallel = 1 + (random.NextDouble() * 30);      // b: ms at 100 % that do
            int ctas = random.Next(SmCount / 4, SmCount * 4);      // G
            double wavesAtFull = Math.Ceiling(ctas / (double)SmCount);
            var table = new Dictionary<int, double>();
            foreach (int p in shares)
            {
                int sms = Math.Max(1, (int)Math.Round(p * SmCount / 100.0));
                double t = serial + (parallel * Math.Ceiling(ctas / (double)sms) / wavesAtFull);
                t *= 1 + (noise * ((random.NextDouble() * 2) - 1));
                table[p] = Math.Round(Math.Max(t, 0.01), 2);
            }

            memberList.Add(new ProblemMember($"m{i}", random.Next(100, 4000), new LatencyTable(table), kind == ProblemKind.Cascade ? reach : 1.0));
            reach = Math.Max(0.001, Math.Round(reach * (0.3 + (random.NextDouble() * 0.7)), 3));
        }

        double totalMemory = memberList.Sum(m => m.MemoryMb);
        double baseMemory = totalMemory / devices / Math.Max(memoryTightness, 0.05);
        double largestMember = memberList.Max(m => m.MemoryMb);
        ProblemDevice[] deviceList = [.. Enumerable.Range(0, devices).Select(d => new ProblemDevice(
            $"gpu{d}",
            identicalDevices ? Math.Round(baseMemory) : Math.Round(Math.Max(largestMember * 0.8, baseMemory * (0.6 + (random.NextDouble() * 0.8))))))];
        return new Problem(kind, objective, deviceList, memberList);
    }

    /// <summary>The same members as independent tenants, each with a seeded weight in [0.25, 4] (two decimals).</summary>
    public static Problem AsTenants(Random random, Problem problem) => new(
        ProblemKind.Multitenant,
        problem.Objective == Objective.Latency ? Objective.Latency : Objective.Makespan,
        problem.Devices,
        [.. problem.Members.Select(m => m with { Reach = 1.0, Weight = Math.Round(0.25 + (random.NextDouble() * 3.75), 2) })]);
}
