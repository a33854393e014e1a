using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Studies;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tests.Studies;

public class MultitenantStudyTests
{
    private static readonly DeviceSpec s_h100 = new(DeviceKind.Simulated, 0, "h100");
    private static readonly Lazy<(EnsembleSpec Spec, MultitenantStudyResult Result)> s_study = new(() =>
    {
        EnsembleSpec spec = MultitenantStudy.DefaultTenants(s_h100);
        return (spec, MultitenantStudy.Run(spec, s_h100));
    });

    [Fact]
    public void Slice_KeepsEveryKernelOnceInOrder_InSlicesOfAboutEqualTime()
    {
        EnsembleModels models = EnsembleModels.Load(MultitenantStudy.DefaultTenants(s_h100));
        Device gpu = EnsemblePlanner.Resolve(s_h100);
        IReadOnlyList<KernelCost> kernels = AnalyticCostModel.Default.Kernels(models.Work(1, 8), gpu);
        double total = kernels.Sum(k => k.Seconds(gpu.Units)), longest = kernels.Max(k => k.Seconds(gpu.Units));

        foreach (int slices in new[] { 1, 2, 3, 4 })
        {
            IReadOnlyList<KernelCost>[] sliced = MultitenantStudy.Slice(kernels, slices, gpu.Units);
            Assert.Equal(slices, sliced.Length);
            Assert.Equal(kernels, sliced.SelectMany(s => s));
            Assert.All(sliced, s => Assert.True(s.Sum(k => k.Seconds(gpu.Units)) <= (total / slices) + longest));
        }
    }

    [Fact]
    public void EverySchedule_RunsEachTenantsKernelsOnce_InOrder_WithinItsRounds_AndTheRoundsSharesFit()
    {
        (EnsembleSpec spec, MultitenantStudyResult result) = s_study.Value;
        Device gpu = EnsemblePlanner.Resolve(s_h100);
        EnsembleModels models = EnsembleModels.Load(spec);
        foreach (TemporalSchedule schedule in result.Schedules)
        {
            Assert.Equal(schedule.Slices, schedule.Rounds.Count);
            for (int m = 0; m < spec.Members.Count; m++)
            {
                // Work conservation: the tenant's kernels, in order, across the rounds it spans and in no other.
                string name = spec.Members[m].Name;
                IReadOnlyList<KernelCost> all = AnalyticCostModel.Default.Kernels(models.Work(m, 8), gpu);
                string[] ran = [.. schedule.Rounds.SelectMany(r => r.Kernels.Where(k => r.Members[k.Member].Name == name).OrderBy(k => k.Kernel).Select(k => k.Name))];
                Assert.Equal(all.Select(k => k.Name), ran);
                Assert.All(schedule.Rounds.Skip(schedule.SlicesPerTenant[m]), r => Assert.DoesNotContain(r.Members, o => o.Name == name));
            }

            Assert.All(schedule.RoundShares, shares => Assert.True(shares.Sum() <= 100, $"round shares {string.Join("/", shares)} exceed the GPU"));
            // The plan is one the CPU runtime takes (TenantSchedule checks the same rules).
            Assert.Equal(schedule.RoundShares, schedule.Plan.RoundShares);
            Assert.All(schedule.Rounds, r => Assert.All(r.Members, o => Assert.True(o.Units <= gpu.Units)));
        }
    }

    [Fact]
    public void OnTheHeldMix_SpatialAndTemporal_BeatsSpatialOnly_AndNeverLoses()
    {
        MultitenantStudyResult result = s_study.Value.Result;

        Assert.Equal(1, result.Spatial.Slices);
        Assert.True(result.Best.Ms <= result.Spatial.Ms);
        Assert.True(result.Best.Slices > 1, "temporal regulation helps a mix of large and small tenants");
        Assert.True(result.Best.Ms < result.Spatial.Ms);
    }

    [Fact]
    public void TemporalOnly_RunsEachRoundsSlicesOnTheWholeGpu_AtEveryRoundCountFromTwo()
    {
        (EnsembleSpec spec, MultitenantStudyResult result) = s_study.Value;
        Device gpu = EnsemblePlanner.Resolve(s_h100);

        Assert.Equal(Enumerable.Range(2, MultitenantStudy.MaxRounds - 1), result.TemporalOnly.Select(s => s.Slices));
        foreach (TemporalSchedule schedule in result.TemporalOnly)
        {
            Assert.Empty(schedule.RoundShares);
            Assert.All(schedule.Rounds, r => Assert.All(r.Members, m => Assert.Equal(gpu.Units, m.Units)));
            Assert.Equal(schedule.Rounds.Sum(r => r.JctSeconds) * 1000, schedule.Ms, 9);
            Assert.Equal(spec.Members.Count, schedule.Rounds[0].Members.Count);
        }
    }
}
