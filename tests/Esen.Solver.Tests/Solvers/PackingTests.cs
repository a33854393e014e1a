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

    [Fact]
    public void Repair_AgainstExhaustivePlacement_IsValidAndFindsEveryPackingThereIs()
    {
        // Small instances where every placement can be tried: at a random candidate the oracle says
        // whether the minimal shares pack; the repair starts from a random placement.
        var random = new Random(6200);
        int packable = 0;
        int found = 0;
        for (int n = 0; n < 300; n++)
        {
            Problem problem = RandomProblems.Create(random, Objective.Makespan, members: random.Next(3, 8), devices: random.Next(2, 4), shareStep: 5, identicalDevices: n % 2 == 0, memoryTightness: 0.5 + (random.NextDouble() * 0.5));
            var instance = new Instance(problem);
            int[] shares = instance.MinimalShares(instance.Candidates[random.Next(instance.Candidates.Length)]) ?? instance.MinimalShares(instance.Candidates[^1])!;
            int[] start = [.. Enumerable.Range(0, instance.MemberCount).Select(_ => random.Next(instance.DeviceCount))];
            bool exists = PackingOracle.Packs(problem, shares);

            int[]? placement = Packing.Repair(instance, shares, start);

            if (placement is not null)
            {
                Assert.True(exists, $"#{n}: the repair packed what the oracle says cannot be packed");
                Assert.Empty(PlanChecker.Violations(problem, new Plan(placement, shares)));
                found++;
            }

            packable += exists ? 1 : 0;
        }

        Assert.True(packable > 100, $"only {packable} packable instances");
        Assert.True(found == packable, $"the repair found {found} of {packable} packings");
    }

    private static Problem Ensemble(double[] deviceMemory, (int Share, double Memory)[] members) => new(
        ProblemKind.Ensemble,
        Objective.Makespan,
        [.. deviceMemory.Select((m, d) => new ProblemDevice($"gpu{d}", m))],
        [.. members.Select((m, i) => new ProblemMember($"m{i}", m.Memory, new LatencyTable([KeyValuePair.Create(m.Share, 1.0)])))]);
}
