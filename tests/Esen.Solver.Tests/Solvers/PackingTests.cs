using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Tests.Solvers;

public class PackingTests
{
    [Fact]
    public void Repair_SwapsWhenMemoryForbidsEveryMove()
    {
        // Both devices are full in memory, device 0 is 10 % over in shares: only a swap helps.
        var instance = new Instance(Ensemble([100, 100], [(60, 50), (50, 50), (30, 50), (10, 50)]));

        int[]? repaired = Packing.Repair(instance, [60, 50, 30, 10], [0, 0, 1, 1]);

        Assert.NotNull(repaired);
        Assert.Empty(PlanChecker.Violations(instance.Problem, new Plan(repaired, [60, 50, 30, 10])));
    }

    [Fact]
    public void Repair_WithoutAnyPlacement_ReturnsNull()
    {
        var instance = new Instance(Ensemble([100, 100], [(60, 10), (60, 10), (60, 10)]));

        Assert.Null(Packing.Repair(instance, [60, 60, 60], [0, 0, 1]));
    }

    [Fact]
    public void Repair_FromALooserCandidate_GivesValidPlacementsOnly()
    {
        var random = new Random(6100);
        int repaired = 0;
        for (int n = 0; n < 200; n++)
        {
            Problem problem = RandomProblems.Create(random, Objective.Makespan, members: random.Next(6, 20), devices: random.Next(2, 6), shareStep: 5, identicalDevices: n % 2 == 0, memoryTightness: 0.9);
            var instance = new Instance(problem);
            double[] candidates = instance.Candidates;
            int[] loose = instance.MinimalShares(candidates[^1])!;
            if (Packing.FirstFit(instance, loose) is not int[] start)
            {
                continue;
            }

            int[] tighter = instance.MinimalShares(candidates[random.Next(candidates.Length)]) ?? loose;
            if (Packing.Repair(instance, tighter, start) is int[] placement)
            {
                repaired++;
                Assert.Empty(PlanChecker.Violations(problem, new Plan(placement, tighter)));
            }
        }

        Assert.True(repaired > 50, $"only {repaired} repairs succeeded");
    }

    private static Problem Ensemble(double[] deviceMemory, (int Share, double Memory)[] members) => new(
        ProblemKind.Ensemble,
        Objective.Makespan,
        [.. deviceMemory.Select((m, d) => new ProblemDevice($"gpu{d}", m))],
        [.. members.Select((m, i) => new ProblemMember($"m{i}", m.Memory, new LatencyTable([KeyValuePair.Create(m.Share, 1.0)])))]);
}
