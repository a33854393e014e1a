using System.Collections.Concurrent;
using System.Diagnostics;
using Google.OrTools.LinearSolver;
using OrConstraint = Google.OrTools.LinearSolver.Constraint;
using OrSolver = Google.OrTools.LinearSolver.Solver;
using OrVariable = Google.OrTools.LinearSolver.Variable;

namespace Esen.Solver.Milp;

/// <summary>
/// SCIP, HiGHS or CBC through Google OR-Tools' linear solver wrapper (<c>Solver.CreateSolver</c>):
/// the model is handed over row by row with repeated terms merged; hints become the solver's hint
/// (a MIP start where the solver takes one; HiGHS gets none, see below); the relative gap defaults to
/// 0, where OR-Tools' own default would stop at 10⁻⁴.
/// </summary>
public sealed class LinearSolverMilpSolver : IMilpSolver
{
    // OR-Tools' MPSOLVER_UNKNOWN_STATUS, outside ResultStatus: HiGHS stopped by a limit, solution not kept.
    private const OrSolver.ResultStatus UnknownStatus = (OrSolver.ResultStatus)99;

    // Per backend, once per process: null when it can run, else why not.
    private static readonly ConcurrentDictionary<MilpBackend, string?> s_unavailable = new();

    private readonly MilpBackend _backend;
    private readonly string _solverId;

    /// <summary>A solver for <paramref name="backend"/> (not <see cref="MilpBackend.CpSat"/>, which has its own class).</summary>
    public LinearSolverMilpSolver(MilpBackend backend)
    {
        _solverId = backend switch
        {
            MilpBackend.Scip => "SCIP",
            MilpBackend.Highs => "HIGHS",
            MilpBackend.Cbc => "CBC",
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "CP-SAT is CpSatMilpSolver"),
        };
        _backend = backend;
    }

    /// <inheritdoc/>
    public string Name => _backend.ToName();

    /// <inheritdoc/>
    public bool IsSupported => Unavailable is null;

    /// <inheritdoc/>
    public string Availability => Unavailable ?? $"{_solverId} through Google OR-Tools {OrToolsRuntime.Version}";

    private string? Unavailable => s_unavailable.GetOrAdd(_backend, _ => Probe());

    /// <inheritdoc/>
    public MilpResult Solve(MilpModel model, MilpSolveOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (Unavailable is string missing)
        {
            return MilpResult.Failed($"{Name}: {missing}", clock.Elapsed);
        }

        try
        {
            using OrSolver solver = OrSolver.CreateSolver(_solverId);
            return SolveWith(solver, model, options, clock);
        }
        catch (ApplicationException ex)
        {
            // OR-Tools' generated wrapper turns a native C++ exception into this.
            return MilpResult.Failed($"{Name} failed: {ex.Message}", clock.Elapsed);
        }
    }

    private MilpResult SolveWith(OrSolver solver, MilpModel model, MilpSolveOptions options, Stopwatch clock)
    {
        solver.SuppressOutput();
        if (_backend == MilpBackend.Highs)
        {
            // HiGHS prints its banner on stdout unless told; the call reports false but takes effect.
            solver.SetSolverSpecificParametersAsString("output_flag=false");
        }

        var variables = new OrVariable[model.Variables.Count];
        foreach (Variable v in model.Variables)
        {
            variables[v.Index] = solver.MakeVar(v.LowerBound, v.UpperBound, v.IsInteger, v.Name);
        }

        foreach (LinearConstraint constraint in model.Constraints)
        {
            double constant = constraint.Expression.Constant;
            OrConstraint row = solver.MakeConstraint(constraint.Lower - constant, constraint.Upper - constant, constraint.Name);
            foreach ((Variable v, double c) in constraint.Expression.MergedTerms())
            {
                row.SetCoefficient(variables[v.Index], c);
            }
        }

        Objective objective = solver.Objective();
        foreach ((Variable v, double c) in model.Objective.MergedTerms())
        {
            objective.SetCoefficient(variables[v.Index], c);
        }

        objective.SetOffset(model.Objective.Constant);
        objective.SetOptimizationDirection(model.IsMaximization);
        // OR-Tools 9.15's HiGHS interface dereferences a bad pointer on any hint (segfault): no hints there.
        if (model.Hints.Count > 0 && _backend != MilpBackend.Highs)
        {
            using var hinted = new MPVariableVector(model.Hints.Keys.Select(v => variables[v.Index]));
            solver.SetHint(hinted, [.. model.Hints.Values]);
        }

        if (options.TimeLimit is TimeSpan limit)
        {
            solver.SetTimeLimit((long)Math.Max(Math.Ceiling(limit.TotalMilliseconds), 1));
        }

        solver.SetNumThreads(Math.Max(options.Threads, 1));
        using var parameters = new MPSolverParameters();
        parameters.SetDoubleParam(MPSolverParameters.DoubleParam.RELATIVE_MIP_GAP, options.RelativeGap);
        OrSolver.ResultStatus status = solver.Solve(parameters);
        MilpStatus mapped = status switch
        {
            OrSolver.ResultStatus.OPTIMAL => MilpStatus.Optimal,
            OrSolver.ResultStatus.FEASIBLE => MilpStatus.Feasible,
            OrSolver.ResultStatus.INFEASIBLE => MilpStatus.Infeasible,
            OrSolver.ResultStatus.UNBOUNDED => MilpStatus.Unbounded,
            OrSolver.ResultStatus.NOT_SOLVED or UnknownStatus => MilpStatus.NoSolutionFound,
            _ => MilpStatus.Abandoned,
        };
        if (mapped == MilpStatus.Abandoned)
        {
            return MilpResult.Failed($"{Name} ended {status}", clock.Elapsed);
        }

        // Solution values exist only with a solution; OR-Tools logs an error for reads without one.
        if (mapped is not (MilpStatus.Optimal or MilpStatus.Feasible))
        {
            return new MilpResult(mapped, double.NaN, double.NaN, [], clock.Elapsed);
        }

        double[] values = [.. variables.Select(v => v.SolutionValue())];
        return new MilpResult(mapped, model.Objective.Evaluate(values), objective.BestBound(), values, clock.Elapsed);
    }

    private string? Probe()
    {
        if (OrToolsRuntime.LoadError is string missing)
        {
            return missing;
        }

        using OrSolver? solver = OrSolver.CreateSolver(_solverId);
        return solver is null ? $"Google OR-Tools {OrToolsRuntime.Version} was built without {_solverId}" : null;
    }
}
