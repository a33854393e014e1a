using Esen.Kernels.Graph;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Benchmarking;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.TestUtilities;

namespace Esen.Runtime.Tests.Benchmarking;

/// <summary>The closed loop through the real runtime, on the CPU here and on cuda:0 where there is one.</summary>
public sealed class ClosedLoopTests
{
    [Fact]
    public async Task Drive_SendsEveryRequestThroughTheRuntime_AndTimesOnlyTheTimedOnes()
    {
        EnsembleSpec spec = CpuSpec();
        EnsembleModels models = EnsembleModels.Load(spec);
        await using var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), models.CpuRunners);

        ClosedLoopResult result = await RuntimeClosedLoop.DriveAsync(runtime, Tensor.SeededRandom(new TensorShape(1, 3, 16, 16), 1, 1f), new ClosedLoopOptions(4, 10, 3));

        Assert.Equal(13, runtime.Statistics.Rows);
        Assert.Equal((4, 10), (result.Clients, result.Requests));
        Assert.Equal(10, result.LatenciesMs.Count);
        Assert.Equal(result.LatenciesMs.Order(), result.LatenciesMs);
        Assert.All(result.LatenciesMs, ms => Assert.True(ms > 0));
        Assert.True(result.LatenciesMs[^1] <= result.WallSeconds * 1000);
        Assert.Equal(10 / result.WallSeconds, result.ThroughputPerSecond, 9);
        Assert.Equal(result.LatenciesMs[4], result.P50Ms);
        Assert.Equal(result.LatenciesMs[9], result.P99Ms);
    }

    [Fact]
    public async Task Run_BuildsTheRuntimeFromThePlan_OnTheSpecsDevice()
    {
        EnsembleModels models = EnsembleModels.Load(CpuSpec());

        ClosedLoopResult result = await new RuntimeClosedLoop().RunAsync(models, RuntimePlan.Equal(models.Spec), PartitionMechanism.None, new ClosedLoopOptions(2, 5, 0));

        Assert.Equal(5, result.LatenciesMs.Count);
        Assert.True(result.ThroughputPerSecond > 0);
    }

    [Fact]
    public async Task Drive_WithoutClientsOrRequests_IsRefused()
    {
        EnsembleSpec spec = CpuSpec();
        await using var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), EnsembleModels.Load(spec).CpuRunners);
        Tensor request = Tensor.SeededRandom(new TensorShape(1, 3, 16, 16), 1, 1f);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RuntimeClosedLoop.DriveAsync(runtime, request, new ClosedLoopOptions(0, 5, 0)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RuntimeClosedLoop.DriveAsync(runtime, request, new ClosedLoopOptions(2, 0, 0)));
    }

    [SkippableFact]
    [Trait("Category", "Gpu")]
    public async Task BenchOnCuda0_MeasuresEveryAvailableMechanism_OnThePartitionsThePolicyGrants()
    {
        Requires.CudaDevice();
        var gpu0 = new DeviceSpec(DeviceKind.Cuda, 0);
        EnsembleModels models = EnsembleModels.Load(EnsembleBench.PlaceOn(EnsembleBenchTests.Spec(), gpu0));
        var measurer = new CudaGpuMeasurer(0, CudaRunnerFactory.ExecutorOptions(models.Spec, gpu0));
        var options = new BenchOptions { Batches = [4], LoopBatches = 5, WarmupBatches = 1 };

        BenchReport report = await EnsembleBench.RunAsync(models, measurer, new RuntimeClosedLoop(), options);

        Assert.Equal(3, report.Alone.Count);
        Assert.All(report.Alone, m => Assert.True(m.Alone.MedianMs > 0));
        Assert.Contains(report.Rows, r => r.Mechanism.Name == "none");
        Assert.Contains(report.Rows, r => r.Mechanism == BenchMechanism.Sequential);
        foreach (MechanismAvailability availability in PartitionPlanner.Assess(measurer.Capabilities).Where(a => a.Mechanism != PartitionMechanism.MpsThreadPercentage))
        {
            Assert.Equal(availability.Available, report.Rows.Any(r => r.Mechanism.Partitions == availability.Mechanism));
        }

        foreach (BenchRow row in report.Rows.Where(r => r.Load is not null))
        {
            Assert.Equal(20, row.Load!.Requests);
            Assert.True(row.ThroughputPerSecond > 0);
            Assert.True(row.Load.P50Ms > 0 && row.Load.P50Ms <= row.Load.P99Ms);
            Assert.True(row.BatchMs > 0);
            if (row.Split == BenchSplit.Equal)
            {
                SmPartitionPolicy policy = measurer.Policy(row.Mechanism.Partitions!.Value);
                Assert.All(row.GrantedSms, sms => Assert.Equal(policy.SmsForShare(row.SharesPercent[0]), sms));
            }
        }
    }

    private static EnsembleSpec CpuSpec() => new(
        "cpu.json", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
        [new MemberSpec("a", null, "mobilenetv2", 1), new MemberSpec("b", null, "mobilenetv2", 2)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 16, 16)), new BatchingSpec(2, 1), "equal");
}
