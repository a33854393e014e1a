namespace Esen.Solver.Milp;

/// <summary>
/// An immutable affine expression Σ coefficient·variable + constant. Build small ones with operators
/// (<c>2 * x + y - 3</c>) and large ones with <see cref="Sum(IEnumerable{LinearExpr})"/>,
/// <see cref="WeightedSum"/> or <see cref="LinearExprBuilder"/> (operators copy, so chaining
/// thousands of <c>+</c> would be quadratic). Terms on the same variable are merged when a model is
/// exported.
/// </summary>
public sealed class LinearExpr
{
    private readonly (Variable Variable, double Coefficient)[] _terms;

    internal LinearExpr((Variable, double)[] terms, double constant)
    {
        _terms = terms;
        Constant = constant;
    }

    /// <summary>The terms, possibly with repeated variables.</summary>
    public IReadOnlyList<(Variable Variable, double Coefficient)> Terms => _terms;

    /// <summary>The constant part.</summary>
    public double Constant { get; }

    /// <summary>coefficient·variable.</summary>
    public static LinearExpr Term(Variable variable, double coefficient) => new([(variable, coefficient)], 0);

    /// <summary>A constant expression.</summary>
    public static LinearExpr FromConstant(double constant) => new([], constant);

    /// <summary>The sum of several expressions in one pass.</summary>
    public static LinearExpr Sum(IEnumerable<LinearExpr> expressions)
    {
        var builder = new LinearExprBuilder();
        foreach (LinearExpr e in expressions)
        {
            builder.Add(e);
        }

        return builder.Build();
    }

    /// <summary>The sum of variables.</summary>
    public static LinearExpr Sum(IEnumerable<Variable> variables) => new([.. variables.Select(v => (v, 1.0))], 0);

    /// <summary>Σ coefficients[i]·variables[i].</summary>
    public static LinearExpr WeightedSum(IReadOnlyList<Variable> variables, IReadOnlyList<double> coefficients)
    {
        if (variables.Count != coefficients.Count)
        {
            throw new ArgumentException($"{variables.Count} variables but {coefficients.Count} coefficients", nameof(coefficients));
        }

        return new([.. variables.Select((v, i) => (v, coefficients[i]))], 0);
    }

    /// <summary>The terms with repeated variables merged and zero coefficients dropped, by variable index.</summary>
    internal (Variable Variable, double Coefficient)[] MergedTerms()
    {
        var merged = new Dictionary<Variable, double>();
        foreach ((Variable v, double c) in _terms)
        {
            merged[v] = merged.GetValueOrDefault(v) + c;
        }

        return [.. merged.Where(t => t.Value != 0).OrderBy(t => t.Key.Index).Select(t => (t.Key, t.Value))];
    }

    /// <summary>The expression's value for a vector of variable values.</summary>
    public double Evaluate(IReadOnlyList<double> values) => _terms.Sum(t => t.Coefficient * values[t.Variable.Index]) + Constant;

    /// <summary>The constraint this == <paramref name="value"/>.</summary>
    public BoundedLinearExpr EqualTo(double value) => new(this, value, value);

    /// <summary>The ranged constraint <paramref name="lower"/> ≤ this ≤ <paramref name="upper"/>.</summary>
    public BoundedLinearExpr Between(double lower, double upper) => new(this, lower, upper);

    /// <summary>Sum.</summary>
    public static LinearExpr operator +(LinearExpr left, LinearExpr right) => new([.. left._terms, .. right._terms], left.Constant + right.Constant);

    /// <summary>Adds a constant.</summary>
    public static LinearExpr operator +(LinearExpr left, double right) => new(left._terms, left.Constant + right);

    /// <summary>Adds a constant.</summary>
    public static LinearExpr operator +(double left, LinearExpr right) => right + left;

    /// <summary>Difference.</summary>
    public static LinearExpr operator -(LinearExpr left, LinearExpr right) => left + (-1.0 * right);

    /// <summary>Subtracts a constant.</summary>
    public static LinearExpr operator -(LinearExpr left, double right) => left + -right;

    /// <summary>A constant minus an expression.</summary>
    public static LinearExpr operator -(double left, LinearExpr right) => (-1.0 * right) + left;

    /// <summary>Negation.</summary>
    public static LinearExpr operator -(LinearExpr expression) => -1.0 * expression;

    /// <summary>Scaling.</summary>
    public static LinearExpr operator *(double factor, LinearExpr expression) =>
        new([.. expression._terms.Select(t => (t.Variable, factor * t.Coefficient))], factor * expression.Constant);

    /// <summary>Scaling.</summary>
    public static LinearExpr operator *(LinearExpr expression, double factor) => factor * expression;

#pragma warning disable CA2225 // comparison operators build constraints; expressions have no order to compare
    /// <summary>this ≤ constant.</summary>
    public static BoundedLinearExpr operator <=(LinearExpr left, double right) => new(left, double.NegativeInfinity, right);

    /// <summary>this ≥ constant.</summary>
    public static BoundedLinearExpr operator >=(LinearExpr left, double right) => new(left, right, double.PositiveInfinity);

    /// <summary>constant ≤ expression.</summary>
    public static BoundedLinearExpr operator <=(double left, LinearExpr right) => right >= left;

    /// <summary>constant ≥ expression.</summary>
    public static BoundedLinearExpr operator >=(double left, LinearExpr right) => right <= left;

    /// <summary>left − right ≤ 0.</summary>
    public static BoundedLinearExpr operator <=(LinearExpr left, LinearExpr right) => (left - right) <= 0.0;

    /// <summary>left − right ≥ 0.</summary>
    public static BoundedLinearExpr operator >=(LinearExpr left, LinearExpr right) => (left - right) >= 0.0;
#pragma warning restore CA2225

    /// <summary>Same as the operator.</summary>
    public static LinearExpr Add(LinearExpr left, LinearExpr right) => left + right;

    /// <summary>Same as the operator.</summary>
    public static LinearExpr Subtract(LinearExpr left, LinearExpr right) => left - right;

    /// <summary>Same as the operator.</summary>
    public static LinearExpr Multiply(double factor, LinearExpr expression) => factor * expression;

    /// <summary>Same as the operator.</summary>
    public static LinearExpr Negate(LinearExpr expression) => -expression;

    /// <summary>Implicit constant.</summary>
    public static implicit operator LinearExpr(double constant) => FromConstant(constant);

    /// <summary>Same as the implicit conversion.</summary>
    public static LinearExpr ToLinearExpr(double constant) => FromConstant(constant);
}

/// <summary>lower ≤ expression ≤ upper, ready for <see cref="MilpModel.Add(BoundedLinearExpr, string?)"/>.</summary>
/// <param name="Expression">The expression.</param>
/// <param name="Lower">Lower bound (may be -∞).</param>
/// <param name="Upper">Upper bound (may be +∞).</param>
public sealed record BoundedLinearExpr(LinearExpr Expression, double Lower, double Upper);

/// <summary>A mutable accumulator for large expressions (linear time, unlike chained operators).</summary>
public sealed class LinearExprBuilder
{
    private readonly List<(Variable, double)> _terms = [];
    private double _constant;

    /// <summary>Adds coefficient·variable.</summary>
    public LinearExprBuilder Add(Variable variable, double coefficient = 1.0)
    {
        _terms.Add((variable, coefficient));
        return this;
    }

    /// <summary>Adds factor·expression.</summary>
    public LinearExprBuilder Add(LinearExpr expression, double factor = 1.0)
    {
        foreach ((Variable v, double c) in expression.Terms)
        {
            _terms.Add((v, factor * c));
        }

        _constant += factor * expression.Constant;
        return this;
    }

    /// <summary>Adds a constant.</summary>
    public LinearExprBuilder AddConstant(double constant)
    {
        _constant += constant;
        return this;
    }

    /// <summary>The expression built so far.</summary>
    public LinearExpr Build() => new([.. _terms], _constant);
}
