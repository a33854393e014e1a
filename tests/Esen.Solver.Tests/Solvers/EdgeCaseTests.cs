using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;
using Esen.TestUtilities;

namespace Esen.Solver.Tests.Solvers;

public class EdgeCaseTests
{
    private static readonly SolverOptions s_options = new() { TimeLimit = TimeSpan.FromSeconds(30) };

    private static IAllocationSolver[] NativeFree => [new SearchSolver(), new GreedySolver(), new EqualSolver(), new ExhaustiveSolver()];

    [Fact]
    public void MemberTooLargeForEveryDevice_IsInfeasibleForEverySolver()
    {
        Problem problem = Ensemble([Device("gpu0", 1000), Device("gpu1", 2000)], [Member("big", 2500, (100, 1.0)), Member("small", 10, (50, 2.0), (100, 1.0))]);

        foreach (IAllocationSolver solver in NativeFree)
        {
            PlanResult result = solver.Solve(problem, s_options);
            Assert.Equal(PlanStatus.Infeasible, result.Status);
            Assert.Null(result.Plan);
        }

        Assert.Contains("'big' needs 2500 MB", new SearchSolver().Solve(problem, s_options).Reason, StringComparison.Ordinal);
    }

    public static TheoryData<MilpBackend> Backends => [.. MilpBackends.All];

    [Theory]
    [MemberData(nameof(Backends))]
    public void InfeasibleOnlyByPacking_IsProvenBySearchExhaustiveAndMilp(MilpBackend backend)
    {
        // Three members need 60 % each; two devices offer 200 % in total but hold one member each.
        ProblemMember[] members = [.. Enumerable.Range(0, 3).Select(i => Member($"m{i}", 10, (60, 2.0), (100, 1.0)))];
        Problem problem = Ensemble([Device("gpu0", 1000), Device("gpu1", 1000)], members);

        Assert.False(LowerBound.Compute(problem).IsInfeasible);
        Assert.Equal(PlanStatus.Infeasible, new ExhaustiveSolver().Solve(problem, s_options).Status);
        Assert.Equal(PlanStatus.Infeasible, new SearchSolver().Solve(problem, s_options).Status);
        PlanResult milp = new MilpAllocationSolver(MilpBackends.Create(backend)).Solve(problem, s_options);
        Assert.Equal(PlanStatus.Infeasible, milp.Status);
        Assert.False(string.IsNullOrEmpty(milp.Reason));
        Assert.Equal(PlanStatus.Infeasible, new MilpAllocationSolver(MilpBackends.Create(backend)) { UseHeuristics = false }.Solve(problem, s_options).Status);
    }

    [Fact]
    public void Ties_IdenticalMembers_AllExactSolversAgree()
    {
        ProblemMember[] members = [.. Enumerable.Range(0, 4).Select(i => Member($"twin{i}", 100, (10, 9.0), (20, 5.0), (30, 5.0), (50, 3.0), (100, 2.0)))];
        Problem problem = Ensemble([Device("gpu0", 1000), Device("gpu1", 1000)], members);

        PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);

        Assert.Equal(3.0, oracle.ObjectiveMs);
        CrossValidationTests.AssertSameOptimum(oracle, new SearchSolver().Solve(problem, s_options), problem, "search");
        CrossValidationTests.AssertSameOptimum(oracle, new MilpAllocationSolver().Solve(problem, s_options), problem, "milp");
    }

    [Fact]
    public void SingleShareTables_AreHonoured()
    {
        Problem problem = Ensemble([Device("gpu0", 1000)], [Member("fixed", 10, (30, 7.0)), Member("flexible", 10, (10, 20.0), (50, 6.0), (70, 4.0), (80, 3.0))]);

        foreach (IAllocationSolver solver in new IAllocationSolver[] { new SearchSolver(), new MilpAllocationSolver(), new ExhaustiveSolver() })
        {
            PlanResult result = solver.Solve(problem, s_options);
            Assert.Equal(7.0, result.ObjectiveMs);
            Assert.Equal(30, result.Plan!.ShareOf[0]);
            Assert.Equal(PlanStatus.Optimal, result.Status);
        }
    }

    [Fact]
    public void OneMember_GetsItsFastestShare_EvenWhenTheTableIsNotMonotone()
    {
        Problem problem = Ensemble([Device("gpu0", 1000)], [Member("solo", 10, (10, 9.0), (70, 2.0), (100, 2.5))]);

        foreach (IAllocationSolver solver in new IAllocationSolver[] { new SearchSolver(), new MilpAllocationSolver(), new GreedySolver(), new ExhaustiveSolver() })
        {
            PlanResult result = solver.Solve(problem, s_options);
            Assert.Equal(2.0, result.ObjectiveMs);
            Assert.Equal(PlanStatus.Optimal, result.Status);
        }
    }

    [Theory]
    [InlineData(Objective.Makespan, 1)]
    [InlineData(Objective.Makespan, 8)]
    [InlineData(Objective.Period, 16)]
    [InlineData(Objective.Latency, 1)]
    [InlineData(Objective.Latency, 4)]
    public void SixtyFourMembers_PlansAreValid_SearchNoBetterThanMilp(Objective objective, int devices)
    {
        // 64 members need at least 64 % in total: 1 % steps on one device, 5 % steps from four devices up.
        int step = objective == Objective.Latency && devices > 1 ? 5 : 1;
        Problem problem = RandomProblems.Create(new Random(64 + devices), objective, members: 64, devices, shareStep: step, identicalDevices: true, memoryTightness: 0.5);

        PlanResult milp = new MilpAllocationSolver().Solve(problem, s_options with { TimeLimit = TimeSpan.FromSeconds(2) });
        PlanResult search = new SearchSolver().Solve(problem, s_options);

        CrossValidationTests.AssertValid(milp, problem, "milp");
        CrossValidationTests.AssertValid(search, problem, "search");
        Assert.True(milp.ObjectiveMs is not null, $"milp {milp.Status}: {milp.Reason}; search {search.Status}: {search.Reason}");
        Assert.True(search.ObjectiveMs >= milp.ObjectiveMs - 1e-9, $"search {search.ObjectiveMs} < milp {milp.ObjectiveMs}");
        if (devices == 1)
        {
            Assert.Equal(PlanStatus.Optimal, search.Status);
            Assert.Equal(search.ObjectiveMs!.Value, milp.ObjectiveMs!.Value, 9);
        }
    }

    [Fact]
    public void Exhaustive_RefusesLargeProblems()
    {
        Problem problem = RandomProblems.Create(new Random(1), Objective.Makespan, members: 12, devices: 4, shareStep: 10);

        PlanResult result = new ExhaustiveSolver().Solve(problem, s_options);

        Assert.Equal(PlanStatus.NoSolution, result.Status);
        Assert.StartsWith("refused", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Checker_FindsEveryViolation()
    {
        Problem problem = Ensemble([Device("gpu0", 100)], [Member("a", 60, (50, 2.0), (60, 1.0)), Member("b", 60, (50, 2.0), (60, 1.0))]);

        Assert.Single(PlanChecker.Violations(problem, new Plan([0, 0], [50, 50])));
        Assert.Contains(PlanChecker.Violations(problem, new Plan([0, 0], [50, 50])), v => v.Contains("memory 120 MB > 100 MB", StringComparison.Ordinal));
        Assert.Contains(PlanChecker.Violations(problem, new Plan([0, 0], [60, 50])), v => v.Contains("110 %", StringComparison.Ordinal));
        Assert.Contains(PlanChecker.Violations(problem, new Plan([0, 0], [55, 50])), v => v.Contains("share 55 is not in its latency table", StringComparison.Ordinal));
        Assert.Contains(PlanChecker.Violations(problem, new Plan([0, 1], [50, 50])), v => v.Contains("device index 1", StringComparison.Ordinal));
        Assert.Single(PlanChecker.Violations(problem, new Plan([0], [50])));
    }

    [Fact]
    public void LowerBound_IsTheAreaBoundForMakespan()
    {
        // One device: shares 60 + 30 + 10 = 100 at 9.78 ms (the docs' worked example).
        Problem problem = ProblemReader.ReadFile(Path.Combine(TestEnv.RepositoryRoot, "docs", "examples", "ensemble-3.json"));

        Assert.Equal(9.78, LowerBound.Compute(problem).ValueMs);
        Assert.Equal(9.78, new SearchSolver().Solve(problem, s_options).ObjectiveMs);
        Assert.Equal(17.44, new EqualSolver().Solve(problem, s_options).ObjectiveMs);
    }

    [Fact]
    public void CascadeExample_MatchesTheWorkedNumbers()
    {
        Problem latency = ProblemReader.ReadFile(Path.Combine(TestEnv.RepositoryRoot, "docs", "examples", "cascade-2.json"));
        Problem period = new(ProblemKind.Cascade, Objective.Period, latency.Devices, latency.Members);

        Assert.Equal(9.0, new SearchSolver().Solve(latency, s_options).ObjectiveMs!.Value, 9);
        Assert.Equal([25, 75], new SearchSolver().Solve(latency, s_options).Plan!.ShareOf);
        Assert.Equal(5.0, new SearchSolver().Solve(period, s_options).ObjectiveMs);
        Assert.Equal([25, 75], new SearchSolver().Solve(period, s_options).Plan!.ShareOf);
    }

    private static Problem Ensemble(ProblemDevice[] devices, ProblemMember[] members) => new(ProblemKind.Ensemble, Objective.Makespan, devices, members);

    private static ProblemDevice Device(string name, double memory) => new(name, memory);

    private static ProblemMember Member(string name, double memory, params (int Share, double Ms)[] table) =>
        new(name, memory, new LatencyTable(table.Select(e => KeyValuePair.Create(e.Share, e.Ms))));
}
