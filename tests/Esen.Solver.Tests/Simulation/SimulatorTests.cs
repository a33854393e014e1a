using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Simulation;

namespace Esen.Solver.Tests.Simulation;

public class SimulatorTests
{
    private static readonly GpuDevice s_v100 = (GpuDevice)DeviceCatalog.BuiltIn.Find("V100");

    /// <summary>A seeded mix of conv-like, GEMM-like and bandwidth kernels (a stand-in for a CNN).</summary>
    private static ModelWork RandomModel(int seed, int layers = 40)
    {
        var random = new Random(seed);
        var kernels = new List<LayerWork>();
        for (int i = 0; i < layers; i++)
        {
            long m = random.Next(64, 50000), n = random.Next(16, 2048), k = random.Next(16, 4608);
            kernels.Add(random.Next(4) == 0
                ? new LayerWork($"ew{i}", LayerOp.Elementwise, 0, 4.0 * m * n, 0)
                : new LayerWork($"conv{i}", LayerOp.Conv, 2.0 * m * n * k, 4.0 * ((m * k / 9) + (k * n) + (m * n)), 4.0 * k * n,
                    new GemmShape(m, n, k), new ConvWindow(3, 3, 1 + random.Next(2), 1, 1, 1, 1)));
        }

        return new ModelWork($"random{seed}", 1, Precision.Fp32, kernels, 0, 0, 0);
    }

    private static SimulationMember Member(int seed, int units) =>
        new($"m{seed}", AnalyticCostModel.Default.Kernels(RandomModel(seed), s_v100), units);

    private static SimulationResult Run(SharingMode mode, params SimulationMember[] members) =>
        new Simulator(s_v100, new SimulationOptions { Mode = mode }).Run(members);

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(40)]
    [InlineData(80)]
    public void MemberAlone_TakesExactlyTheAnalyticLatency(int units)
    {
        ModelWork model = RandomModel(7);
        double analytic = AnalyticCostModel.Default.LatencySeconds(model, s_v100, units);
        SimulationResult result = Run(SharingMode.Partitioned, new SimulationMember("alone", AnalyticCostModel.Default.Kernels(model, s_v100), units));
        Assert.Equal(analytic, result.JctSeconds, analytic * 1e-9);
        Assert.Equal(model.Kernels.Count, result.Kernels.Count);
    }

    [Fact]
    public void MoreSms_NeverSlower()
    {
        double previous = double.MaxValue;
        for (int units = 2; units <= 80; units += 2)
        {
            double jct = Run(SharingMode.Partitioned, Member(3, units)).JctSeconds;
            Assert.True(jct <= previous * (1 + 1e-12), $"{units} SMs: {jct} > {previous}");
            previous = jct;
        }
    }

    [Theory]
    [InlineData(SharingMode.Partitioned)]
    [InlineData(SharingMode.Default)]
    public void Contention_NeverFasterThanAlone(SharingMode mode)
    {
        SimulationMember[] members = [Member(1, 20), Member(2, 20), Member(3, 40)];
        SimulationResult result = Run(mode, members);
        foreach (MemberOutcome outcome in result.Members)
        {
            Assert.True(outcome.FinishSeconds >= outcome.AloneSeconds * (1 - 1e-9), $"{outcome.Name}: {outcome.FinishSeconds} < {outcome.AloneSeconds}");
        }

        Assert.True(result.Members.Any(m => m.Slowdown > 1.001), "three co-runners should interfere somewhere");
    }

    [Theory]
    [InlineData(SharingMode.Partitioned)]
    [InlineData(SharingMode.Default)]
    [InlineData(SharingMode.Sequential)]
    public void WorkConservation_EveryByteAndKernelIsAccountedFor(SharingMode mode)
    {
        SimulationMember[] members = [Member(4, 30), Member(5, 50)];
        SimulationResult result = Run(mode, members);
        double bytesMoved = result.Utilization.Sum(s => s.BandwidthFraction * s_v100.BandwidthBytesPerSecond * (s.EndSeconds - s.StartSeconds));
        double bytesNeeded = members.Sum(m => m.Kernels.Sum(k => k.Bytes));
        Assert.Equal(bytesNeeded, bytesMoved, bytesNeeded * 1e-6);
        Assert.Equal(members.Sum(m => m.Kernels.Count), result.Kernels.Count);
        Assert.All(result.Utilization, s => Assert.InRange(s.SmFraction, 0, 1));
        Assert.All(result.Utilization, s => Assert.InRange(s.BandwidthFraction, 0, 0.8 + 1e-9));
        // Kernels of one member never overlap and follow their order.
        foreach (IGrouping<int, KernelSpan> spans in result.Kernels.GroupBy(k => k.Member))
        {
            KernelSpan[] ordered = [.. spans.OrderBy(k => k.Kernel)];
            for (int i = 1; i < ordered.Length; i++)
            {
                Assert.True(ordered[i].StartSeconds >= ordered[i - 1].EndSeconds - 1e-15);
            }
        }
    }

    [Fact]
    public void Sequential_JctIsTheSumOfFullGpuLatencies()
    {
        SimulationMember[] members = [Member(1, 10), Member(2, 10)];
        SimulationResult result = Run(SharingMode.Sequential, members);
        double expected = members.Sum(m => m.AloneSeconds(80));
        Assert.Equal(expected, result.JctSeconds, expected * 1e-9);
        Assert.Equal(result.Members[0].FinishSeconds, result.Members[1].StartSeconds, 1e-12);
    }

    [Fact]
    public void Simulation_IsDeterministic()
    {
        SimulationResult first = Run(SharingMode.Default, Member(1, 10), Member(2, 10), Member(9, 10));
        SimulationResult second = Run(SharingMode.Default, Member(1, 10), Member(2, 10), Member(9, 10));
        Assert.Equal(first.Members, second.Members);
        Assert.Equal(first.Kernels, second.Kernels);
        Assert.Equal(first.Utilization, second.Utilization);
    }

    [Fact]
    public void TwoBandwidthBoundMembers_ShareHbmFairly()
    {
        var copy = new LayerWork("copy", LayerOp.DataMovement, 0, 1e9, 0);
        var model = new ModelWork("stream", 1, Precision.Fp32, [copy], 0, 0, 0);
        Device a100 = DeviceCatalog.BuiltIn.Find("A100-40GB");
        IReadOnlyList<KernelCost> kernels = AnalyticCostModel.Default.Kernels(model, a100);
        var options = new SimulationOptions { Mode = SharingMode.Partitioned, MpsSchedulingDelay = false };
        SimulationResult result = new Simulator(a100, options).Run([new("a", kernels, 54), new("b", kernels, 54)]);
        // Each alone would draw the full achievable bandwidth (54 SMs ≥ s_sat·108); together they get half
        // each, and the residual interference slows them by 1 + β·0.4 on top.
        double alone = kernels[0].MemorySeconds(54);
        double expected = kernels[0].OverheadSeconds + (2 * alone * (1 + (options.InterferenceBeta * 0.4)));
        Assert.Equal(expected, result.Members[0].FinishSeconds, expected * 1e-9);
        Assert.Equal(result.Members[0].FinishSeconds, result.Members[1].FinishSeconds, 1e-15);
    }

    [Fact]
    public void Partitions_LargerThanTheDevice_AreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => Run(SharingMode.Partitioned, Member(1, 60), Member(2, 40)));
        Assert.Contains("100 units", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxMinFair_FillsSmallDemandsFirst()
    {
        Assert.Equal([10.0, 45, 45], Simulator.MaxMinFair([10, 100, 200], 100));
        Assert.Equal([10.0, 20], Simulator.MaxMinFair([10, 20], 100));
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.30e-6)]
    [InlineData(5, 15.63e-6)]
    [InlineData(6, 20.73e-6)]
    public void MpsDelay_GrowsWithClients(int clients, double extra)
    {
        Assert.Equal(extra, SimulationOptions.ExtraMpsDelaySeconds(clients), 1e-12);
    }

    [Fact]
    public void LatencyTableWorkload_ReproducesIgniterResNet50Batch8()
    {
        // gpu-facts §2.1: iGniter V100 TensorRT FP32 ResNet-50 b8 at 10..100 % MPS threads.
        double[] shares = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        double[] ms = [47.62, 24.63, 17.44, 13.10, 11.14, 9.78, 8.51, 7.19, 6.68, 6.42];
        IReadOnlyList<KernelCost> kernels = LatencyTableWorkload.Fit(s_v100, shares, [.. ms.Select(t => t / 1000)]);
        for (int i = 0; i < shares.Length; i++)
        {
            double predicted = kernels.Sum(k => k.Seconds(s_v100.UnitsForShare(shares[i]))) * 1000;
            Assert.InRange(predicted / ms[i], 0.9, 1.1);
        }
    }
}
