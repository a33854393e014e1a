using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Simulation;

namespace Esen.Runtime.Tests.Pipeline;

public sealed class SimulatedRuntimeTests
{
    private static readonly DeviceSpec s_h100 = new(DeviceKind.Simulated, 0, "h100");

    [Fact]
    public async Task Ensemble_TimelineEqualsTheSimulatorsForTheSamePlan()
    {
        Device device = EnsemblePlanner.Resolve(s_h100);
        LinearRunner[] members = [new(6, 5, 1), new(6, 5, 2), new(6, 5, 3)];
        EnsembleSpec spec = EnsembleRuntimeTests.Ensemble(CombineRule.Mean, [1, 1, 1], maxBatch: 4, maxDelayMs: 0, s_h100);
        var plan = new RuntimePlan(spec, [new("m0", 50), new("m1", 30), new("m2", 20)], "test");
        var timing = new SimulatedDeviceTiming(device, Kernels(device), i => spec.Members[i].Name);
        var options = new RuntimeOptions { VirtualTiming = _ => timing };
        var random = new Random(3);

        IReadOnlyList<TimelineEntry> timeline;
        await using (var runtime = EnsembleRuntime.Create(spec, plan, new FixedRunners(members), options))
        {
            // One full batch at a time, so the batches are known: 4, 4, 2 inputs.
            foreach (int rows in new[] { 4, 4, 2 })
            {
                await runtime.InferAsync(EnsembleRuntimeTests.RandomInput(random, rows));
            }

            timeline = runtime.Timeline;
        }

        // The oracle: the simulator run directly, batch after batch, each launched when the previous one completed.
        int[] units = [.. plan.Shares.Select(s => device.UnitsForShare(s))];
        var expected = new List<TimelineEntry>();
        double clock = 0;
        int batch = 0;
        foreach (int rows in new[] { 4, 4, 2 })
        {
            SimulationResult result = new Simulator(device, new SimulationOptions()).Run(
                [.. Enumerable.Range(0, 3).Select(m => new SimulationMember(spec.Members[m].Name, Kernels(device)(m, rows), units[m]))]);
            expected.AddRange(result.Members.Select(o => new TimelineEntry(batch, o.Name, rows, clock + o.StartSeconds, clock + o.FinishSeconds, true)));
            clock += result.JctSeconds;
            batch++;
        }

        Assert.Equal(expected, timeline);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cascade_StagesOverlapOnTheVirtualClock(bool keepTimeline)
    {
        Device device = EnsemblePlanner.Resolve(s_h100);
        LinearRunner[] stages = [new(6, 5, 11, 0.6f), new(6, 5, 12)];
        EnsembleSpec spec = EnsembleRuntimeTests.Cascade([0.6], maxBatch: 4, maxDelayMs: 0, s_h100);
        var plan = new RuntimePlan(spec, [new("s0", 40), new("s1", 60)], "test");
        var timing = new SimulatedDeviceTiming(device, Kernels(device), i => spec.Members[i].Name);
        var random = new Random(4);

        IReadOnlyList<TimelineEntry> timeline;
        var observed = new List<TimelineEntry>();
        await using (var runtime = EnsembleRuntime.Create(spec, plan, new FixedRunners(stages), new RuntimeOptions { VirtualTiming = _ => timing, RecordTimeline = keepTimeline }))
        {
            runtime.SpansRecorded += (_, recorded) =>
            {
                lock (observed)
                {
                    observed.AddRange(recorded.Spans);
                }
            };
            await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => runtime.InferAsync(EnsembleRuntimeTests.RandomInput(random, 4))));
            timeline = runtime.Timeline;
        }

        // Observers see every span whether or not the runtime keeps them.
        Assert.Equal(keepTimeline ? observed.Count : 0, timeline.Count);
        Assert.Equal(6, observed.Count(e => e.Member == "s0"));
        timeline = [.. observed];

        // Each stage runs its batches back to back, and a batch reaches stage 1 only after stage 0 finished it.
        foreach (string stage in new[] { "s0", "s1" })
        {
            TimelineEntry[] spans = [.. timeline.Where(e => e.Member == stage)];
            for (int i = 1; i < spans.Length; i++)
            {
                Assert.True(spans[i].StartSeconds >= spans[i - 1].FinishSeconds - 1e-12);
            }
        }

        foreach (TimelineEntry second in timeline.Where(e => e.Member == "s1"))
        {
            TimelineEntry first = timeline.Single(e => e.Member == "s0" && e.Batch == second.Batch);
            Assert.True(second.StartSeconds >= first.FinishSeconds - 1e-12);
            Assert.True(second.Rows < first.Rows || second.Rows == first.Rows);
        }

        Assert.All(timeline, e => Assert.True(e.Virtual));
    }

    /// <summary>Two kernels per member, growing with the batch and differing per member.</summary>
    private static Func<int, int, IReadOnlyList<KernelCost>> Kernels(Device device) => (member, rows) =>
    {
        var model = new ModelWork(
            $"m{member}",
            rows,
            Precision.Fp32,
            [
                new LayerWork("conv", LayerOp.Conv, 2e9 * rows * (member + 1), 4e6 * rows, 1e6, new GemmShape(3136 * rows, 64 * (member + 1), 576)),
                new LayerWork("fc", LayerOp.Gemm, 2e7 * rows, 8e6, 8e6, new GemmShape(rows, 1000, 2048)),
            ],
            9_000_000,
            4_000_000,
            0);
        return AnalyticCostModel.Default.Kernels(model, device);
    };
}
