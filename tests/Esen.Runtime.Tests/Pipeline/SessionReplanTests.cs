using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Pipeline;

/// <summary>Re-planning a running session on the CPU executor: member changes, a rate change and exit-ratio drift.</summary>
public sealed class SessionReplanTests
{
    private const int ImageSize = 32;
    private static readonly MemberSpec s_a = new("a", null, "mobilenetv2", 1);
    private static readonly MemberSpec s_b = new("b", null, "mobilenetv2", 2);
    private static readonly MemberSpec s_c = new("c", null, "mobilenetv2", 3);

    [Fact]
    public async Task MembersAddedAndRemovedAndARateChange_UnderLoad_EveryAnswerIsOneConfigurationsMembersAlone()
    {
        EnsembleSpec spec = Spec(EnsembleKind.Ensemble, [s_a, s_b], null);
        Tensor[] inputs = [.. Enumerable.Range(0, 48).Select(i => Image(seed: 100 + i))];
        string[][] configurations = [["a", "b"], ["a", "b", "c"], ["b", "c"]];

        Tensor[] answers;
        RuntimeStatistics statistics;
        IReadOnlyList<Replan> replans;
        await using (EnsembleSession session = await EnsembleSession.LoadAsync(spec))
        {
            Task<Tensor[]> load = SendAllAsync(session, inputs, clients: 4);
            await WhileRowsBelowAsync(session, 8);
            Replan added = await session.AddMemberAsync(s_c);
            await WhileRowsBelowAsync(session, 20);
            Replan removed = await session.RemoveMemberAsync("a");
            await WhileRowsBelowAsync(session, 32);
            Replan rate = await session.ReplanAsync(new ReplanRequest { RequestRate = 500, Reason = "rate 500/s" });
            answers = await load;
            statistics = session.Statistics;
            replans = session.Replans;

            Assert.Equal(["a", "b", "c"], added.Reallocation!.MembersAfter);
            Assert.Equal(["b", "c"], removed.Reallocation!.MembersAfter);
            Assert.Equal(["b", "c"], session.Spec.Members.Select(m => m.Name));
            // 1 + 500/s × 1 ms rounds to 2 rows per batch.
            Assert.Equal(2, rate.PlanBatch);
            Assert.Equal("rate 500/s", rate.Reason);
        }

        Assert.Equal(inputs.Length, statistics.Rows);
        // The oracle: every member's graph, loaded apart from the session, run alone on each input.
        IReadOnlyList<LayerGraph> loaded = Esen.Runtime.Planning.EnsembleModels.Load(Spec(EnsembleKind.Ensemble, [s_a, s_b, s_c], null)).Graphs;
        Dictionary<string, LayerGraph> graphs = new() { ["a"] = loaded[0], ["b"] = loaded[1], ["c"] = loaded[2] };
        for (int i = 0; i < inputs.Length; i++)
        {
            Dictionary<string, Tensor> alone = graphs.ToDictionary(g => g.Key, g => RunAlone(g.Value, inputs[i]));
            double[] distances = [.. configurations.Select(c => MaxDifference(Combiner.Combine(CombineRule.Mean, [.. c.Select(m => alone[m])], [.. c.Select(_ => 1.0)]), answers[i]))];
            // Batched and single-row GEMMs block their sums differently: equal to float rounding, and unlike the other configurations.
            Assert.Single(distances, d => d <= 1e-4);
        }

        Assert.Equal(replans.Count(r => r.Reallocation is not null), statistics.Reallocations.Count);
        Assert.InRange(statistics.Reallocations.Count, 2, 3);
        Assert.All(statistics.Reallocations, r => Assert.InRange(r.Pause, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cascade_ExitRatioDriftsFromThePlan_ReplansOnceWithTheObservedRatio()
    {
        // Threshold 0: every input leaves at the first stage (exit ratio 1), where the plan assumed none leave.
        EnsembleSpec spec = Spec(EnsembleKind.Cascade, [s_a, s_b], new ExitSpec([0.0]));
        var lines = new List<string>();
        var options = new SessionOptions { ExitRatioDrift = new ExitRatioDriftOptions { Threshold = 0.2, MinimumInputs = 8 }, Progress = line => { lock (lines) { lines.Add(line); } } };
        Tensor[] inputs = [.. Enumerable.Range(0, 24).Select(i => Image(seed: 200 + i))];

        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec, options);
        Assert.Null(session.PlannedExitRatios);
        Tensor[] answers = await SendAllAsync(session, inputs, clients: 2);
        for (int wait = 0; session.Replans.Count == 0 && wait < 600; wait++)
        {
            await Task.Delay(100);
        }

        Replan replan = Assert.Single(session.Replans);
        Assert.Equal([1.0], replan.ExitRatios);
        Assert.Equal([1.0], session.PlannedExitRatios);
        Assert.Contains("exit ratios drifted: a 100.0 % observed, 0.0 % planned", replan.Reason, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("re-planned (exit ratios drifted", StringComparison.Ordinal));

        // The observed ratio is the planned one now: more inputs do not re-plan again.
        _ = await SendAllAsync(session, [.. Enumerable.Range(0, 12).Select(i => Image(seed: 300 + i))], clients: 2);
        await Task.Delay(200);
        Assert.Single(session.Replans);
        Assert.Equal(36, session.Statistics.Stages[0].Exited);

        LayerGraph first = session.Models.Graphs[0];
        Assert.All(inputs.Zip(answers), p => Assert.True(MaxDifference(RunAlone(first, p.First), p.Second) <= 1e-4));
    }

    [Fact]
    public async Task BadReplans_AreBadInputAndTheSessionKeepsServing()
    {
        EnsembleSpec spec = Spec(EnsembleKind.Ensemble, [s_a], null);
        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec);

        EsenException unknown = await Assert.ThrowsAsync<EsenException>(() => session.RemoveMemberAsync("z"));
        EsenException last = await Assert.ThrowsAsync<EsenException>(() => session.RemoveMemberAsync("a"));
        EsenException taken = await Assert.ThrowsAsync<EsenException>(() => session.AddMemberAsync(s_a));
        EsenException ratios = await Assert.ThrowsAsync<EsenException>(() => session.ReplanAsync(new ReplanRequest { ExitRatios = [0.5] }));
        EsenException rate = await Assert.ThrowsAsync<EsenException>(() => session.ReplanAsync(new ReplanRequest { RequestRate = -1 }));
        EsenException twice = await Assert.ThrowsAsync<EsenException>(() => session.ReplanAsync(new ReplanRequest { Spec = spec with { Members = [s_a, s_a] } }));
        EsenException thresholds = await Assert.ThrowsAsync<EsenException>(() =>
            session.ReplanAsync(new ReplanRequest { Spec = spec with { Kind = EnsembleKind.Cascade, Members = [s_a, s_b], Exit = new ExitSpec([0.5, 0.6]) } }));

        Assert.All([unknown, last, taken, ratios, rate, twice, thresholds], e => Assert.Equal(EsenErrorKind.BadInput, e.Kind));
        Assert.Contains("names two members a", twice.Message, StringComparison.Ordinal);
        Assert.Contains("cascade of 2 stages with 2 exit thresholds", thresholds.Message, StringComparison.Ordinal);
        Assert.Contains("no member named z; members: a", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("only member", last.Message, StringComparison.Ordinal);
        Assert.Contains("exit ratios are for cascades", ratios.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await session.InferAsync(Image(seed: 1))).Shape[0]);
        Assert.Empty(session.Replans);
    }

    [Fact]
    public async Task AddStageToCascade_WithoutTheThreshold_NamesTheStageThatNeedsIt()
    {
        EnsembleSpec spec = Spec(EnsembleKind.Cascade, [s_a, s_b], new ExitSpec([0.5]));
        await using EnsembleSession session = await EnsembleSession.LoadAsync(spec);

        EsenException error = await Assert.ThrowsAsync<EsenException>(() => session.AddMemberAsync(s_c));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Contains("its stage b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drifted_CountsOnlyStagesWithEnoughInputs()
    {
        var drift = new ExitRatioDriftOptions { Threshold = 0.1, MinimumInputs = 100 };

        // Stage 0 saw too few inputs; stage 1 is within the threshold: no drift.
        Assert.Null(drift.Drifted([0.2, 0.5], [new("s0", 99, 90), new("s1", 200, 110), new("s2", 90, 90)]));

        // Stage 0 drifted: its observed ratio replaces the planned one; stage 1 keeps its planned ratio (too few inputs).
        Assert.Equal([0.5, 0.3], drift.Drifted([0.2, 0.3], [new("s0", 400, 200), new("s1", 50, 50), new("s2", 0, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExitRatioDriftOptions { Threshold = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExitRatioDriftOptions { MinimumInputs = 0 }.Validate());
    }

    private static EnsembleSpec Spec(EnsembleKind kind, MemberSpec[] members, ExitSpec? exit) => new(
        "replan.json", kind, CombineRule.Mean, exit, DeviceSpec.Cpu, members,
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, ImageSize, ImageSize)), new BatchingSpec(4, 1), "search");

    private static async Task<Tensor[]> SendAllAsync(EnsembleSession session, Tensor[] inputs, int clients)
    {
        var answers = new Tensor[inputs.Length];
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (int i = c; i < inputs.Length; i += clients)
            {
                answers[i] = await session.InferAsync(inputs[i]);
            }
        })));
        return answers;
    }

    private static async Task WhileRowsBelowAsync(EnsembleSession session, long rows)
    {
        while (session.Statistics.Rows < rows)
        {
            await Task.Delay(5);
        }
    }

    private static Tensor Image(int seed)
    {
        var random = new Random(seed);
        return Tensor.FromFloats(new TensorShape(1, 3, ImageSize, ImageSize), [.. Enumerable.Range(0, 3 * ImageSize * ImageSize).Select(_ => random.NextSingle())]);
    }

    private static Tensor RunAlone(LayerGraph graph, Tensor input)
    {
        using var executor = new CpuExecutor(graph.ForBatch(input.Shape[0]));
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = input })[graph.Outputs[0].Name];
    }

    private static double MaxDifference(Tensor expected, Tensor actual) =>
        expected.Shape != actual.Shape ? double.PositiveInfinity : expected.Floats.Zip(actual.Floats).Max(p => Math.Abs(p.First - p.Second));
}
