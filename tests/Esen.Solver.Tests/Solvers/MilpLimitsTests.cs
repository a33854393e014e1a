using System.Diagnostics;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Tests.Solvers;

/// <summary>How the MILP allocation ends under time limits and with failing backends (infeasibility: EdgeCaseTests).</summary>
public class MilpLimitsTests
{
    private static readonly SolverOptions s_options = new() { TimeLimit = TimeSpan.FromSeconds(30) };

    public static TheoryData<MilpBackend> Backends => [.. MilpBackends.All];

    [Theory]
    [MemberData(nameof(Backends))]
    public void TimeLimit_EndsWithTheBestPlanItsBoundAndStatusTimeLimit(MilpBackend backend)
    {
        // Tight memory at K = 32, D = 8: the search plan is 2.2 % above the area bound (it is optimal,
        // but only a packing proof below it can say so), and 1 ms leaves no time for that.
        Problem problem = RandomProblems.Create(new Random(48), Objective.Makespan, members: 32, devices: 8, shareStep: 5, identicalDevices: true, memoryTightness: 0.95);
        PlanResult search = new SearchSolver().Solve(problem, s_options);
        Assert.NotEqual(PlanStatus.Optimal, search.Status);

        PlanResult result = new MilpAllocationSolver(MilpBackends.Create(backend)).Solve(problem, s_options with { TimeLimit = TimeSpan.FromMilliseconds(1) });

        Assert.Equal(PlanStatus.TimeLimit, result.Status);
        CrossValidationTests.AssertValid(result, problem, result.Solver);
        Assert.True(result.ObjectiveMs <= search.ObjectiveMs);
        Assert.True(result.BoundMs < result.ObjectiveMs, $"bound {result.BoundMs}, objective {result.ObjectiveMs}");
        Assert.True(result.Gap > 0);
        Assert.Equal("time_limit", PlanResultJson.StatusName(result.Status));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void TimeLimit_OnAHardInstance_IsKeptAndEndsOptimalOrTimeLimit(MilpBackend backend)
    {
        // Tight memory on unequal devices at K = 64, D = 16: the search plan is 7.6 % above the area
        // bound, and no backend closes that in seconds.
        Problem problem = RandomProblems.Create(new Random(44), Objective.Makespan, members: 64, devices: 16, shareStep: 5, identicalDevices: false, memoryTightness: 0.95);
        var limit = TimeSpan.FromSeconds(1);

        var clock = Stopwatch.StartNew();
        PlanResult result = new MilpAllocationSolver(MilpBackends.Create(backend)).Solve(problem, s_options with { TimeLimit = limit });

        // Generous for a loaded machine and CBC's root phase (it checks the limit between nodes), and
        // still far below what an ignored limit costs on this instance (minutes).
        Assert.True(clock.Elapsed < limit + TimeSpan.FromSeconds(25), $"{backend.ToName()}: a 1 s limit took {clock.Elapsed}");
        Assert.True(result.Status is PlanStatus.Optimal or PlanStatus.TimeLimit, $"{result.Status}: {result.Reason}");
        CrossValidationTests.AssertValid(result, problem, result.Solver);
    }

    [Fact]
    public void BackendOutOfTime_ReturnsTheWarmStartWithStatusTimeLimit()
    {
        // The search plan (the warm start) of this one is 4 % above the bound.
        Problem problem = RandomProblems.Create(new Random(32), Objective.Latency, members: 6, devices: 2, shareStep: 10);
        PlanResult search = new SearchSolver().Solve(problem, s_options);
        Assert.NotEqual(PlanStatus.Optimal, search.Status);

        PlanResult result = new MilpAllocationSolver(new ScriptedBackend(MilpStatus.NoSolutionFound)).Solve(problem, s_options);

        Assert.Equal(PlanStatus.TimeLimit, result.Status);
        Assert.NotNull(result.Plan);
        Assert.Equal(search.ObjectiveMs, result.ObjectiveMs);
        Assert.Equal(search.BoundMs, result.BoundMs);
        Assert.Contains("time limit", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BackendOutOfTime_WithoutHeuristics_IsTimeLimitWithoutAPlan()
    {
        Problem problem = RandomProblems.Create(new Random(12), Objective.Makespan, members: 6, devices: 2, shareStep: 10);

        PlanResult result = new MilpAllocationSolver(new ScriptedBackend(MilpStatus.NoSolutionFound)) { UseHeuristics = false }.Solve(problem, s_options);

        Assert.Equal(PlanStatus.TimeLimit, result.Status);
        Assert.Null(result.Plan);
        Assert.True(double.IsFinite(result.BoundMs));
        Assert.Contains("time limit", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Objective.Makespan)]
    [InlineData(Objective.Latency)]
    public void FailingBackend_SaysSoInOneLine(Objective objective)
    {
        Problem problem = RandomProblems.Create(new Random(13), objective, members: 6, devices: 2, shareStep: 10);

        PlanResult result = new MilpAllocationSolver(new ScriptedBackend(MilpStatus.Abandoned)) { UseHeuristics = false }.Solve(problem, s_options);

        Assert.Equal(PlanStatus.NoSolution, result.Status);
        Assert.Null(result.Plan);
        Assert.Equal("scripted: native failure", result.Reason);
        Assert.Equal("milp:scripted", result.Solver);
    }

    // Answers every model with one status, as a backend out of time or failing would.
    private sealed class ScriptedBackend(MilpStatus status) : IMilpSolver
    {
        public string Name => "scripted";

        public bool IsSupported => true;

        public string Availability => "scripted";

        public MilpResult Solve(MilpModel model, MilpSolveOptions options) => status == MilpStatus.Abandoned
            ? MilpResult.Failed("scripted: native failure", TimeSpan.Zero)
            : new MilpResult(status, double.NaN, double.NaN, [], TimeSpan.Zero);
    }
}
