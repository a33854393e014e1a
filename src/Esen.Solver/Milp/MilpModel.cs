namespace Esen.Solver.Milp;

/// <summary>A linear constraint lower ≤ Σ coefficient·variable ≤ upper of one model.</summary>
/// <param name="Index">Position in <see cref="MilpModel.Constraints"/>.</param>
/// <param name="Name">Name for diagnostics.</param>
/// <param name="Expression">The left-hand side; its constant is folded into the bounds on export.</param>
/// <param name="Lower">Lower bound (may be -∞).</param>
/// <param name="Upper">Upper bound (may be +∞).</param>
public sealed record LinearConstraint(int Index, string Name, LinearExpr Expression, double Lower, double Upper);

/// <summary>
/// A solver-neutral mixed-integer linear program: variables with bounds and integrality, linear
/// constraints, one linear objective, and optional solution hints. Backends (<see cref="IMilpSolver"/>)
/// translate it; nothing here knows about any solver.
/// </summary>
public sealed class MilpModel
{
    private readonly List<Variable> _variables = [];
    private readonly List<LinearConstraint> _constraints = [];
    private readonly Dictionary<Variable, double> _hints = [];

    /// <summary>Every variable, by index.</summary>
    public IReadOnlyList<Variable> Variables => _variables;

    /// <summary>Every constraint, by index.</summary>
    public IReadOnlyList<LinearConstraint> Constraints => _constraints;

    /// <summary>The objective (0 until set).</summary>
    public LinearExpr Objective { get; private set; } = LinearExpr.FromConstant(0);

    /// <summary>True when the objective is maximised.</summary>
    public bool IsMaximization { get; private set; }

    /// <summary>Starting values for some variables (a known feasible solution helps branch and bound).</summary>
    public IReadOnlyDictionary<Variable, double> Hints => _hints;

    /// <summary>A new variable.</summary>
    public Variable NewVariable(double lowerBound, double upperBound, bool isInteger, string? name = null)
    {
        if (double.IsNaN(lowerBound) || double.IsNaN(upperBound) || lowerBound > upperBound)
        {
            throw new ArgumentException($"bounds [{lowerBound}, {upperBound}] are empty");
        }

        var variable = new Variable(this, _variables.Count, lowerBound, upperBound, isInteger, name ?? $"x{_variables.Count}");
        _variables.Add(variable);
        return variable;
    }

    /// <summary>A new 0/1 variable.</summary>
    public Variable NewBoolVariable(string? name = null) => NewVariable(0, 1, isInteger: true, name);

    /// <summary>A new integer variable.</summary>
    public Variable NewIntVariable(double lowerBound, double upperBound, string? name = null) => NewVariable(lowerBound, upperBound, isInteger: true, name);

    /// <summary>A new continuous variable.</summary>
    public Variable NewNumVariable(double lowerBound, double upperBound, string? name = null) => NewVariable(lowerBound, upperBound, isInteger: false, name);

    /// <summary>Adds a constraint built with the comparison operators, e.g. <c>model.Add(x + 2 * y &lt;= 4)</c>.</summary>
    public LinearConstraint Add(BoundedLinearExpr constraint, string? name = null)
    {
        if (double.IsNaN(constraint.Lower) || double.IsNaN(constraint.Upper) || !double.IsFinite(constraint.Expression.Constant))
        {
            throw new ArgumentException($"constraint {name} has bounds [{constraint.Lower}, {constraint.Upper}] and constant {constraint.Expression.Constant}", nameof(constraint));
        }

        foreach ((Variable v, double c) in constraint.Expression.Terms)
        {
            if (v.Model != this)
            {
                throw new ArgumentException($"variable {v.Name} belongs to another model", nameof(constraint));
            }

            if (!double.IsFinite(c))
            {
                throw new ArgumentException($"coefficient of {v.Name} is {c}", nameof(constraint));
            }
        }

        var added = new LinearConstraint(_constraints.Count, name ?? $"c{_constraints.Count}", constraint.Expression, constraint.Lower, constraint.Upper);
        _constraints.Add(added);
        return added;
    }

    /// <summary>Minimise <paramref name="objective"/>.</summary>
    public void Minimize(LinearExpr objective)
    {
        Objective = objective;
        IsMaximization = false;
    }

    /// <summary>Maximise <paramref name="objective"/>.</summary>
    public void Maximize(LinearExpr objective)
    {
        Objective = objective;
        IsMaximization = true;
    }

    /// <summary>Suggests a starting value for a variable.</summary>
    public void SetHint(Variable variable, double value)
    {
        if (variable.Model != this)
        {
            throw new ArgumentException($"variable {variable.Name} belongs to another model", nameof(variable));
        }

        _hints[variable] = value;
    }

    /// <summary>The largest violation of any bound, constraint or integrality by <paramref name="values"/> (0 when feasible).</summary>
    public double MaxViolation(IReadOnlyList<double> values)
    {
        double worst = 0;
        foreach (Variable v in _variables)
        {
            double x = values[v.Index];
            worst = Math.Max(worst, Math.Max(v.LowerBound - x, x - v.UpperBound));
            if (v.IsInteger)
            {
                worst = Math.Max(worst, Math.Abs(x - Math.Round(x)));
            }
        }

        foreach (LinearConstraint c in _constraints)
        {
            double activity = c.Expression.Evaluate(values);
            worst = Math.Max(worst, Math.Max(c.Lower - activity, activity - c.Upper));
        }

        return worst;
    }
}
