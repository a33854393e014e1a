using Esen.Kernels.Cpu;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;
using Esen.Runtime.Execution;
using Esen.Runtime.Tenants;

namespace Esen.Runtime.Tests.Tenants;

public class TenantRuntimeTests
{
    private static readonly LayerGraph[] s_tenants = [Small("resnet18", 3), Small("mobilenetv2", 4), Small("densenet121", 5)];

    public static TheoryData<TenantSchedule> Schedules => new()
    {
        TenantSchedule.SpatialOnly([40, 30, 30]),
        // GACER-style: the large tenant spans every round, a small one leaves after the first.
        new TenantSchedule(3, [3, 2, 1], [[40, 30, 30], [50, 50, 0], [100, 0, 0]]),
        new TenantSchedule(4, [4, 4, 4], [[34, 33, 33], [34, 33, 33], [34, 33, 33], [34, 33, 33]]),
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void EveryTenant_UnderTheSchedule_GetsWhatItComputesAlone(TenantSchedule schedule)
    {
        var random = new Random(21);
        IReadOnlyDictionary<string, Tensor>[] inputs =
        [
            .. s_tenants.Select(g => new Dictionary<string, Tensor>
            {
                [g.Inputs[0].Name] = Tensor.FromFloats(new TensorShape(2, 3, 32, 32), [.. Enumerable.Range(0, 2 * 3 * 32 * 32).Select(_ => (float)random.NextDouble())]),
            }),
        ];

        TenantRunResult result;
        using (var runtime = TenantRuntime.CreateCpu(s_tenants, schedule, cores: 2))
        {
            Assert.Equal(schedule.SlicesPerTenant, runtime.Slices.Select(s => s.Count));
            result = runtime.Run(inputs);
        }

        Assert.Equal(schedule.Rounds, result.RoundSeconds.Count);
        Assert.All(result.RoundSeconds, s => Assert.True(s > 0));
        for (int t = 0; t < s_tenants.Length; t++)
        {
            using var alone = new CpuExecutor(s_tenants[t], new CpuExecutorOptions { Threads = 1 });
            string output = s_tenants[t].Outputs[0].Name;
            ReferenceComparison difference = CpuReference.Compare(result.Outputs[t][output].Floats, alone.Run(inputs[t])[output].Floats);
            Assert.True(difference.MaxAbsDifference <= 1e-4 * Math.Max(1, difference.MaxMagnitude), $"tenant {s_tenants[t].Name}: {difference}");
        }
    }

    [Fact]
    public void Slices_HoldAboutEqualFlops()
    {
        var schedule = new TenantSchedule(3, [3, 3, 3], [[30, 30, 30], [30, 30, 30], [30, 30, 30]]);
        using var runtime = TenantRuntime.CreateCpu(s_tenants, schedule, cores: 2);

        for (int t = 0; t < s_tenants.Length; t++)
        {
            long[] flops = [.. runtime.Slices[t].Select(s => GraphCostAnalyzer.Analyze(s!).Flops)];
            long total = GraphCostAnalyzer.Analyze(s_tenants[t]).Flops, largestNode = GraphCostAnalyzer.Analyze(s_tenants[t]).Nodes.Max(n => n.Flops);
            Assert.Equal(total, flops.Sum());
            Assert.All(flops, f => Assert.True(f <= (total / 3) + largestNode, $"{s_tenants[t].Name}: a slice of {f} FLOPs, a third is {total / 3}"));
        }
    }

    [Theory]
    [InlineData(0, new[] { 1 }, new[] { 50 }, "needs at least one round")]
    [InlineData(2, new[] { 3 }, new[] { 50 }, "tenant 0 has 3 slices")]
    [InlineData(1, new[] { 1, 1 }, new[] { 60, 50 }, "round 0's shares add up to 110 %")]
    [InlineData(2, new[] { 1, 2 }, new[] { 60, 40 }, "round 1 gives tenant 0 a share of 60 %")]
    [InlineData(1, new[] { 1, 1 }, new[] { 60, 0 }, "round 0 gives tenant 1 a share of 0 %")]
    public void Schedule_ThatBreaksARule_IsRefusedNamingIt(int rounds, int[] slices, int[] shares, string message)
    {
        int[][] roundShares = [.. Enumerable.Range(0, Math.Max(rounds, 1)).Select(_ => shares)];

        ArgumentException error = Assert.ThrowsAny<ArgumentException>(() => new TenantSchedule(rounds, slices, roundShares));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WithAScheduleForOtherTenants_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => TenantRuntime.CreateCpu(s_tenants, TenantSchedule.SpatialOnly([50, 50])));
    }

    private static LayerGraph Small(string architecture, int seed)
    {
        LayerGraph graph = ModelZoo.Build(architecture, new ZooOptions(Seed: seed));
        return new(graph.Name, [graph.Inputs[0] with { Shape = new TensorShape(TensorShape.Dynamic, 3, 32, 32) }], graph.Outputs, graph.Nodes, graph.Initializers, graph.Opset);
    }
}
