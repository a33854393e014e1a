using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Pipeline;

public sealed class EnsembleRuntimeTests
{
    private const int Features = 6;
    private const int Classes = 5;

    [Theory]
    [InlineData(CombineRule.Mean)]
    [InlineData(CombineRule.Weighted)]
    [InlineData(CombineRule.Vote)]
    [InlineData(CombineRule.Max)]
    public async Task Ensemble_EachAnswerIsTheCombinationOfTheMembersRunOneByOne(CombineRule rule)
    {
        LinearRunner[] members = [new(Features, Classes, 1), new(Features, Classes, 2), new(Features, Classes, 3)];
        double[] weights = rule is CombineRule.Weighted or CombineRule.Vote ? [1, 2.5, 0.5] : [1, 1, 1];
        EnsembleSpec spec = Ensemble(rule, weights, maxBatch: 4, maxDelayMs: 1);
        var random = new Random(7);
        Tensor[] inputs = [.. Enumerable.Range(0, 60).Select(i => RandomInput(random, 1 + (i % 3)))];

        Tensor[] answers;
        await using (var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new FixedRunners(members)))
        {
            answers = await Task.WhenAll(inputs.Select(x => runtime.InferAsync(x)));
            Assert.Equal(inputs.Sum(x => x.Shape[0]), runtime.Statistics.Rows);
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            int rows = checked((int)inputs[i].Shape[0]);
            Tensor[] alone = [.. members.Select(m => Tensor.FromFloats(new TensorShape(rows, Classes), m.Logits(inputs[i].Floats, rows)))];
            Tensor expected = Combiner.Combine(rule, alone, weights);
            Assert.Equal(expected.Shape, answers[i].Shape);
            Assert.Equal(expected.Floats, answers[i].Floats);
        }

        Assert.All(members, m => Assert.InRange(m.MaxBatchRows, 1, 4));
        Assert.All(members, m => Assert.True(m.Disposed));
    }

    [Fact]
    public async Task Cascade_AnswersAndExitRatiosEqualASequentialCascade()
    {
        // Scales make the first stage unsure about some inputs and sure about others.
        LinearRunner[] stages = [new(Features, Classes, 11, 0.6f), new(Features, Classes, 12, 0.8f), new(Features, Classes, 13)];
        double[] thresholds = [0.6, 0.7];
        EnsembleSpec spec = Cascade(thresholds, maxBatch: 8, maxDelayMs: 1);
        var random = new Random(8);
        Tensor[] inputs = [.. Enumerable.Range(0, 80).Select(i => RandomInput(random, 1 + (i % 2)))];

        Tensor[] answers;
        RuntimeStatistics statistics;
        await using (var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new FixedRunners(stages)))
        {
            answers = await Task.WhenAll(inputs.Select(x => runtime.InferAsync(x)));
            statistics = runtime.Statistics;
        }

        long[] reached = new long[3], exited = new long[3];
        for (int i = 0; i < inputs.Length; i++)
        {
            int rows = checked((int)inputs[i].Shape[0]);
            for (int r = 0; r < rows; r++)
            {
                float[] row = inputs[i].Floats[(r * Features)..((r + 1) * Features)];
                for (int k = 0; k < stages.Length; k++)
                {
                    reached[k]++;
                    float[] output = stages[k].Logits(row, 1);
                    if (k == stages.Length - 1 || CascadeExit.MaxSoftmax(output) >= thresholds[k])
                    {
                        exited[k]++;
                        Assert.Equal(output, answers[i].Floats[(r * Classes)..((r + 1) * Classes)]);
                        break;
                    }
                }
            }
        }

        Assert.Equal(reached, statistics.Stages.Select(s => s.Reached));
        Assert.Equal(exited, statistics.Stages.Select(s => s.Exited));
        Assert.InRange(statistics.Stages[0].ExitRatio, 0.05, 0.95);
    }

    [Fact]
    public async Task UnderLoad_ThousandsOfRequestsFromSeveralThreads_EachGetsItsOwnAnswer()
    {
        LinearRunner[] members = [new(Features, Classes, 21), new(Features, Classes, 22)];
        EnsembleSpec spec = Ensemble(CombineRule.Mean, [1, 1], maxBatch: 16, maxDelayMs: 0.5);
        var options = new RuntimeOptions { RequestQueueCapacity = 8, BatchesInFlight = 2 };
        const int Threads = 4, PerThread = 600;

        await using var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new FixedRunners(members), options);
        Task<int>[] clients =
        [
            .. Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
            {
                var pending = new List<(Tensor Input, Task<Tensor> Answer)>();
                for (int i = 0; i < PerThread; i++)
                {
                    // Every input is distinct: its first feature encodes the thread and the request.
                    Tensor x = Tensor.FromFloats(new TensorShape(1, Features), [t * 10_000 + i, 1, -1, 0.5f, t, i % 7]);
                    pending.Add((x, runtime.InferAsync(x)));
                }

                foreach ((Tensor input, Task<Tensor> answer) in pending)
                {
                    float[] expected = Mean(members.Select(m => m.Logits(input.Floats, 1)).ToArray());
                    Assert.Equal(expected, (await answer).Floats);
                }

                return pending.Count;
            })),
        ];

        Assert.Equal(Threads * PerThread, (await Task.WhenAll(clients)).Sum());
        Assert.Equal(Threads * PerThread, runtime.Statistics.Rows);
    }

    [Fact]
    public async Task Cancellation_CancelsOnlyThatRequest()
    {
        var gate = new SemaphoreSlim(0);
        LinearRunner[] members = [new(Features, Classes, 31) { Gate = gate }];
        EnsembleSpec spec = Ensemble(CombineRule.Mean, [1], maxBatch: 1, maxDelayMs: 0);
        var random = new Random(9);
        await using var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new FixedRunners(members));
        using var cancel = new CancellationTokenSource();

        Task<Tensor> first = runtime.InferAsync(RandomInput(random, 1));
        Task<Tensor> cancelled = runtime.InferAsync(RandomInput(random, 1), cancel.Token);
        Task<Tensor> third = runtime.InferAsync(RandomInput(random, 1));
        await cancel.CancelAsync();
        gate.Release(10);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(new TensorShape(1, Classes), (await first).Shape);
        Assert.Equal(new TensorShape(1, Classes), (await third).Shape);
    }

    [Fact]
    public async Task DisposeMidFlight_FailsPendingRequests_StopsWorkers_DisposesRunners()
    {
        var gate = new SemaphoreSlim(0);
        LinearRunner[] members = [new(Features, Classes, 41) { Gate = gate }, new(Features, Classes, 42)];
        EnsembleSpec spec = Cascade([0.99], maxBatch: 2, maxDelayMs: 0);
        var random = new Random(10);
        var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new FixedRunners(members), new RuntimeOptions { RequestQueueCapacity = 64 });
        Task<Tensor>[] pending = [.. Enumerable.Range(0, 40).Select(_ => runtime.InferAsync(RandomInput(random, 1)))];
        while (members[0].ActiveRuns == 0)
        {
            await Task.Delay(1);
        }

        await runtime.DisposeAsync();

        Assert.All(pending, t => Assert.True(t.IsCompleted));
        Assert.All(pending, t => Assert.IsType<ObjectDisposedException>(t.Exception?.InnerException));
        Assert.All(members, m => Assert.Equal(0, m.ActiveRuns));
        Assert.All(members, m => Assert.True(m.Disposed));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runtime.InferAsync(RandomInput(random, 1)));
    }

    [Fact]
    public async Task InferAsync_WrongShape_NamesTheExpectedShape()
    {
        EnsembleSpec spec = Ensemble(CombineRule.Mean, [1], maxBatch: 1, maxDelayMs: 0);
        await using var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new FixedRunners(new LinearRunner(Features, Classes, 1)));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => runtime.InferAsync(Tensor.Zeros(DataType.Float32, new TensorShape(1, Features + 1))));

        Assert.Contains($"float[rows,{Features}]", ex.Message, StringComparison.Ordinal);
    }

    internal static EnsembleSpec Ensemble(CombineRule rule, double[] weights, int maxBatch, double maxDelayMs, DeviceSpec? device = null) => new(
        "test.json",
        EnsembleKind.Ensemble,
        rule,
        null,
        device ?? DeviceSpec.Cpu,
        [.. weights.Select((w, i) => new MemberSpec($"m{i}", null, "linear", i, w))],
        new InputSpec("x", new TensorShape(TensorShape.Dynamic, Features)),
        new BatchingSpec(maxBatch, maxDelayMs),
        "equal");

    internal static EnsembleSpec Cascade(double[] thresholds, int maxBatch, double maxDelayMs, DeviceSpec? device = null) => new(
        "test.json",
        EnsembleKind.Cascade,
        CombineRule.Mean,
        new ExitSpec(thresholds),
        device ?? DeviceSpec.Cpu,
        [.. Enumerable.Range(0, thresholds.Length + 1).Select(i => new MemberSpec($"s{i}", null, "linear", i))],
        new InputSpec("x", new TensorShape(TensorShape.Dynamic, Features)),
        new BatchingSpec(maxBatch, maxDelayMs),
        "equal");

    internal static Tensor RandomInput(Random random, int rows) =>
        Tensor.FromFloats(new TensorShape(rows, Features), [.. Enumerable.Range(0, rows * Features).Select(_ => (random.NextSingle() * 4) - 2)]);

    private static float[] Mean(float[][] outputs) =>
        [.. Enumerable.Range(0, outputs[0].Length).Select(i => (float)(outputs.Sum(o => (double)o[i]) / outputs.Length))];
}
