using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Tests.Solvers;

/// <summary>
/// Every solver, and the MILP on every backend, against the exhaustive oracle on seeded random
/// problems; the backends against each other where the oracle is too slow; every plan through the
/// independent checker.
/// </summary>
public class CrossValidationTests
{
    private static readonly SolverOptions s_options = new() { TimeLimit = TimeSpan.FromSeconds(30) };

    // For the solves beyond the oracle: these take seconds on a quiet machine, so a time limit here
    // only means the machine is loaded.
    private static readonly SolverOptions s_generous = new() { TimeLimit = TimeSpan.FromSeconds(120) };
    private static readonly Objective[] s_objectives = [Objective.Makespan, Objective.Period, Objective.Latency];

    public static TheoryData<Objective> Objectives => [.. s_objectives];

    public static TheoryData<MilpBackend> Backends => [.. MilpBackends.All];

    public static TheoryData<Objective, MilpBackend> ObjectivesAndBackends
    {
        get
        {
            var data = new TheoryData<Objective, MilpBackend>();
            foreach (Objective objective in s_objectives)
            {
                foreach (MilpBackend backend in MilpBackends.All)
                {
                    data.Add(objective, backend);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Objectives))]
    public void OneDevice_SearchEqualsExhaustive(Objective objective)
    {
        var random = new Random(1000 + (int)objective);
        for (int n = 0; n < 150; n++)
        {
            Problem problem = RandomProblems.Create(random, objective, members: random.Next(1, 6), devices: 1, shareStep: Pick(random, 10, 20, 25), memoryTightness: 0.3 + random.NextDouble(), noise: n % 3 == 0 ? 0.15 : 0);
            PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);
            PlanResult search = new SearchSolver().Solve(problem, s_options);

            AssertSameOptimum(oracle, search, problem, $"{objective} #{n}");
            Assert.True(oracle.Status != PlanStatus.Optimal || search.Status == PlanStatus.Optimal, $"#{n}: search on one device must prove optimality");
        }
    }

    [Theory]
    [MemberData(nameof(ObjectivesAndBackends))]
    public void OneDevice_MilpEqualsExhaustive(Objective objective, MilpBackend backend)
    {
        var random = new Random(2000 + (int)objective);
        var milp = new MilpAllocationSolver(MilpBackends.Create(backend));
        for (int n = 0; n < 100; n++)
        {
            Problem problem = RandomProblems.Create(random, objective, members: random.Next(1, 6), devices: 1, shareStep: Pick(random, 10, 20, 25), memoryTightness: 0.3 + random.NextDouble(), noise: n % 3 == 0 ? 0.15 : 0);
            PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);

            AssertSameOptimum(oracle, milp.Solve(problem, s_options), problem, $"{objective} #{n}");
        }
    }

    [Theory]
    [MemberData(nameof(ObjectivesAndBackends))]
    public void SeveralDevices_MilpEqualsExhaustive(Objective objective, MilpBackend backend)
    {
        var milp = new MilpAllocationSolver(MilpBackends.Create(backend));
        foreach ((Problem problem, string label) in SeveralDeviceProblems(objective))
        {
            AssertSameOptimum(new ExhaustiveSolver().Solve(problem, s_options), milp.Solve(problem, s_options), problem, label);
        }
    }

    [Theory]
    [MemberData(nameof(Objectives))]
    public void SeveralDevices_HeuristicsAreNoBetterThanExhaustive(Objective objective)
    {
        foreach ((Problem problem, string label) in SeveralDeviceProblems(objective))
        {
            PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);
            foreach (IAllocationSolver heuristic in new IAllocationSolver[] { new SearchSolver(), new GreedySolver(), new EqualSolver() })
            {
                PlanResult result = heuristic.Solve(problem, s_options);
                AssertValid(result, problem, $"{label} {heuristic.Name}");
                if (oracle.Status == PlanStatus.Infeasible)
                {
                    Assert.Null(result.Plan);
                }
                else if (result.ObjectiveMs is double value)
                {
                    Assert.True(value >= oracle.ObjectiveMs!.Value - Tolerance(value), $"{label}: {heuristic.Name} {value} beats the optimum {oracle.ObjectiveMs}");
                    Assert.True(result.Status != PlanStatus.Optimal || Same(value, oracle.ObjectiveMs.Value), $"{label}: {heuristic.Name} claims optimal at {value}, optimum {oracle.ObjectiveMs}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ObjectivesAndBackends))]
    public void SeveralDevices_MilpWithoutHeuristics_EqualsExhaustive(Objective objective, MilpBackend backend)
    {
        var random = new Random(3500 + (int)objective);
        var milp = new MilpAllocationSolver(MilpBackends.Create(backend)) { UseHeuristics = false };
        for (int n = 0; n < 40; n++)
        {
            int devices = random.Next(2, 4);
            Problem problem = RandomProblems.Create(random, objective, members: random.Next(2, 5), devices, shareStep: Pick(random, 20, 25), identicalDevices: n % 2 == 0, memoryTightness: 0.5 + random.NextDouble());
            PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);

            AssertSameOptimum(oracle, milp.Solve(problem, s_options), problem, $"{objective} #{n}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void MilpTextbook_EqualsExhaustive(MilpBackend backend)
    {
        var random = new Random(4000);
        IAllocationSolver textbook = AllocationSolvers.Create("milp-textbook", backend)!;
        for (int n = 0; n < 40; n++)
        {
            Objective objective = s_objectives[n % 3];
            Problem problem = RandomProblems.Create(random, objective, members: random.Next(1, 5), devices: random.Next(1, 3), shareStep: Pick(random, 20, 25));
            PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);
            PlanResult result = textbook.Solve(problem, s_options);

            if (backend == MilpBackend.CpSat && objective.IsBottleneck() && result.Status == PlanStatus.NoSolution)
            {
                // The epigraph variable is continuous; CP-SAT refuses it in one line.
                Assert.Equal("cp-sat solves integer programs only; variable T is continuous", result.Reason);
                continue;
            }

            AssertSameOptimum(oracle, result, problem, $"textbook #{n}");
        }
    }

    [Theory]
    [MemberData(nameof(ObjectivesAndBackends))]
    public void LargerProblems_BackendsAgree(Objective objective, MilpBackend backend)
    {
        // Beyond the oracle's reach: every backend proves the same optimum as SCIP, loose and tight memory.
        var random = new Random(4500 + (int)objective);
        var reference = new MilpAllocationSolver(MilpBackends.Create(MilpBackend.Scip));
        var milp = new MilpAllocationSolver(MilpBackends.Create(backend)) { UseHeuristics = false };
        for (int n = 0; n < 6; n++)
        {
            Problem problem = RandomProblems.Create(random, objective, members: random.Next(10, 17), devices: random.Next(3, 5), shareStep: Pick(random, 5, 10), identicalDevices: n % 2 == 0, memoryTightness: n < 3 ? 0.5 : 0.9);
            string label = $"{objective} #{n}";
            PlanResult expected = reference.Solve(problem, s_generous);
            PlanResult result = milp.Solve(problem, s_generous);

            AssertValid(result, problem, label);
            AssertValid(expected, problem, label);
            if (expected.Status == PlanStatus.TimeLimit || result.Status == PlanStatus.TimeLimit)
            {
                // Only a machine too loaded to finish within the generous limit gets here: the two
                // still may not contradict each other (a plan below the other's proven bound).
                Assert.True(expected.Status != PlanStatus.Infeasible && result.Status != PlanStatus.Infeasible, $"{label}: infeasible against a time limit");
                Assert.True(result.ObjectiveMs is not double value || value >= expected.BoundMs - Tolerance(value), $"{label}: {result.Solver} {result.ObjectiveMs} below scip's bound {expected.BoundMs}");
                Assert.True(expected.ObjectiveMs is not double scip || scip >= result.BoundMs - Tolerance(scip), $"{label}: scip {expected.ObjectiveMs} below {result.Solver}'s bound {result.BoundMs}");
                continue;
            }

            Assert.True(expected.Status is PlanStatus.Optimal or PlanStatus.Infeasible, $"{label}: scip {expected.Status} {expected.Reason}");
            Assert.True(expected.Status == result.Status, $"{label}: {result.Solver} says {result.Status} ({result.Reason}), scip {expected.Status}");
            if (expected.ObjectiveMs is double optimum)
            {
                Assert.True(Same(optimum, result.ObjectiveMs!.Value), $"{label}: {result.Solver} {result.ObjectiveMs} vs scip {optimum}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ParallelMilpSolves_GiveTheSequentialAnswers(MilpBackend backend)
    {
        var random = new Random(5000);
        Problem[] problems = [.. Enumerable.Range(0, 24).Select(n => RandomProblems.Create(random, s_objectives[n % 3], members: 8, devices: 3, shareStep: 10, identicalDevices: true, memoryTightness: 0.6))];
        double?[] sequential = [.. problems.Select(p => new MilpAllocationSolver(MilpBackends.Create(backend)).Solve(p, s_options).ObjectiveMs)];

        double?[] parallel = new double?[problems.Length];
        Parallel.For(0, problems.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = new MilpAllocationSolver(MilpBackends.Create(backend)).Solve(problems[i], s_options).ObjectiveMs);

        Assert.Equal(sequential, parallel);
        Assert.True(sequential.Count(v => v is not null) >= 20, "most of these problems are feasible");
    }

    [Theory]
    [InlineData(Objective.Latency)]
    [InlineData(Objective.Makespan)]
    public void WeightedTenants_SearchAndMilpEqualExhaustive_HeuristicsNoBetter(Objective objective)
    {
        var random = new Random(6000 + (int)objective);
        IAllocationSolver textbook = AllocationSolvers.Create("milp-textbook")!;
        for (int n = 0; n < 60; n++)
        {
            int devices = random.Next(1, 3);
            Problem problem = RandomProblems.AsTenants(random, RandomProblems.Create(
                random, objective, members: random.Next(1, devices == 1 ? 6 : 5), devices, shareStep: Pick(random, 20, 25), memoryTightness: 0.4 + random.NextDouble()));
            PlanResult oracle = new ExhaustiveSolver().Solve(problem, s_options);
            string label = $"tenants, {objective} #{n}";

            AssertSameOptimum(oracle, new MilpAllocationSolver().Solve(problem, s_options), problem, label);
            if (!objective.IsBottleneck())
            {
                AssertSameOptimum(oracle, textbook.Solve(problem, s_options), problem, label);
            }

            if (devices == 1)
            {
                AssertSameOptimum(oracle, new SearchSolver().Solve(problem, s_options), problem, label);
            }

            foreach (IAllocationSolver heuristic in new IAllocationSolver[] { new SearchSolver(), new GreedySolver(), new EqualSolver() })
            {
                PlanResult result = heuristic.Solve(problem, s_options);
                AssertValid(result, problem, label);
                Assert.True(result.ObjectiveMs is null || oracle.ObjectiveMs is null || result.ObjectiveMs >= oracle.ObjectiveMs - 1e-9, $"{label}: {heuristic.Name} beats the optimum");
            }
        }
    }

    // 120 seeded problems on two or three devices per objective, small enough for the oracle.
    private static IEnumerable<(Problem Problem, string Label)> SeveralDeviceProblems(Objective objective)
    {
        var random = new Random(3000 + (int)objective);
        for (int n = 0; n < 120; n++)
        {
            int devices = random.Next(2, 4);
            int members = random.Next(2, devices == 2 ? 6 : 5);
            yield return (RandomProblems.Create(random, objective, members, devices, shareStep: Pick(random, 20, 25, 50), identicalDevices: n % 2 == 0, memoryTightness: 0.4 + random.NextDouble(), noise: n % 4 == 0 ? 0.15 : 0), $"{objective} #{n}");
        }
    }

    internal static void AssertSameOptimum(PlanResult oracle, PlanResult result, Problem problem, string label)
    {
        AssertValid(result, problem, label);
        Assert.True(oracle.Status is PlanStatus.Optimal or PlanStatus.Infeasible, $"{label}: oracle {oracle.Status} {oracle.Reason}");
        Assert.True(oracle.Status == result.Status, $"{label}: {result.Solver} says {result.Status} ({result.Reason}), oracle {oracle.Status}");
        if (oracle.Status == PlanStatus.Optimal)
        {
            Assert.True(Same(oracle.ObjectiveMs!.Value, result.ObjectiveMs!.Value), $"{label}: {result.Solver} {result.ObjectiveMs} vs optimum {oracle.ObjectiveMs}");
            Assert.True(result.BoundMs <= oracle.ObjectiveMs.Value + Tolerance(oracle.ObjectiveMs.Value), $"{label}: bound {result.BoundMs} above optimum {oracle.ObjectiveMs}");
        }
    }

    internal static void AssertValid(PlanResult result, Problem problem, string label)
    {
        if (result.Plan is null)
        {
            Assert.Null(result.ObjectiveMs);
            Assert.False(string.IsNullOrEmpty(result.Reason), $"{label}: {result.Solver} has no plan and no reason");
            return;
        }

        Assert.Empty(PlanChecker.Violations(problem, result.Plan));
        Assert.True(Same(PlanChecker.ObjectiveOf(problem, result.Plan), result.ObjectiveMs!.Value), $"{label}: reported objective {result.ObjectiveMs} differs from the checker's");
        Assert.True(result.BoundMs <= result.ObjectiveMs.Value + Tolerance(result.ObjectiveMs.Value), $"{label}: bound above objective");
    }

    private static bool Same(double a, double b) => Math.Abs(a - b) <= Tolerance(Math.Max(Math.Abs(a), Math.Abs(b)));

    private static double Tolerance(double magnitude) => 1e-9 * Math.Max(1, magnitude);

    private static int Pick(Random random, params int[] values) => values[random.Next(values.Length)];
}
