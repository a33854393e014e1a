using Esen.Solver.Planning;

namespace Esen.Solver.Solvers;

/// <summary>The solvers behind <c>esen plan --solver NAME</c>, by name.</summary>
public static class AllocationSolvers
{
    /// <summary>The names <c>--solver all</c> runs, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["search", "milp", "greedy", "equal", "exhaustive"];

    /// <summary>Every accepted name, including formulation variants for comparison.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names, "milp-textbook"];

    /// <summary>The solver with that name, or null.</summary>
    public static IAllocationSolver? Create(string name) => name switch
    {
        "search" => new SearchSolver(),
        "milp" => new MilpAllocationSolver(),
        "milp-textbook" => new MilpAllocationSolver(new Milp.CbcMilpSolver(), MilpFormulation.Textbook),
        "greedy" => new GreedySolver(),
        "equal" => new EqualSolver(),
        "exhaustive" => new ExhaustiveSolver(),
        _ => null,
    };
}
