using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Reports;
using Esen.Solver.Solvers;
using Esen.TestUtilities;

namespace Esen.Solver.Tests.Reports;

/// <summary><c>esen plan --report</c>'s pages as Debian's Chromium renders them.</summary>
public sealed class PlanReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-plan-report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Allocation_DrawsTheTablesWithEveryChoice_AndComparesTheSolvers()
    {
        Problem problem = ProblemReader.ReadFile(Example("ensemble-3.json"));
        PlanResult[] results = [new SearchSolver().Solve(problem, new SolverOptions()), new MilpAllocationSolver().Solve(problem, new SolverOptions())];
        string page = Path.Combine(_folder, "plan.html");
        File.WriteAllText(page, PlanReport.Allocation(problem, results, "ensemble-3.json"));

        string[] figures = HeadlessChromium.DrawnFigures(page);

        Assert.Equal(2, figures.Length);
        Assert.All(problem.Members, m => Assert.Contains(m.Name, figures[0], StringComparison.Ordinal));
        Assert.Contains("search", figures[1], StringComparison.Ordinal);
        Assert.Contains("milp", figures[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Serving_DrawsEachMembersP99AgainstTheRate_WithItsObjective()
    {
        Problem problem = ProblemReader.ReadFile(Example("serving-2.json"));
        var planner = new SloPlanner();
        SloPlanResult result = planner.Plan(problem);
        string page = Path.Combine(_folder, "serving.html");
        File.WriteAllText(page, PlanReport.Serving(problem, result, planner, "serving-2.json"));

        string[] figures = HeadlessChromium.DrawnFigures(page);

        Assert.Equal(problem.Members.Count, figures.Length);
        for (int i = 0; i < figures.Length; i++)
        {
            ServingChoice choice = result.Members[i];
            Assert.Contains($"{choice.Member}: batch {choice.Batch}", figures[i], StringComparison.Ordinal);
            Assert.Contains("objective", figures[i], StringComparison.Ordinal);
        }
    }

    private static string Example(string name) => Path.Combine(TestEnv.RepositoryRoot, "docs", "examples", name);
}
