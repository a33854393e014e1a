using Esen.Kernels.Graph;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Studies;
using Esen.Runtime.Timing;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tests.Studies;

public class CascadeStudyTests
{
    private static readonly DeviceSpec s_h100 = new(DeviceKind.Simulated, 0, "h100");

    /// <summary>Two stages, small then larger, at 32×32 and batch 8.</summary>
    internal static EnsembleSpec SmallCascade() => new(
        "small cascade", EnsembleKind.Cascade, CombineRule.Mean, new ExitSpec([0.5]), s_h100,
        [new MemberSpec("mobilenetv2", null, "mobilenetv2", 1), new MemberSpec("resnet18", null, "resnet18", 2)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), new BatchingSpec(8, 2), "search");

    [Fact]
    public void WithoutExits_TheExitAwarePlanIsTheParallelOne()
    {
        CascadeStudyPoint point = Assert.Single(CascadeStudy.Run(SmallCascade(), s_h100, [0]));

        Assert.Equal([8, 8], point.Rows);
        Assert.Equal(point.AllParallelShares, point.ExitAwareShares);
        Assert.Equal(point.AllParallelMs, point.ExitAwareMs);
        Assert.Equal(0, point.GainPercent);
    }

    [Fact]
    public void FrequentExits_ShrinkTheLaterStages_AndTheExitAwarePlanBeatsTheParallelOne()
    {
        IReadOnlyList<CascadeStudyPoint> points = CascadeStudy.Run(SmallCascade(), s_h100, [0.5, 0.9]);

        Assert.Equal([8, 4], points[0].Rows);
        Assert.Equal([8, 1], points[1].Rows);
        Assert.All(points, p => Assert.True(p.ExitAwareMs < p.AllParallelMs, $"exit ratio {p.ExitRatio}: {p.ExitAwareMs} ms against {p.AllParallelMs} ms"));
        Assert.True(points[1].GainPercent > points[0].GainPercent);
    }

    [Fact]
    public void Sequential_IsEachStageAloneOnTheWholeGpu_OnTheRowsThatReachIt()
    {
        CascadeStudyPoint point = Assert.Single(CascadeStudy.Run(SmallCascade(), s_h100, [0.5]));

        EnsembleModels models = EnsembleModels.Load(SmallCascade() with { Kind = EnsembleKind.Ensemble, Exit = null });
        Device gpu = EnsemblePlanner.Resolve(s_h100);
        double alone = (models.Timing(s_h100).Simulate([new VirtualLaunch(0, gpu.Units, 8)]).JctSeconds
            + models.Timing(s_h100).Simulate([new VirtualLaunch(1, gpu.Units, 4)]).JctSeconds) * 1000;
        Assert.Equal(alone, point.SequentialMs, 9);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void AnExitRatioOutsideZeroToOne_IsBadInput(double ratio)
    {
        var error = Assert.Throws<EsenException>(() => CascadeStudy.Run(SmallCascade(), s_h100, [0.2, ratio]));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Contains("an exit ratio must be in [0, 1)", error.Message, StringComparison.Ordinal);
    }
}
