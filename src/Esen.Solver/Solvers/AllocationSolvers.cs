using Esen.Solver.Milp;
using Esen.Solver.Planning;

namespace Esen.Solver.Solvers;

/// <summary>The solvers behind <c>esen plan --solver NAME</c>, by name.</summary>
public static class AllocationSolvers
{
    /// <summary>The names <c>--solver all</c> runs, in order; <c>milp</c> stands for one run per MILP backend.</summary>
    public static IReadOnlyList<string> Names { get; } = ["search", "milp", "greedy", "equal", "exhaustive"];

    /// <summary>Every accepted name, including formulation variants for comparison.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names, "milp-textbook"];

    /// <summary>The solver with that name, or null; the MILP ones on <paramref name="backend"/> (default <see cref="MilpBackends.Default"/>).</summary>
    public static IAllocationSolver? Create(string name, MilpBackend? backend = null) => name switch
    {
        "search" => new SearchSolver(),
        "milp" => new MilpAllocationSolver(MilpBackends.Create(backend ?? MilpBackends.Default)),
        "milp-textbook" => new MilpAllocationSolver(MilpBackends.Create(backend ?? MilpBackends.Default), MilpFormulation.Textbook),
        "greedy" => new GreedySolver(),
        "equal" => new EqualSolver(),
        "exhaustive" => new ExhaustiveSolver(),
        _ => null,
    };

    /// <summary>
    /// What <c>--solver all</c> runs: every solver of <see cref="Names"/>, with <c>milp</c> once per
    /// backend (<see cref="MilpBackends.All"/>), or only on <paramref name="backend"/> when one is named.
    /// </summary>
    public static IReadOnlyList<IAllocationSolver> CreateAll(MilpBackend? backend = null) =>
    [
        .. Names.SelectMany(name => name == "milp"
            ? (backend is MilpBackend one ? [one] : MilpBackends.All).Select(b => Create(name, b)!)
            : [Create(name)!]),
    ];
}
