using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;

namespace Esen.Runtime.Tests.Pipeline;

public sealed class ReallocationTests
{
    private const int Features = 6;
    private const int Classes = 5;
    private const int BatchesInFlight = 3;

    // Members m0..m3; member i has seed i, so a member's runner computes the same layer in every deployment.
    private static readonly MemberSpec[] s_members = [.. Enumerable.Range(0, 4).Select(i => new MemberSpec($"m{i}", null, "linear", i))];

    [Fact]
    public async Task Ensemble_MembersAddedAndRemovedUnderLoad_EveryRequestAnsweredOnceByOneConfiguration()
    {
        int[][] configurations = [[0, 1], [0, 1, 2], [1, 2], [1, 2, 3], [0, 3]];
        EnsembleSpec first = Ensemble(configurations[0]);
        var runners = new SeededLinearRunners(Features, Classes);
        Tensor[] inputs;
        Tensor[] answers;
        RuntimeStatistics statistics;
        await using (var runtime = EnsembleRuntime.Create(first, RuntimePlan.Equal(first), runners, new RuntimeOptions { BatchesInFlight = BatchesInFlight, RequestQueueCapacity = 64 }))
        {
            using var stop = new CancellationTokenSource();
            Task<(Tensor[], Tensor[])> load = SendUntilAsync(runtime, i => EnsembleRuntimeTests.RandomInput(new Random(20261205 + i), 1 + (i % 3)), clients: 6, stop.Token);
            foreach (int[] members in configurations.Skip(1))
            {
                await WhileRowsBelowAsync(runtime, runtime.Statistics.Rows + 150);
                EnsembleSpec spec = Ensemble(members);
                Reallocation moved = await runtime.ReallocateAsync(spec, RuntimePlan.Equal(spec), runners);
                Assert.Equal(members.Select(m => $"m{m}"), moved.MembersAfter);
            }

            await WhileRowsBelowAsync(runtime, runtime.Statistics.Rows + 150);
            await stop.CancelAsync();
            (inputs, answers) = await load;
            statistics = runtime.Statistics;
        }

        // Each answer is the mean of exactly one configuration's members run alone; count the rows each member answered.
        var expectedRows = new int[s_members.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            int rows = checked((int)inputs[i].Shape[0]);
            int[][] matches = [.. configurations.Where(c => Mean(inputs[i], c).SequenceEqual(answers[i].Floats))];
            int[] configuration = Assert.Single(matches);
            foreach (int m in configuration)
            {
                expectedRows[m] += rows;
            }
        }

        int totalRows = inputs.Sum(x => checked((int)x.Shape[0]));
        Assert.Equal(totalRows, statistics.Rows);
        for (int m = 0; m < s_members.Length; m++)
        {
            // Every runner ran one zero row before its deployment went live (the first deployment excepted).
            int warmUps = runners.CountOf($"m{m}") - (configurations[0].Contains(m) ? 1 : 0);
            Assert.Equal(expectedRows[m] + warmUps, runners.RowsOf($"m{m}"));
        }

        Assert.Equal(configurations.Length - 1, statistics.Reallocations.Count);
        AssertPauses(statistics, maxDrained: BatchesInFlight);
        Assert.All(runners.Created, c => Assert.True(c.Runner.Disposed));
    }

    [Fact]
    public async Task Cascade_SharesChangedUnderLoad_AnswersEqualASequentialCascadeAndStageCountsCarryOver()
    {
        var runners = new SeededLinearRunners(Features, Classes);
        EnsembleSpec spec = EnsembleRuntimeTests.Cascade([0.5, 0.6], maxBatch: 8, maxDelayMs: 0.5);
        int[][] shares = [[34, 33, 33], [60, 30, 10], [20, 40, 40], [50, 25, 25]];
        Tensor[] inputs;
        Tensor[] answers;
        RuntimeStatistics statistics;
        await using (var runtime = EnsembleRuntime.Create(spec, Plan(spec, shares[0]), runners, new RuntimeOptions { BatchesInFlight = BatchesInFlight, RequestQueueCapacity = 32 }))
        {
            using var stop = new CancellationTokenSource();
            Task<(Tensor[], Tensor[])> load = SendUntilAsync(runtime, i => EnsembleRuntimeTests.RandomInput(new Random(20261206 + i), 1), clients: 4, stop.Token);
            foreach (int[] next in shares.Skip(1))
            {
                await WhileRowsBelowAsync(runtime, runtime.Statistics.Rows + 200);
                Reallocation moved = await runtime.ReallocateAsync(spec, Plan(spec, next), runners);
                Assert.Equal(next, moved.GrantsAfter.Select(g => g.SharePercent));
            }

            await WhileRowsBelowAsync(runtime, runtime.Statistics.Rows + 200);
            await stop.CancelAsync();
            (inputs, answers) = await load;
            statistics = runtime.Statistics;
            Assert.Equal(shares[^1], runtime.Grants.Select(g => g.SharePercent));
        }

        // The oracle: stage after stage on one row, leaving at the first stage sure enough.
        var stages = Enumerable.Range(0, 3).Select(k => new LinearRunner(Features, Classes, k)).ToArray();
        long[] reached = new long[3];
        for (int i = 0; i < inputs.Length; i++)
        {
            for (int k = 0; k < stages.Length; k++)
            {
                reached[k]++;
                float[] output = stages[k].Logits(inputs[i].Floats, 1);
                if (k == stages.Length - 1 || CascadeExit.MaxSoftmax(output) >= spec.Exit!.Thresholds[k])
                {
                    Assert.Equal(output, answers[i].Floats);
                    break;
                }
            }
        }

        Assert.Equal(reached, statistics.Stages.Select(s => s.Reached));
        for (int k = 0; k < stages.Length; k++)
        {
            Assert.Equal(reached[k] + shares.Length - 1, runners.RowsOf($"s{k}"));
        }

        AssertPauses(statistics, maxDrained: BatchesInFlight * stages.Length);
    }

    [Fact]
    public async Task Reallocate_OtherSampleShape_IsRefusedAndTheOldPartitionsKeepServing()
    {
        var runners = new SeededLinearRunners(Features, Classes);
        EnsembleSpec spec = Ensemble([0, 1]);
        await using var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), runners);
        EnsembleSpec wider = spec with { Input = new InputSpec("x", new TensorShape(TensorShape.Dynamic, Features + 1)) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => runtime.ReallocateAsync(wider, RuntimePlan.Equal(wider), runners));

        Assert.Contains($"[{Features}]", error.Message, StringComparison.Ordinal);
        Tensor x = EnsembleRuntimeTests.RandomInput(new Random(3), 2);
        Assert.Equal(Mean(x, [0, 1]), (await runtime.InferAsync(x)).Floats);
        Assert.Empty(runtime.Statistics.Reallocations);
    }

    [Fact]
    public async Task SimulatedDevice_AfterASwitch_TheNewMembersAreTimedAndTheVirtualClockGoesOn()
    {
        var device = new DeviceSpec(DeviceKind.Simulated, 0, "h100");
        var runners = new SeededLinearRunners(Features, Classes);
        EnsembleSpec before = Ensemble([0, 1]) with { Device = device };
        EnsembleSpec after = Ensemble([1, 2, 3]) with { Device = device };
        var launched = new List<string>();
        var random = new Random(11);
        await using var runtime = EnsembleRuntime.Create(
            before, Plan(before, [50, 50]), runners, new RuntimeOptions { VirtualTiming = _ => new StepTiming(before, launched) });
        await runtime.InferAsync(EnsembleRuntimeTests.RandomInput(random, 2));

        Reallocation moved = await runtime.ReallocateAsync(after, Plan(after, [20, 30, 50]), runners, _ => new StepTiming(after, launched));
        await runtime.InferAsync(EnsembleRuntimeTests.RandomInput(random, 2));

        Assert.Equal([20, 30, 50], moved.GrantsAfter.Select(g => g.Units));
        Assert.Equal(["m0", "m1", "m1", "m2", "m3"], launched);
        IReadOnlyList<TimelineEntry> timeline = runtime.Timeline;
        double firstEnd = timeline.Where(e => e.Batch == 0).Max(e => e.FinishSeconds);
        Assert.All(timeline.Where(e => e.Batch == 1), e => Assert.True(e.StartSeconds >= firstEnd, $"{e.Member} starts at {e.StartSeconds}, before {firstEnd}"));
        Assert.Equal(["m1", "m2", "m3"], timeline.Where(e => e.Batch == 1).Select(e => e.Member));
    }

    private static void AssertPauses(RuntimeStatistics statistics, int maxDrained)
    {
        Assert.All(statistics.Reallocations, r =>
        {
            Assert.True(r.Pause > TimeSpan.Zero, "a switch stops dispatch for some time");
            // Bounded by the batches in flight, which take microseconds here; seconds would mean a stall.
            Assert.True(r.Pause < TimeSpan.FromSeconds(5), $"pause {r.Pause}");
            Assert.InRange(r.BatchesDrained, 0, maxDrained);
        });
        Assert.Equal(statistics.Reallocations.Max(r => r.Pause), statistics.LongestPause);
        Assert.True(statistics.TotalPause >= statistics.LongestPause);
    }

    /// <summary>
    /// Clients send seeded inputs (input i from <paramref name="inputOf"/>), eight at a time each so the queue never runs
    /// dry, until <paramref name="stop"/>; returns every input sent and its answer, in request order.
    /// </summary>
    private static async Task<(Tensor[] Inputs, Tensor[] Answers)> SendUntilAsync(EnsembleRuntime runtime, Func<int, Tensor> inputOf, int clients, CancellationToken stop)
    {
        int next = -1;
        var sent = new System.Collections.Concurrent.ConcurrentDictionary<int, (Tensor Input, Tensor Answer)>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                (int Index, Tensor Input, Task<Tensor> Answer)[] window = [.. Enumerable.Range(0, 8).Select(_ =>
                {
                    int i = Interlocked.Increment(ref next);
                    Tensor input = inputOf(i);
                    return (i, input, runtime.InferAsync(input));
                })];
                foreach ((int index, Tensor input, Task<Tensor> answer) in window)
                {
                    Assert.True(sent.TryAdd(index, (input, await answer)));
                }
            }
        })));
        (Tensor Input, Tensor Answer)[] ordered = [.. sent.OrderBy(p => p.Key).Select(p => p.Value)];
        Assert.Equal(next + 1, ordered.Length);
        return ([.. ordered.Select(p => p.Input)], [.. ordered.Select(p => p.Answer)]);
    }

    private static async Task WhileRowsBelowAsync(EnsembleRuntime runtime, long rows)
    {
        while (runtime.Statistics.Rows < rows)
        {
            await Task.Delay(1);
        }
    }

    private static EnsembleSpec Ensemble(int[] members) => new(
        "test.json", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
        [.. members.Select(m => s_members[m])],
        new InputSpec("x", new TensorShape(TensorShape.Dynamic, Features)),
        new BatchingSpec(8, 0.5),
        "equal");

    private static RuntimePlan Plan(EnsembleSpec spec, int[] shares) =>
        new(spec, spec.Members.Select((m, i) => new MemberPlacement(m.Name, shares[i])), "test");

    /// <summary>The oracle: the members' layers applied one by one and averaged in the combiner's order of operations.</summary>
    private static float[] Mean(Tensor input, int[] members)
    {
        int rows = checked((int)input.Shape[0]);
        Tensor[] alone = [.. members.Select(m => Tensor.FromFloats(new TensorShape(rows, Classes), new LinearRunner(Features, Classes, m).Logits(input.Floats, rows)))];
        return Combiner.Combine(CombineRule.Mean, alone, [.. members.Select(_ => 1.0)]).Floats;
    }

    /// <summary>A simulated device where a member takes 1 ms per row on any partition and a share of p % is p SMs; it records who was launched.</summary>
    private sealed class StepTiming(EnsembleSpec spec, List<string> launched) : IVirtualDeviceTiming
    {
        public IReadOnlyList<(double StartSeconds, double FinishSeconds)> Run(IReadOnlyList<VirtualLaunch> launches)
        {
            launched.AddRange(launches.Select(l => spec.Members[l.Member].Name));
            return [.. launches.Select(l => (0.0, l.Rows / 1000.0))];
        }

        public int UnitsForShare(int percent) => percent;
    }
}
