using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tests.Specs;

public sealed class EnsemblePlannerTests
{
    [Fact]
    public void Resolve_SimH100_IsTheFirstCatalogueH100()
    {
        Device device = EnsemblePlanner.Resolve(new DeviceSpec(DeviceKind.Simulated, 0, "h100"));

        Assert.Equal("H100-SXM", device.Name);
    }

    [Fact]
    public void Resolve_UnknownGpu_ListsTheCatalogue()
    {
        var ex = Assert.Throws<NotSupportedException>(() => EnsemblePlanner.Resolve(new DeviceSpec(DeviceKind.Simulated, 0, "tpu")));

        Assert.Contains("H100-SXM", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_SplitsEachDeviceAmongItsMembers()
    {
        var spec = new EnsembleSpec(
            "s.json", EnsembleKind.Ensemble, CombineRule.Mean, null, DeviceSpec.Cpu,
            [new("a", null, "x"), new("b", null, "x"), new("c", null, "x", Device: new DeviceSpec(DeviceKind.Simulated, 0, "h100"))],
            null, BatchingSpec.Default, "equal");

        Assert.Equal([50, 50, 100], RuntimePlan.Equal(spec).Shares);
    }

    [Theory]
    [InlineData(GpuPrecision.Fp32, Precision.Fp32)]
    [InlineData(GpuPrecision.Tf32, Precision.Tf32)]
    public void Work_IsCostedInTheSpecsPrecision(GpuPrecision precision, Precision costed)
    {
        var spec = new EnsembleSpec(
            "s.json", EnsembleKind.Ensemble, CombineRule.Mean, null, new DeviceSpec(DeviceKind.Simulated, 0, "h100"),
            [new("a", null, "resnet18", 1)], new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), BatchingSpec.Default, "equal",
            Precision: precision);

        Assert.Equal(costed, EnsembleModels.Load(spec).Work(0, 1).Precision);
    }

    [Fact]
    public void StageRows_AreTheBatchTimesTheFractionThatReachesEachStage()
    {
        Assert.Equal([32, 16, 8], EnsemblePlanner.StageRows(32, [0.5, 0.5]));
        Assert.Equal([8, 1], EnsemblePlanner.StageRows(8, [1.0]));
        Assert.Equal([4], EnsemblePlanner.StageRows(4, []));
        Assert.Throws<ArgumentException>(() => EnsemblePlanner.StageRows(4, [1.5]));
    }

    [Fact]
    public void Plan_CascadeWithExitRatios_SizesTheLaterStageForTheRowsThatReachIt()
    {
        var spec = new EnsembleSpec(
            "c.json", EnsembleKind.Cascade, CombineRule.Mean, new ExitSpec([0.5]), new DeviceSpec(DeviceKind.Simulated, 0, "h100"),
            [new("small", null, "mobilenetv2", 1), new("large", null, "resnet50", 2)],
            new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 224, 224)), new BatchingSpec(32, 2), "search");
        EnsembleModels models = EnsembleModels.Load(spec);

        (RuntimePlan blind, _) = models.Plan("search", 32, null);
        (RuntimePlan aware, IReadOnlyList<DevicePlan> devices) = models.Plan("search", 32, [0.9]);

        // 90 % leave at the first stage: the second runs 3 of 32 rows and needs less of the GPU.
        Assert.Equal([1.0, 3.0 / 32], devices.Single().Problem.Members.Select(m => m.Reach));
        Assert.True(aware.Shares[1] < blind.Shares[1], $"exit-aware {string.Join("/", aware.Shares)} vs blind {string.Join("/", blind.Shares)}");
    }
}
