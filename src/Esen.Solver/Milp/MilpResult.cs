namespace Esen.Solver.Milp;

/// <summary>How a MILP solve ended.</summary>
public enum MilpStatus
{
    /// <summary>Proven optimal (within the requested gap).</summary>
    Optimal,

    /// <summary>A solution, not proven optimal (a limit stopped the search).</summary>
    Feasible,

    /// <summary>Proven infeasible.</summary>
    Infeasible,

    /// <summary>Unbounded.</summary>
    Unbounded,

    /// <summary>A limit stopped the search before any solution.</summary>
    NoSolutionFound,

    /// <summary>The backend is missing, refused the model, gave up (numerics) or failed; see <see cref="MilpResult.Message"/>.</summary>
    Abandoned,
}

/// <summary>Options every backend understands.</summary>
public sealed record MilpSolveOptions
{
    /// <summary>Wall-clock limit; null for none.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Threads inside one solve.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Stop at this relative gap between solution and bound; 0 (the default) proves optimality.</summary>
    public double RelativeGap { get; init; }
}

/// <summary>The outcome of <see cref="IMilpSolver.Solve"/>.</summary>
/// <param name="Status">How the solve ended.</param>
/// <param name="Objective">The solution's objective, NaN without one.</param>
/// <param name="BestBound">The best proven bound on the objective, NaN when unknown.</param>
/// <param name="Values">Variable values by index, empty without a solution.</param>
/// <param name="SolveTime">Wall-clock time of the solve, including the export.</param>
/// <param name="Message">One line on why the backend could not solve the model (<see cref="MilpStatus.Abandoned"/>).</param>
public sealed record MilpResult(MilpStatus Status, double Objective, double BestBound, double[] Values, TimeSpan SolveTime, string? Message = null)
{
    /// <summary>A solve the backend could not run or finish, with the reason in one line.</summary>
    public static MilpResult Failed(string message, TimeSpan solveTime) => new(MilpStatus.Abandoned, double.NaN, double.NaN, [], solveTime, message);

    /// <summary>True when <see cref="Values"/> holds a solution.</summary>
    public bool HasSolution => Status is MilpStatus.Optimal or MilpStatus.Feasible;

    /// <summary>|objective − bound| / max(|objective|, 1e-9); 0 when optimal, NaN without a solution.</summary>
    public double Gap => Status == MilpStatus.Optimal ? 0 : HasSolution && double.IsFinite(BestBound)
        ? Math.Abs(Objective - BestBound) / Math.Max(Math.Abs(Objective), 1e-9)
        : double.NaN;

    /// <summary>The value of one variable in the solution.</summary>
    public double Value(Variable variable) => HasSolution
        ? Values[variable.Index]
        : throw new InvalidOperationException($"no solution ({Status})");
}

/// <summary>A MILP backend.</summary>
public interface IMilpSolver
{
    /// <summary>Short name (<c>cp-sat</c>, <c>scip</c>, ...).</summary>
    string Name { get; }

    /// <summary>True when the backend can run in this process (its native library loaded).</summary>
    bool IsSupported { get; }

    /// <summary>The backend's version when it is supported, else why it is not (one line).</summary>
    string Availability { get; }

    /// <summary>
    /// Solves the model. Never throws for infeasible or unbounded models, nor when the backend is
    /// missing, refuses the model or fails: the status says so, with <see cref="MilpResult.Message"/>.
    /// </summary>
    MilpResult Solve(MilpModel model, MilpSolveOptions options);
}
