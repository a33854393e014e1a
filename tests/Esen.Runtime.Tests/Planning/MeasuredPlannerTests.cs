using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native.Errors;
using Esen.Native.Partitions;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.Profiles;

namespace Esen.Runtime.Tests.Planning;

/// <summary>
/// Planning a cuda:N spec from measured curves, through a fake measurer whose latencies follow a known
/// law, so the plan can be checked against a brute force over the grantable shares.
/// </summary>
public sealed class MeasuredPlannerTests : IDisposable
{
    private static readonly DeviceSpec s_gpu0 = new(DeviceKind.Cuda, 0);
    private readonly string _storeDirectory = Path.Combine(Path.GetTempPath(), $"esen-measured-planner-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_storeDirectory))
        {
            Directory.Delete(_storeDirectory, recursive: true);
        }
    }

    [Fact]
    public void Plan_ProfilesEveryGrantableSize_AndIsTheBestLayoutOfThoseSizes()
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var gpu = new FakeGpu();

        MeasuredPlan plan = MeasuredPlanner.Plan(models, _ => gpu, new ProfileStore(_storeDirectory));

        SmPartitionPolicy policy = gpu.Policy(PartitionMechanism.GreenContext);
        IReadOnlyList<int> menu = policy.GrantableShares();
        Assert.Equal(3 * menu.Count, gpu.AloneRuns.Count);
        Assert.All(plan.Plan.Shares, s => Assert.Contains(s, menu));

        // Oracle: every layout of three grantable shares summing to at most 100 %.
        double best = double.MaxValue;
        foreach (int a in menu)
        {
            foreach (int b in menu)
            {
                foreach (int c in menu.Where(c => a + b + c <= 100))
                {
                    best = Math.Min(best, new[] { (0, a), (1, b), (2, c) }.Max(x => FakeGpu.LatencyMs(x.Item1, policy.SmsForShare(x.Item2))));
                }
            }
        }

        MeasuredDevicePlan device = Assert.Single(plan.Devices);
        Assert.Equal(best, device.PredictedBatchMs!.Value, 9);
        Assert.Equal(best, plan.Plan.Shares.Select((s, i) => FakeGpu.LatencyMs(i, policy.SmsForShare(s))).Max(), 9);
    }

    [Fact]
    public void Plan_TheSecondTime_ReadsTheStoreAndMeasuresOnlyTheLayouts()
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var store = new ProfileStore(_storeDirectory);
        MeasuredPlan first = MeasuredPlanner.Plan(models, _ => new FakeGpu(), store);
        var gpu = new FakeGpu();

        MeasuredPlan second = MeasuredPlanner.Plan(models, _ => gpu, store);

        Assert.Empty(gpu.AloneRuns);
        Assert.Equal(2, gpu.TogetherRuns.Count);
        Assert.All(second.Devices[0].Tables, t => Assert.True(t.FromStore));
        Assert.Equal(first.Plan.Shares, second.Plan.Shares);
    }

    [Theory]
    [InlineData("tf32", 13000, "NVIDIA H200")]
    [InlineData("fp32", 13010, "NVIDIA H200")]
    [InlineData("fp32", 13000, "NVIDIA H100 80GB HBM3")]
    public void Plan_AfterAPrecisionDriverOrGpuChange_MeasuresAgain(string precision, int driver, string name)
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var store = new ProfileStore(_storeDirectory);
        _ = MeasuredPlanner.Plan(models, _ => new FakeGpu(), store);
        var gpu = new FakeGpu { Driver = driver, Name = name };

        _ = MeasuredPlanner.Plan(EnsembleModels.Load(Spec("search") with { Precision = precision == "tf32" ? GpuPrecision.Tf32 : GpuPrecision.Fp32 }), _ => gpu, store);

        Assert.Equal(3 * gpu.Policy(PartitionMechanism.GreenContext).GrantableShares().Count, gpu.AloneRuns.Count);
    }

    [Fact]
    public void Plan_WithATornStoreEntry_SaysSoMeasuresAgainAndRepairsIt()
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var store = new ProfileStore(_storeDirectory);
        _ = MeasuredPlanner.Plan(models, _ => new FakeGpu(), store);
        string entry = Directory.GetFiles(_storeDirectory).First();
        File.WriteAllText(entry, File.ReadAllText(entry)[..40]);
        var lines = new List<string>();
        var gpu = new FakeGpu();

        _ = MeasuredPlanner.Plan(models, _ => gpu, store, progress: lines.Add);

        Assert.Contains(lines, l => l.StartsWith("profile store: ", StringComparison.Ordinal) && l.Contains(Path.GetFileName(entry), StringComparison.Ordinal));
        Assert.Equal(gpu.Policy(PartitionMechanism.GreenContext).GrantableShares().Count, gpu.AloneRuns.Count);
        Assert.All(store.List().Profiles, p => Assert.NotEmpty(p.Points));
        Assert.Empty(store.List().Issues);
    }

    [Theory]
    [InlineData(0.2, false)]
    [InlineData(2.0, true)]
    public void Plan_UsesPartitionsOnlyWhenTheyMeasureFaster(double unpartitionedSlowdown, bool partitioned)
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var gpu = new FakeGpu { UnpartitionedFactor = unpartitionedSlowdown };

        MeasuredPlan plan = MeasuredPlanner.Plan(models, _ => gpu, null);

        Assert.Equal(partitioned, plan.Partitioned);
        Assert.Equal(partitioned ? PartitionMechanism.GreenContext : PartitionMechanism.None, plan.Mechanism);
        MeasuredDevicePlan device = plan.Devices[0];
        Assert.Equal(partitioned, device.PlannedRun!.Batch.MedianMs <= device.Unpartitioned.Batch.MedianMs);
    }

    [Fact]
    public void Plan_WithPartitionsForcedOff_MeasuresNoCurvesAndGivesEveryMemberTheWholeGpu()
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var gpu = new FakeGpu();

        MeasuredPlan plan = MeasuredPlanner.Plan(models, _ => gpu, null, PartitionMechanism.None);

        Assert.Empty(gpu.AloneRuns);
        Assert.Equal([100, 100, 100], plan.Plan.Shares);
        Assert.Equal(PartitionMechanism.None, plan.Mechanism);
        Assert.Null(plan.Devices[0].Planned);
    }

    [Fact]
    public void Plan_WithAMechanismTheGpuLacks_FailsNamingItAndWhy()
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));

        var ex = Assert.Throws<NotSupportedException>(() => MeasuredPlanner.Plan(models, _ => new FakeGpu(), null, PartitionMechanism.MpsExecutionAffinity));

        Assert.Contains("MPS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WhenTheMembersDoNotFitTogether_FailsInOneLineNamingDeviceAndMembers()
    {
        EnsembleModels models = EnsembleModels.Load(Spec("search"));
        var gpu = new FakeGpu { FailTogether = new EsenNativeException("CUDA driver", 2, "cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (2)") };

        var ex = Assert.Throws<NotSupportedException>(() => MeasuredPlanner.Plan(models, _ => gpu, null));

        Assert.Contains("NVIDIA H200", ex.Message, StringComparison.Ordinal);
        Assert.Contains("small, medium, large", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA_ERROR_OUT_OF_MEMORY", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    private static EnsembleSpec Spec(string solver) => new(
        "gpu.json", EnsembleKind.Ensemble, CombineRule.Mean, null, s_gpu0,
        [new MemberSpec("small", null, "mobilenetv2", 1), new MemberSpec("medium", null, "resnet18", 2), new MemberSpec("large", null, "resnet50", 3)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), new BatchingSpec(8, 1), solver);

    /// <summary>
    /// An H200-like GPU whose member m takes serial + parallel·132/SMs ms alone (Amdahl), members on
    /// partitions do not disturb each other, and all members on all SMs take a fixed factor of the sum.
    /// </summary>
    private sealed class FakeGpu : IGpuMeasurer
    {
        private static readonly (double Serial, double Parallel)[] s_laws = [(0.4, 1.0), (0.3, 2.5), (0.5, 6.0)];

        public string Name { get; init; } = "NVIDIA H200";

        public int Driver { get; init; } = 13000;

        public double UnpartitionedFactor { get; init; } = 0.8;

        public Exception? FailTogether { get; init; }

        public List<(int Member, int Sms)> AloneRuns { get; } = [];

        public List<PartitionMechanism> TogetherRuns { get; } = [];

        public GpuIdentity Gpu => new(0, Name, 132, 9, Driver, 141L << 30);

        public PartitionCapabilities Capabilities => new(Driver, 132, 9, 0, false, false);

        public static double LatencyMs(int member, int sms) => s_laws[member].Serial + (s_laws[member].Parallel * 132 / sms);

        public SmPartitionPolicy Policy(PartitionMechanism mechanism) => SmPartitionPolicy.For(mechanism, 132, 9);

        public PartitionMeasurement Measure(IReadOnlyList<LayerGraph> members, int batch, PartitionMechanism mechanism, IReadOnlyList<int> sharesPercent, Action<string>? progress = null)
        {
            SmPartitionPolicy policy = Policy(mechanism);
            int[] index = [.. members.Select(g => g.Name switch { "mobilenetv2" => 0, "resnet18" => 1, _ => 2 })];
            int[] sms = [.. sharesPercent.Select(s => policy.SmsForShare(s))];
            double[] ms = [.. index.Select((m, j) => LatencyMs(m, sms[j]))];
            if (members.Count == 1)
            {
                AloneRuns.Add((index[0], sms[0]));
            }
            else
            {
                TogetherRuns.Add(mechanism);
                if (FailTogether is not null)
                {
                    throw FailTogether;
                }
            }

            double batchMs = mechanism == PartitionMechanism.None ? UnpartitionedFactor * index.Sum(m => LatencyMs(m, 132)) : ms.Max();
            return new PartitionMeasurement(
                mechanism, sharesPercent, sms, [.. ms.Select(t => new TimingSummary(t, t, t, 20))], new TimingSummary(batchMs, batchMs, batchMs, 20), [.. index.Select(m => (m + 1) * (100L << 20))]);
        }
    }
}
