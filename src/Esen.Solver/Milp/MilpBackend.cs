namespace Esen.Solver.Milp;

/// <summary>The Google OR-Tools solvers that solve a <see cref="MilpModel"/> (docs/solvers.md).</summary>
public enum MilpBackend
{
    /// <summary>CP-SAT through <c>CpModel</c> (<see cref="CpSatMilpSolver"/>): integer programs only, coefficients scaled to integers.</summary>
    CpSat,

    /// <summary>SCIP through OR-Tools' linear solver wrapper (<see cref="LinearSolverMilpSolver"/>).</summary>
    Scip,

    /// <summary>HiGHS through OR-Tools' linear solver wrapper.</summary>
    Highs,

    /// <summary>COIN-OR CBC through OR-Tools' linear solver wrapper.</summary>
    Cbc,
}

/// <summary>Names, defaults and construction of the <see cref="MilpBackend"/>s.</summary>
public static class MilpBackends
{
    /// <summary>Every backend, in the order <c>esen plan --solver all</c> lists them.</summary>
    public static IReadOnlyList<MilpBackend> All { get; } = [MilpBackend.CpSat, MilpBackend.Scip, MilpBackend.Highs, MilpBackend.Cbc];

    /// <summary>The backend <c>--solver milp</c> uses: the fastest on the benchmark problems (docs/solvers.md, "Measurements").</summary>
    public static MilpBackend Default => MilpBackend.Scip;

    /// <summary>The command-line name: <c>cp-sat</c>, <c>scip</c>, <c>highs</c> or <c>cbc</c>.</summary>
    public static string ToName(this MilpBackend backend) => backend switch
    {
        MilpBackend.CpSat => "cp-sat",
        MilpBackend.Scip => "scip",
        MilpBackend.Highs => "highs",
        MilpBackend.Cbc => "cbc",
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, null),
    };

    /// <summary>The backend with that command-line name, or null.</summary>
    public static MilpBackend? Parse(string name) => All.Select(b => (MilpBackend?)b).FirstOrDefault(b => b!.Value.ToName() == name);

    /// <summary>A solver for the backend.</summary>
    public static IMilpSolver Create(MilpBackend backend) => backend == MilpBackend.CpSat
        ? new CpSatMilpSolver()
        : new LinearSolverMilpSolver(backend);
}
