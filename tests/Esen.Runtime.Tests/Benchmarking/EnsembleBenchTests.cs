using System.Text.Json;
using System.Text.Json.Serialization;
using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native.Partitions;
using Esen.Runtime.Benchmarking;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.Profiles;

namespace Esen.Runtime.Tests.Benchmarking;

/// <summary>
/// The bench from recorded measurements: a fake GPU whose members follow known latency laws and a
/// fake closed loop that returns fixed throughputs, so every row, omission and the JSON are checked
/// without a GPU.
/// </summary>
public sealed class EnsembleBenchTests
{
    private static readonly DeviceSpec s_gpu0 = new(DeviceKind.Cuda, 0);
    private static readonly PartitionCapabilities s_h200 = new(13000, 132, 9, 0, MpsEnabled: false, ExecAffinitySupported: true);
    private static readonly PartitionCapabilities s_h200UnderMps = s_h200 with { MpsEnabled = true };
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };
    private static readonly Lazy<EnsembleModels> s_models = new(() => EnsembleModels.Load(Spec()));

    [Fact]
    public async Task Bench_WithGreenContextsOnly_MeasuresGreenNoneAndSequential_AndListsTheOthersWithTheirReasons()
    {
        var gpu = new FakeGpu(s_h200);
        var load = new RecordedLoop();

        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, gpu, load);

        Assert.Equal(
            [("green", "equal"), ("green", "planned"), ("none", "none"), ("sequential", "none")],
            report.Rows.Select(r => (r.Mechanism.Name, r.Split.ToName())));
        Assert.All(report.Rows, r => Assert.Equal(8, r.Batch));
        Assert.Equal(["mps-affinity", "mps-percentage"], report.NotMeasured.Select(o => o.Mechanism.Name));
        Assert.Equal(PartitionPlanner.Assess(s_h200, PartitionMechanism.MpsExecutionAffinity).Reason, report.NotMeasured[0].Reason);
        Assert.Contains("MPS control daemon", report.NotMeasured[1].Reason, StringComparison.Ordinal);
        Assert.All(report.NotMeasured, o => Assert.Null(o.Split));

        // The equal split is measured in grantable shares: 31 % = 5 of 16 eight-SM groups each.
        BenchRow equal = report.Rows[0];
        Assert.Equal([31, 31, 31], equal.SharesPercent);
        Assert.Equal([40, 40, 40], equal.GrantedSms);
        Assert.Equal([132, 132, 132], report.Rows[2].GrantedSms);
        Assert.Equal(["resnet18", "mobilenetv2", "resnet50"], report.Alone.Select(m => m.Member));
        Assert.Equal(report.Members, report.Alone.Select(m => m.Member));
    }

    [Fact]
    public async Task Bench_UnderMps_AddsMpsAffinityRows_AndLeavesOutThreadPercentageWithTheRuntimesReason()
    {
        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, new FakeGpu(s_h200UnderMps), new RecordedLoop());

        Assert.Equal(
            [("green", "equal"), ("green", "planned"), ("mps-affinity", "equal"), ("mps-affinity", "planned"), ("none", "none"), ("sequential", "none")],
            report.Rows.Select(r => (r.Mechanism.Name, r.Split.ToName())));
        BenchOmission percentage = Assert.Single(report.NotMeasured);
        Assert.Equal("mps-percentage", percentage.Mechanism.Name);
        Assert.Contains("worker process", percentage.Reason, StringComparison.Ordinal);

        // MPS execution affinity grants TPCs: 33 % = 22 of 66 two-SM units each.
        BenchRow equal = report.Rows[2];
        Assert.Equal([33, 33, 33], equal.SharesPercent);
        Assert.Equal([44, 44, 44], equal.GrantedSms);
    }

    [Fact]
    public async Task Bench_RunsEachClosedLoopOnTheRowsLayout_WithTwiceTheBatchInClients()
    {
        var load = new RecordedLoop();

        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, new FakeGpu(s_h200), load, new BenchOptions { Batches = [8, 32] });

        Assert.Equal([8, 32], report.Batches);
        Assert.Equal(8, report.Rows.Count);
        Assert.Equal(6, report.Alone.Count);
        Assert.Equal(6, load.Runs.Count);
        foreach ((BenchRow row, RecordedLoop.Run run) in report.Rows.Where(r => r.Load is not null).Zip(load.Runs))
        {
            Assert.Equal(row.Mechanism.Partitions, run.Mechanism);
            Assert.Equal(row.SharesPercent, run.Shares);
            Assert.Equal(row.Batch, run.MaxBatch);
            Assert.Equal(new ClosedLoopOptions(2 * row.Batch, 20 * row.Batch, 3 * row.Batch), run.Loop);
            Assert.Equal(run.Loop.Requests, row.Load!.Requests);
        }
    }

    [Fact]
    public async Task PlannedRow_HasTheMeasuredPlannersShares_AndItsMeasuredLayout()
    {
        var gpu = new FakeGpu(s_h200);

        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, gpu, new RecordedLoop());

        EnsembleModels atBatch8 = s_models.Value.WithBatching(s_models.Value.Spec.Batching with { MaxBatch = 8 });
        MeasuredPlan oracle = MeasuredPlanner.Plan(atBatch8, _ => new FakeGpu(s_h200), null, PartitionMechanism.GreenContext);
        BenchRow planned = report.Rows[1];
        Assert.Equal(oracle.Plan.Shares, planned.SharesPercent);
        Assert.Equal(oracle.Devices[0].PlannedRun!.GrantedSms, planned.GrantedSms);
        Assert.Equal(oracle.Devices[0].PlannedRun!.Batch.MedianMs, planned.BatchMs);
    }

    [Fact]
    public async Task Sequential_IsDerivedFromTheMembersAlone()
    {
        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, new FakeGpu(s_h200), new RecordedLoop(), new BenchOptions { Batches = [8, 32] });

        foreach (int batch in report.Batches)
        {
            double sum = report.Alone.Where(m => m.Batch == batch).Sum(m => m.Alone.MedianMs);
            BenchRow sequential = report.Rows.Single(r => r.Batch == batch && r.Mechanism == BenchMechanism.Sequential);
            Assert.Equal(sum, sequential.BatchMs, 12);
            Assert.Equal(batch * 1000 / sum, sequential.ThroughputPerSecond, 9);
            Assert.Null(sequential.Load);
            Assert.Equal([100, 100, 100], sequential.SharesPercent);
        }
    }

    [Theory]
    [InlineData(900, 1200, 1000, "green", "planned")]
    [InlineData(900, 800, 1000, "none", "none")]
    [InlineData(10, 20, 30, "sequential", "none")]
    public async Task Best_IsTheRowWithTheHighestThroughput_AndTheOnlyOneMarkedInTheJson(double equal, double planned, double none, string mechanism, string split)
    {
        var load = new RecordedLoop { Throughput = (_, solver) => solver switch { "equal" => equal, "none" => none, _ => planned } };

        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, new FakeGpu(s_h200), load);

        BenchRow best = report.Best(8)!;
        Assert.Equal((mechanism, split), (best.Mechanism.Name, best.Split.ToName()));
        Assert.All(report.Rows, r => Assert.True(r.ThroughputPerSecond <= best.ThroughputPerSecond));
        using JsonDocument json = JsonDocument.Parse(report.ToJson());
        JsonElement[] marked = [.. json.RootElement.GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("best").GetBoolean())];
        JsonElement only = Assert.Single(marked);
        Assert.Equal(mechanism, only.GetProperty("mechanism").GetString());
        Assert.Equal(split, only.GetProperty("split").GetString());
    }

    [Fact]
    public async Task Json_RoundTripsThroughSystemTextJson()
    {
        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, new FakeGpu(s_h200), new RecordedLoop(), new BenchOptions { Batches = [8, 32] });

        BenchJson read = JsonSerializer.Deserialize<BenchJson>(report.ToJson(), s_json)!;

        Assert.Equal(BenchReport.Format, read.Format);
        Assert.Equal(new GpuJson(0, "NVIDIA H200", 132, 9, 13000, 141L << 30), read.Gpu);
        Assert.Equal(report.Ensemble, read.Ensemble);
        Assert.Equal(report.Members, read.Members);
        Assert.Equal("fp32", read.Precision);
        Assert.Equal(new CudaJson(true, true, true, true, 256), read.Cuda);
        Assert.Equal(report.Batches, read.Batches);
        Assert.Equal(
            report.Alone.Select(m => new AloneJson(m.Batch, m.Member, m.Alone.MedianMs, m.Alone.P10Ms, m.Alone.P90Ms, m.Alone.Runs, m.MemoryBytes)),
            read.Alone);
        Assert.Equal(report.Rows.Count, read.Rows.Length);
        foreach ((BenchRow row, RowJson json) in report.Rows.Zip(read.Rows))
        {
            Assert.Equal((row.Batch, row.Mechanism.Name, row.Split.ToName()), (json.Batch, json.Mechanism, json.Split));
            Assert.Equal(row.SharesPercent, json.Shares);
            Assert.Equal(row.GrantedSms, json.GrantedSms);
            Assert.Equal(row.ThroughputPerSecond, json.ThroughputPerS);
            Assert.Equal(row.Load?.P50Ms, json.P50Ms);
            Assert.Equal(row.Load?.P99Ms, json.P99Ms);
            Assert.Equal(row.BatchMs, json.BatchMs);
            Assert.Equal(row.Load?.Clients, json.Clients);
            Assert.Equal(row.Load?.Requests, json.Requests);
            Assert.Equal(ReferenceEquals(row, report.Best(row.Batch)), json.Best);
        }

        Assert.Equal(report.NotMeasured.Select(o => new OmissionJson(o.Mechanism.Name, o.Split?.ToName(), o.Batch, o.Reason)), read.NotMeasured);
    }

    [Fact]
    public async Task RequestedMechanismTheGpuLacks_FailsNamingItAndWhy_BeforeMeasuringAnything()
    {
        var gpu = new FakeGpu(s_h200);
        var options = new BenchOptions { Mechanisms = [new BenchMechanism(PartitionMechanism.MpsExecutionAffinity), BenchMechanism.Sequential] };

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => EnsembleBench.RunAsync(s_models.Value, gpu, new RecordedLoop(), options));

        Assert.Equal($"mps-affinity is not available on cuda:0: {PartitionPlanner.Assess(s_h200, PartitionMechanism.MpsExecutionAffinity).Reason}", ex.Message);
        Assert.Equal(0, gpu.Measurements);
    }

    [Fact]
    public async Task RequestedMechanisms_AreTheOnlyRows_AndNothingElseIsListedAsMissing()
    {
        var options = new BenchOptions { Mechanisms = [new BenchMechanism(PartitionMechanism.None), BenchMechanism.Sequential] };

        BenchReport report = await EnsembleBench.RunAsync(s_models.Value, new FakeGpu(s_h200), new RecordedLoop(), options);

        Assert.Equal(["none", "sequential"], report.Rows.Select(r => r.Mechanism.Name));
        Assert.Empty(report.NotMeasured);
    }

    [Theory]
    [InlineData("green", true)]
    [InlineData("mps-affinity", true)]
    [InlineData("mps-percentage", true)]
    [InlineData("none", true)]
    [InlineData("sequential", true)]
    [InlineData("mps", false)]
    [InlineData("Green", false)]
    public void MechanismNames_ParseBackToTheirMechanism(string name, bool known)
    {
        Assert.Equal(known, BenchMechanism.TryParse(name, out BenchMechanism mechanism));
        Assert.Equal(known, BenchMechanism.Names.Contains(name));
        if (known)
        {
            Assert.Equal(name, mechanism.Name);
        }
    }

    [Theory]
    [InlineData(PartitionMechanism.GreenContext, 132, 9)]
    [InlineData(PartitionMechanism.MpsExecutionAffinity, 132, 9)]
    [InlineData(PartitionMechanism.MpsThreadPercentage, 132, 9)]
    [InlineData(PartitionMechanism.GreenContext, 108, 8)]
    [InlineData(PartitionMechanism.MpsExecutionAffinity, 108, 8)]
    [InlineData(PartitionMechanism.GreenContext, 80, 7)]
    public void EqualShare_IsTheLargestGrantableShareThatEveryMemberCanHave(PartitionMechanism mechanism, int sms, int computeMajor)
    {
        SmPartitionPolicy policy = SmPartitionPolicy.For(mechanism, sms, computeMajor);
        for (int members = 1; members <= 20; members++)
        {
            int? share = EnsembleBench.EqualShare(policy, members);

            // Oracle: the largest grantable share at most 100 % in all whose equal partitions each get the policy's SMs.
            int[] exact = [.. policy.GrantableShares().Where(s => s * members <= 100 && GetsThePolicysSms(policy, s, members))];
            Assert.Equal(exact.Length == 0 ? null : exact.Max(), share);
        }
    }

    [Fact]
    public void EqualShare_OnAnH200WithGreenContexts_IsThirtyOnePercentOrFortySmsForThreeMembers()
    {
        SmPartitionPolicy policy = SmPartitionPolicy.For(PartitionMechanism.GreenContext, 132, 9);

        Assert.Equal(31, EnsembleBench.EqualShare(policy, 3));
        Assert.Equal(40, policy.SmsForShare(31));
        Assert.Null(EnsembleBench.EqualShare(policy, 17));
    }

    [Fact]
    public void EqualShare_UnderMpsAffinityForFourMembers_StepsDownToAShareWhoseUnitsFit()
    {
        // 25 % asks for ceil(16.5) = 17 of 66 TPCs; four of those do not fit, so the split would not be equal.
        SmPartitionPolicy policy = SmPartitionPolicy.For(PartitionMechanism.MpsExecutionAffinity, 132, 9);

        Assert.Equal(24, EnsembleBench.EqualShare(policy, 4));
        Assert.Equal(32, policy.SmsForShare(24));
    }

    [Fact]
    public void PlaceOn_PutsEveryMemberOnTheDevice_AndRefusesACascade()
    {
        EnsembleSpec spread = Spec() with { Device = DeviceSpec.Cpu, Members = [.. Spec().Members.Select((m, i) => i == 0 ? m with { Device = new DeviceSpec(DeviceKind.Cuda, 1) } : m)] };

        EnsembleSpec placed = EnsembleBench.PlaceOn(spread, s_gpu0);

        Assert.All(Enumerable.Range(0, placed.Members.Count), i => Assert.Equal(s_gpu0, placed.DeviceOf(i)));
        var ex = Assert.Throws<EnsembleSpecException>(() => EnsembleBench.PlaceOn(spread with { Kind = EnsembleKind.Cascade }, s_gpu0));
        Assert.Contains("$.kind", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsOffTheMeasuredGpu_AreRefused()
    {
        EnsembleModels onCpu = EnsembleModels.Load(Spec() with { Device = DeviceSpec.Cpu, Members = [new MemberSpec("a", null, "mobilenetv2", 1)] });

        await Assert.ThrowsAsync<ArgumentException>(() => EnsembleBench.RunAsync(onCpu, new FakeGpu(s_h200), new RecordedLoop()));
    }

    [Fact]
    public async Task PlannedSplit_IsMeasuredAndStoredInTheSpecsPrecision()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"esen-bench-store-{Guid.NewGuid():N}");
        try
        {
            EnsembleModels tf32 = EnsembleModels.Load(Spec() with { Precision = GpuPrecision.Tf32 });
            var store = new ProfileStore(directory);

            BenchReport report = await EnsembleBench.RunAsync(tf32, new FakeGpu(s_h200), new RecordedLoop(), new BenchOptions { Store = store });

            Assert.Equal(GpuPrecision.Tf32, report.Precision);
            Assert.Equal(3, store.List().Profiles.Count);
            Assert.All(store.List().Profiles, p => Assert.Equal(("tf32", 8, "green"), (p.Key.Precision, p.Key.Batch, p.Key.Mechanism)));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task OptionsOutOfRange_AreRefusedBeforeMeasuring()
    {
        var gpu = new FakeGpu(s_h200);

        foreach (BenchOptions options in new[] { new BenchOptions { Batches = [] }, new BenchOptions { Batches = [8, 0] }, new BenchOptions { Clients = 0 }, new BenchOptions { LoopBatches = 0 } })
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EnsembleBench.RunAsync(s_models.Value, gpu, new RecordedLoop(), options));
        }

        Assert.Equal(0, gpu.Measurements);
    }

    internal static EnsembleSpec Spec() => new(
        "bench.json", EnsembleKind.Ensemble, CombineRule.Mean, null, s_gpu0,
        [new MemberSpec("resnet18", null, "resnet18", 1), new MemberSpec("mobilenetv2", null, "mobilenetv2", 2), new MemberSpec("resnet50", null, "resnet50", 3)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), new BatchingSpec(4, 1), "search");

    private static bool GetsThePolicysSms(SmPartitionPolicy policy, int share, int members)
    {
        PartitionPlan plan = PartitionPlanner.Plan(policy, [.. Enumerable.Repeat((double)share, members)]);
        return plan.IsFeasible && plan.Partitions.All(p => p.PlannedSms == policy.SmsForShare(share));
    }

    private sealed record BenchJson(string Format, GpuJson Gpu, string Ensemble, string[] Members, string Precision, CudaJson Cuda, int[] Batches, AloneJson[] Alone, RowJson[] Rows, OmissionJson[] NotMeasured);

    private sealed record CudaJson(bool Cudnn, bool MeasureConvolutions, bool CudaGraphs, bool Rewrites, int ConvolutionWorkspaceMib);

    private sealed record GpuJson(int Ordinal, string Name, int Sms, int ComputeMajor, int DriverVersion, long MemoryBytes);

    private sealed record AloneJson(int Batch, string Member, double MedianMs, double P10Ms, double P90Ms, int Runs, long MemoryBytes);

    private sealed record RowJson(int Batch, string Mechanism, string Split, int[] Shares, int[] GrantedSms, double ThroughputPerS, double? P50Ms, double? P99Ms, double BatchMs, int? Clients, int? Requests, bool Best);

    private sealed record OmissionJson(string Mechanism, string? Split, int? Batch, string Reason);

    /// <summary>
    /// An H200-like GPU: member m takes (serial + parallel·132/SMs)·batch/8 ms (Amdahl), members on
    /// partitions do not disturb each other, all members on all SMs take 0.8 of the sum.
    /// </summary>
    private sealed class FakeGpu(PartitionCapabilities capabilities) : IGpuMeasurer
    {
        private static readonly Dictionary<string, (double Serial, double Parallel)> s_laws = new()
        {
            ["resnet18"] = (0.3, 2.5),
            ["mobilenetv2"] = (0.4, 1.0),
            ["resnet50"] = (0.5, 6.0),
        };

        private int _measurements;

        public int Measurements => _measurements;

        public GpuIdentity Gpu => new(0, "NVIDIA H200", 132, 9, 13000, 141L << 30);

        public PartitionCapabilities Capabilities => capabilities;

        public SmPartitionPolicy Policy(PartitionMechanism mechanism) => SmPartitionPolicy.For(mechanism, 132, 9);

        public PartitionMeasurement Measure(IReadOnlyList<LayerGraph> members, int batch, PartitionMechanism mechanism, IReadOnlyList<int> sharesPercent, Action<string>? progress = null)
        {
            Interlocked.Increment(ref _measurements);
            SmPartitionPolicy policy = Policy(mechanism);
            int[] sms = [.. sharesPercent.Select(s => policy.SmsForShare(s))];
            double[] ms = [.. members.Select((g, j) => LatencyMs(g.Name, sms[j], batch))];
            double batchMs = mechanism == PartitionMechanism.None && members.Count > 1 ? 0.8 * ms.Sum() : ms.Max();
            return new PartitionMeasurement(
                mechanism, sharesPercent, sms, [.. ms.Select(t => new TimingSummary(t, 0.9 * t, 1.2 * t, 20))], new TimingSummary(batchMs, batchMs, batchMs, 20), [.. members.Select((_, j) => (j + 1) * (100L << 20))]);
        }

        private static double LatencyMs(string member, int sms, int batch) => (s_laws[member].Serial + (s_laws[member].Parallel * 132 / sms)) * batch / 8;
    }

    /// <summary>A closed loop that records what it was asked to run and answers with fixed numbers.</summary>
    private sealed class RecordedLoop : IClosedLoop
    {
        public List<Run> Runs { get; } = [];

        /// <summary>Inputs per second by mechanism and the plan's solver ("equal", "none" or the planner's).</summary>
        public Func<PartitionMechanism, string, double> Throughput { get; init; } = (_, solver) => solver switch { "equal" => 900, "none" => 1000, _ => 1100 };

        public Task<ClosedLoopResult> RunAsync(EnsembleModels models, RuntimePlan plan, PartitionMechanism mechanism, ClosedLoopOptions loop, CancellationToken cancellationToken = default)
        {
            Runs.Add(new Run(mechanism, plan.Shares, models.Spec.Batching.MaxBatch, loop));
            double throughput = Throughput(mechanism, plan.Solver);
            double[] latencies = [.. Enumerable.Range(1, loop.Requests).Select(i => i * 1000.0 / throughput)];
            return Task.FromResult(new ClosedLoopResult(loop.Clients, loop.Requests, loop.Requests / throughput, latencies));
        }

        public sealed record Run(PartitionMechanism Mechanism, int[] Shares, int MaxBatch, ClosedLoopOptions Loop);
    }
}
