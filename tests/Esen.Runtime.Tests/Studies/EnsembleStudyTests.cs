using Esen.Kernels.Graph;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Studies;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tests.Studies;

public class EnsembleStudyTests
{
    private static readonly DeviceSpec s_h100 = new(DeviceKind.Simulated, 0, "h100");

    /// <summary>Two small members of unequal size at 32×32, batch 2: quick to plan and simulate.</summary>
    internal static IReadOnlyList<EnsembleSpec> SmallEnsembles() =>
    [
        new("small pair", EnsembleKind.Ensemble, CombineRule.Mean, null, s_h100,
            [new MemberSpec("mobilenetv2", null, "mobilenetv2", 1), new MemberSpec("resnet18", null, "resnet18", 2)],
            new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), new BatchingSpec(2, 2), "search"),
    ];

    [Fact]
    public void Run_EachCase_IsThePlanComparisonOfItsSpec_WithLatencyCurvesFromTheCostModel()
    {
        EnsembleStudyCase study = Assert.Single(EnsembleStudy.Run(SmallEnsembles(), s_h100));
        EnsembleModels models = EnsembleModels.Load(SmallEnsembles()[0]);
        PlanComparison direct = PlanComparison.Compare(models, s_h100, ["search", "milp"]);

        Assert.Equal(direct.Plans.Select(p => (p.Name, p.Shares?.ToArray(), p.Prediction?.JctMs)), study.Comparison.Plans.Select(p => (p.Name, p.Shares?.ToArray(), p.Prediction?.JctMs)));
        Assert.Equal(direct.Default.JctMs, study.Comparison.Default.JctMs);
        double planned = direct.Plans[0].Prediction!.JctMs;
        Assert.Equal((1 - (planned / direct.Default.JctMs)) * 100, study.JctReductionPercent!.Value, 9);

        Device h100 = EnsemblePlanner.Resolve(s_h100);
        for (int m = 0; m < 2; m++)
        {
            ModelWork work = models.Work(m, 2);
            var curve = study.LatencyCurves[m];
            Assert.Equal(Enumerable.Range(1, 20).Select(k => 5.0 * k), curve.Points.Select(p => p.X));
            Assert.All(curve.Points, p => Assert.Equal(EnsemblePlanner.LatencyMs(AnalyticCostModel.Default, work, h100, (int)p.X), p.Y, 9));
            (double share, double latency) = Assert.Single(curve.Marked!);
            Assert.Equal(direct.Plans[0].Shares![m], share);
            Assert.Equal(EnsemblePlanner.LatencyMs(AnalyticCostModel.Default, work, h100, (int)share), latency, 9);
        }
    }

    [Fact]
    public void Run_OnARealDevice_IsBadInput()
    {
        var error = Assert.Throws<EsenException>(() => EnsembleStudy.Run(SmallEnsembles(), DeviceSpec.Cpu));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Contains("sim:NAME", error.Message, StringComparison.Ordinal);
    }
}
