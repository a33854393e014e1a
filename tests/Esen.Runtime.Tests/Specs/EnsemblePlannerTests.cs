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
}
