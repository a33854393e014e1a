using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Tests.Solvers;

/// <summary>
/// The quality of the search on makespan with 5 % steps: within 1 % of the optimum, by the packing
/// oracle where it reaches, and by the best proven lower bound at K = 64, D = 16, loose and tight
/// memory. Quality only; the times are the solver report's (docs/solvers.md).
/// </summary>
public class SearchAtScaleTests
{
    private const double Within = 0.01;

    private static readonly SolverOptions s_options = new();

    // These instances take SCIP about a second; the limit is for a loaded machine.
    private static readonly SolverOptions s_milp = new() { TimeLimit = TimeSpan.FromSeconds(120) };

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public void SixtyFourMembersOnSixteenDevices_WithinOnePercentOfTheBestBound(double memoryTightness)
    {
        // Beyond the oracle's reach: the lower bound is the larger of the search's own (the area bound
        // raised by its proofs) and the one SCIP proves with a generous limit; every optimum is at or
        // above both.
        var random = new Random(6400 + (int)(memoryTightness * 100));
        var scip = new MilpAllocationSolver(MilpBackends.Create(MilpBackend.Scip));
        for (int n = 0; n < 6; n++)
        {
            Problem problem = RandomProblems.Create(random, Objective.Makespan, members: 64, devices: 16, shareStep: 5, identicalDevices: true, memoryTightness: memoryTightness);
            string label = $"tightness {memoryTightness} #{n}";

            PlanResult result = new SearchSolver().Solve(problem, s_options);

            CrossValidationTests.AssertValid(result, problem, label);
            Assert.True(result.BoundMs >= LowerBound.Compute(problem).ValueMs, $"{label}: bound {result.BoundMs} below the area bound");
            double bound = result.Gap <= Within ? result.BoundMs : Math.Max(result.BoundMs, scip.Solve(problem, s_milp).BoundMs);
            Assert.True(result.ObjectiveMs <= bound * (1 + Within), $"{label}: {result.ObjectiveMs} against the bound {bound} (its own {result.BoundMs})");
        }
    }

    [Fact]
    public void SeveralDevices_WithinOnePercentOfThePackingOracle()
    {
        var random = new Random(6500);
        int compared = 0;
        for (int n = 0; n < 120; n++)
        {
            Problem problem = RandomProblems.Create(random, Objective.Makespan, members: random.Next(5, 10), devices: random.Next(2, 4), shareStep: 5, identicalDevices: n % 2 == 0, memoryTightness: 0.5 + (random.NextDouble() * 0.5));
            string label = $"#{n}";
            double? optimum = PackingOracle.OptimalMakespan(problem);

            PlanResult result = new SearchSolver().Solve(problem, s_options);

            if (optimum is not double value)
            {
                Assert.True(result.Status is PlanStatus.Infeasible or PlanStatus.NoSolution, $"{label}: {result.Status} without any plan");
                continue;
            }

            CrossValidationTests.AssertValid(result, problem, label);
            Assert.True(result.ObjectiveMs <= value * (1 + Within), $"{label}: {result.ObjectiveMs} vs optimum {value}");
            Assert.True(result.BoundMs <= value * (1 + 1e-9), $"{label}: bound {result.BoundMs} above the optimum {value}");
            Assert.True(result.Status != PlanStatus.Optimal || result.ObjectiveMs <= value * (1 + 1e-9), $"{label}: optimal claimed at {result.ObjectiveMs}, optimum {value}");
            compared++;
        }

        Assert.True(compared >= 80, $"only {compared} of 120 instances are feasible");
    }
}
