using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;
using Esen.Native.Partitions;
using Esen.Runtime.Profiling;
using Esen.TestUtilities;

namespace Esen.Runtime.Tests.Profiling;

/// <summary>The measurer on a real GPU: partitions get what the policy says, and timings are sane.</summary>
[Trait("Category", "Gpu")]
public sealed class CudaGpuMeasurerTests
{
    [SkippableFact]
    public void Measure_OnTwoPartitionSizes_GrantsThePolicysSms_AndTheSmallerOneIsNotFaster()
    {
        Requires.CudaDevice();
        var measurer = new CudaGpuMeasurer(0) { TimedRuns = 20 };
        PartitionMechanism mechanism = Execution.CudaRunnerFactory.ChooseMechanism(measurer.Capabilities, null);
        Skip.If(mechanism == PartitionMechanism.None, "GPU: this device offers no in-process SM partitions");
        SmPartitionPolicy policy = measurer.Policy(mechanism);
        IReadOnlyList<int> menu = policy.GrantableShares();
        LayerGraph graph = ModelZoo.Build("resnet18");

        PartitionMeasurement small = measurer.Measure([graph], 8, mechanism, [menu[0]]);
        PartitionMeasurement whole = measurer.Measure([graph], 8, mechanism, [menu[^1]]);

        Assert.Equal(policy.SmsForShare(menu[0]), small.GrantedSms[0]);
        Assert.Equal(policy.SmsForShare(menu[^1]), whole.GrantedSms[0]);
        Assert.Equal(20, small.Members[0].Runs);
        Assert.InRange(small.Members[0].P10Ms, 0.01, small.Members[0].MedianMs);
        Assert.True(small.Members[0].MedianMs >= whole.Members[0].MedianMs * 0.9, $"{small.Members[0].MedianMs} ms on {small.GrantedSms[0]} SMs vs {whole.Members[0].MedianMs} ms on {whole.GrantedSms[0]}");
        Assert.True(small.MemoryBytes[0] > 11L << 20, $"resnet18 weights alone are 44 MiB; measured {small.MemoryBytes[0]} bytes");
    }

    [SkippableFact]
    public void Measure_TwoMembersWithoutPartitions_RunOnEverySm()
    {
        Requires.CudaDevice();
        var measurer = new CudaGpuMeasurer(0) { TimedRuns = 20 };
        LayerGraph[] graphs = [ModelZoo.Build("mobilenetv2"), ModelZoo.Build("resnet18")];

        PartitionMeasurement together = measurer.Measure(graphs, 4, PartitionMechanism.None, [100, 100]);

        Assert.Equal([measurer.Gpu.Sms, measurer.Gpu.Sms], together.GrantedSms);
        Assert.True(together.Batch.MedianMs >= together.Members.Max(m => m.MedianMs) * 0.9);
    }
}
