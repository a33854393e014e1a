using System.Diagnostics;
using Google.OrTools.Sat;
using SatLinearExpr = Google.OrTools.Sat.LinearExpr;
using SatLinearExprBuilder = Google.OrTools.Sat.LinearExprBuilder;

namespace Esen.Solver.Milp;

/// <summary>
/// The CP-SAT backend (Google OR-Tools' <c>CpModel</c>). CP-SAT solves integer programs with integer
/// coefficients, so every row and the objective are multiplied by the smallest power of ten, up to
/// 10⁹, that makes their coefficients integers (latencies rounded to 0.01 ms need 100); a row still
/// fractional at 10⁹ is rounded there (an error below 10⁻⁹ of a unit). Row bounds are rounded inwards,
/// which is exact because the scaled left-hand side is an integer. Models with continuous variables or
/// unbounded integer variables are refused with a one-line message.
/// </summary>
public sealed class CpSatMilpSolver : IMilpSolver
{
    private const int MaxDecimals = 9;

    // Relative distance from an integer that still counts as one (representation noise of 21.3 * 10).
    private const double IntegralTolerance = 1e-9;

    // CP-SAT's domains are within ±2^62; larger variable bounds are refused rather than clipped.
    private const double MaxBound = 1L << 53;

    /// <inheritdoc/>
    public string Name => MilpBackend.CpSat.ToName();

    /// <inheritdoc/>
    public bool IsSupported => OrToolsRuntime.LoadError is null;

    /// <inheritdoc/>
    public string Availability => OrToolsRuntime.LoadError ?? $"CP-SAT through Google OR-Tools {OrToolsRuntime.Version}";

    /// <inheritdoc/>
    public MilpResult Solve(MilpModel model, MilpSolveOptions options)
    {
        var clock = Stopwatch.StartNew();
        if (OrToolsRuntime.LoadError is string missing)
        {
            return MilpResult.Failed($"{Name}: {missing}", clock.Elapsed);
        }

        if (model.Variables.FirstOrDefault(v => !v.IsInteger) is Variable continuous)
        {
            return MilpResult.Failed($"{Name} solves integer programs only; variable {continuous.Name} is continuous", clock.Elapsed);
        }

        if (model.Variables.FirstOrDefault(v => !(Math.Abs(v.LowerBound) <= MaxBound && Math.Abs(v.UpperBound) <= MaxBound)) is Variable unbounded)
        {
            return MilpResult.Failed($"{Name} needs integer variables bounded by ±2^53; {unbounded.Name} has [{unbounded.LowerBound}, {unbounded.UpperBound}]", clock.Elapsed);
        }

        try
        {
            return SolveIntegerProgram(model, options, clock);
        }
        catch (ApplicationException ex)
        {
            // OR-Tools' generated wrapper turns a native C++ exception into this.
            return MilpResult.Failed($"{Name} failed: {ex.Message}", clock.Elapsed);
        }
    }

    private MilpResult SolveIntegerProgram(MilpModel model, MilpSolveOptions options, Stopwatch clock)
    {
        var cp = new CpModel();
        var variables = new IntVar[model.Variables.Count];
        foreach (Variable v in model.Variables)
        {
            long lower = (long)Math.Ceiling(v.LowerBound);
            long upper = (long)Math.Floor(v.UpperBound);
            if (lower > upper)
            {
                return new MilpResult(MilpStatus.Infeasible, double.NaN, double.NaN, [], clock.Elapsed);
            }

            variables[v.Index] = lower == 0 && upper == 1 ? cp.NewBoolVar(v.Name) : cp.NewIntVar(lower, upper, v.Name);
        }

        foreach (LinearConstraint constraint in model.Constraints)
        {
            (Variable Variable, double Coefficient)[] terms = constraint.Expression.MergedTerms();
            double scale = ScaleOf(terms);
            double constant = constraint.Expression.Constant;
            cp.AddLinearConstraint(
                Scaled(variables, terms, scale),
                RoundedBound((constraint.Lower - constant) * scale, Math.Ceiling),
                RoundedBound((constraint.Upper - constant) * scale, Math.Floor));
        }

        (Variable Variable, double Coefficient)[] objective = model.Objective.MergedTerms();
        double objectiveScale = ScaleOf(objective);
        if (objective.Length > 0)
        {
            SatLinearExprBuilder scaled = Scaled(variables, objective, objectiveScale);
            if (model.IsMaximization)
            {
                cp.Maximize(scaled);
            }
            else
            {
                cp.Minimize(scaled);
            }
        }

        foreach ((Variable v, double value) in model.Hints)
        {
            cp.AddHint(variables[v.Index], (long)Math.Round(value));
        }

        // An invalid model (an activity that overflows 64 bits) is a status, never a native abort.
        string invalid = cp.Validate();
        if (invalid.Length > 0)
        {
            return MilpResult.Failed($"{Name} rejected the model: {invalid.ReplaceLineEndings(" ")}", clock.Elapsed);
        }

        using var solver = new CpSolver { StringParameters = Parameters(options) };
        CpSolverStatus status = solver.Solve(cp);
        MilpStatus mapped = status switch
        {
            CpSolverStatus.Optimal => MilpStatus.Optimal,
            CpSolverStatus.Feasible => MilpStatus.Feasible,
            CpSolverStatus.Infeasible => MilpStatus.Infeasible,
            CpSolverStatus.Unknown => MilpStatus.NoSolutionFound,
            _ => MilpStatus.Abandoned,
        };
        if (mapped == MilpStatus.Abandoned)
        {
            return MilpResult.Failed($"{Name} ended {status}", clock.Elapsed);
        }

        double bound = objective.Length == 0 ? model.Objective.Constant : (solver.BestObjectiveBound / objectiveScale) + model.Objective.Constant;
        if (mapped is not (MilpStatus.Optimal or MilpStatus.Feasible))
        {
            return new MilpResult(mapped, double.NaN, mapped == MilpStatus.Infeasible ? double.NaN : bound, [], clock.Elapsed);
        }

        double[] values = [.. variables.Select(v => (double)solver.Value(v))];
        return new MilpResult(mapped, model.Objective.Evaluate(values), bound, values, clock.Elapsed);
    }

    private static string Parameters(MilpSolveOptions options)
    {
        var parameters = new List<string>
        {
            FormattableString.Invariant($"num_workers:{Math.Max(options.Threads, 1)}"),
            FormattableString.Invariant($"relative_gap_limit:{options.RelativeGap:R}"),
        };
        if (options.TimeLimit is TimeSpan limit)
        {
            parameters.Add(FormattableString.Invariant($"max_time_in_seconds:{Math.Max(limit.TotalSeconds, 0):R}"));
        }

        return string.Join(' ', parameters);
    }

    // The smallest power of ten up to 10^MaxDecimals that makes every coefficient an integer.
    private static double ScaleOf((Variable Variable, double Coefficient)[] terms)
    {
        double scale = 1;
        for (int k = 0; k < MaxDecimals; k++, scale *= 10)
        {
            if (terms.All(t => IsIntegral(t.Coefficient * scale)))
            {
                return scale;
            }
        }

        return scale;
    }

    private static bool IsIntegral(double value) => Math.Abs(value - Math.Round(value)) <= IntegralTolerance * Math.Max(1, Math.Abs(value));

    private static SatLinearExprBuilder Scaled(IntVar[] variables, (Variable Variable, double Coefficient)[] terms, double scale)
    {
        SatLinearExprBuilder builder = SatLinearExpr.NewBuilder(terms.Length);
        foreach ((Variable v, double c) in terms)
        {
            builder.AddTerm(variables[v.Index], (long)Math.Round(c * scale));
        }

        return builder;
    }

    // ±∞ and anything beyond 64 bits become CP-SAT's unbounded ends; a tiny excess over an integer is noise.
    private static long RoundedBound(double value, Func<double, double> inwards) => double.IsFinite(value)
        ? (long)Math.Clamp(inwards(IsIntegral(value) ? Math.Round(value) : value), long.MinValue, long.MaxValue)
        : value > 0 ? long.MaxValue : long.MinValue;
}
