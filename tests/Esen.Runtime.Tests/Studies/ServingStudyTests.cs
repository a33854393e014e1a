using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Studies;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Runtime.Tests.Studies;

public class ServingStudyTests
{
    private static readonly DeviceSpec s_v100 = new(DeviceKind.Simulated, 0, "v100");
    private static readonly Lazy<(EnsembleSpec Spec, ServingStudyResult Result)> s_study = new(() =>
    {
        EnsembleSpec spec = ServingStudy.DefaultEnsemble(s_v100);
        return (spec, ServingStudy.Run(spec, s_v100, ServingStudy.DefaultGpuCount, ServingStudy.DefaultBatches));
    });

    [Fact]
    public void DefaultEnsemble_IsTwelveCnns_OfDistinctNamesAndSeeds()
    {
        EnsembleSpec spec = ServingStudy.DefaultEnsemble(s_v100);

        Assert.Equal(12, spec.Members.Count);
        Assert.Equal(12, spec.Members.Select(m => m.Name).Distinct().Count());
        Assert.Equal(12, spec.Members.Select(m => m.Seed).Distinct().Count());
        Assert.Contains(spec.Members, m => m.Name == "resnet50-b" && m.Architecture == "resnet50");
    }

    [Fact]
    public void EveryAllocation_PlacesEachMemberOnce_WithinEachGpusShareAndMemory()
    {
        (EnsembleSpec spec, ServingStudyResult result) = s_study.Value;
        Device gpu = EnsemblePlanner.Resolve(s_v100);
        EnsembleModels models = EnsembleModels.Load(spec);

        Assert.Equal(ServingStudy.Approaches.Count * ServingStudy.DefaultBatches.Count, result.Allocations.Count);
        foreach (ServingAllocation allocation in result.Allocations)
        {
            Assert.Equal(ServingStudy.DefaultGpuCount, allocation.Gpus.Count);
            for (int g = 0; g < allocation.Gpus.Count; g++)
            {
                int[] members = [.. Enumerable.Range(0, spec.Members.Count).Where(i => allocation.GpuOf[i] == g)];
                Assert.Equal(members.Select(i => spec.Members[i].Name), allocation.Gpus[g].Members.Select(m => m.Name));
                Assert.True(members.Sum(i => models.Work(i, allocation.Batch).MemoryBytes / (1024.0 * 1024.0)) <= gpu.MemoryMb);
                if (allocation.Shares is { } shares)
                {
                    Assert.True(members.Sum(i => shares[i]) <= Problem.DeviceShareCapacity);
                    Assert.All(members, i => Assert.Equal(gpu.UnitsForShare(shares[i]), allocation.Gpus[g].Members.Single(m => m.Name == spec.Members[i].Name).Units));
                }
                else
                {
                    Assert.Equal(ServingStudy.Baseline, allocation.Approach);
                    Assert.All(members, i => Assert.Equal(i % ServingStudy.DefaultGpuCount, g));
                }
            }

            Assert.Equal(allocation.Gpus.Max(r => r.JctSeconds) * 1000, allocation.PeriodMs, 9);
            Assert.Equal(allocation.Batch * 1000 / allocation.PeriodMs, allocation.RequestsPerSecond, 9);
        }
    }

    [Fact]
    public void Best_IsTheFastestBatch_AndTheSearchMatchesTheExhaustiveOptimumOnItsTables()
    {
        (_, ServingStudyResult result) = s_study.Value;

        foreach (string approach in ServingStudy.Approaches)
        {
            double fastest = result.Allocations.Where(a => a.Approach == approach).Max(a => a.RequestsPerSecond);
            Assert.Equal(fastest, result.Best(approach).RequestsPerSecond);
        }

        Assert.Equal(1.0, result.Speedup(ServingStudy.Baseline));
        // Balancing the GPUs pays on the V100 at every batch tried (docs/studies.md).
        Assert.True(result.Speedup("search") > 1.1, $"search {result.Speedup("search"):0.000}× the baseline");
    }

    [Fact]
    public void SmallEnsemble_SearchAndMilpPlans_AreOptimalOnTheTables_AsTheExhaustiveSolverFinds()
    {
        EnsembleSpec full = ServingStudy.DefaultEnsemble(s_v100);
        EnsembleSpec spec = full with { Members = [.. full.Members.Where(m => m.Architecture is "resnet18" or "mobilenetv2" or "alexnet").Take(5)] };
        ServingStudyResult result = ServingStudy.Run(spec, s_v100, gpuCount: 2, batches: [4]);
        Device gpu = EnsemblePlanner.Resolve(s_v100);
        EnsembleModels models = EnsembleModels.Load(spec);
        IReadOnlyList<int> shares = EnsemblePlanner.SharesFor(gpu);
        double[] Table(int i) => [.. shares.Select(p => EnsemblePlanner.LatencyMs(AnalyticCostModel.Default, models.Work(i, 4), gpu, p))];
        var problem = new Problem(
            ProblemKind.Ensemble, Objective.Makespan,
            [new ProblemDevice("g0", gpu.MemoryMb), new ProblemDevice("g1", gpu.MemoryMb)],
            [.. spec.Members.Select((m, i) => new ProblemMember(m.Name, models.Work(i, 4).MemoryBytes / (1024.0 * 1024.0), new LatencyTable(shares, Table(i))))]);
        // Five members on two GPUs: (2 · 10)^5 plans, within the exhaustive solver's reach.
        double optimum = AllocationSolvers.Create("exhaustive")!.Solve(problem, new SolverOptions()).ObjectiveMs!.Value;

        foreach (string approach in new[] { "search", "milp" })
        {
            ServingAllocation plan = result.Best(approach);
            double makespan = spec.Members.Select((_, i) => Table(i)[shares.ToList().IndexOf(plan.Shares![i])]).Max();
            Assert.Equal(optimum, makespan, 9);
        }
    }

    [Fact]
    public void Run_OnACpuOrWithoutGpus_IsBadInput()
    {
        EnsembleSpec spec = ServingStudy.DefaultEnsemble(s_v100);

        Assert.Equal(EsenErrorKind.BadInput, Assert.Throws<EsenException>(() => ServingStudy.Run(spec, DeviceSpec.Cpu, 4, [1])).Kind);
        Assert.Equal(EsenErrorKind.BadInput, Assert.Throws<EsenException>(() => ServingStudy.Run(spec, s_v100, 0, [1])).Kind);
    }
}
