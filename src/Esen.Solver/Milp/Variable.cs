namespace Esen.Solver.Milp;

/// <summary>A decision variable of one <see cref="MilpModel"/>; combine variables into <see cref="LinearExpr"/>s with operators.</summary>
public sealed class Variable
{
    internal Variable(MilpModel model, int index, double lowerBound, double upperBound, bool isInteger, string name)
    {
        Model = model;
        Index = index;
        LowerBound = lowerBound;
        UpperBound = upperBound;
        IsInteger = isInteger;
        Name = name;
    }

    /// <summary>The model that owns the variable.</summary>
    public MilpModel Model { get; }

    /// <summary>Position in <see cref="MilpModel.Variables"/> and in <see cref="MilpResult.Values"/>.</summary>
    public int Index { get; }

    /// <summary>Lower bound (may be -∞).</summary>
    public double LowerBound { get; }

    /// <summary>Upper bound (may be +∞).</summary>
    public double UpperBound { get; }

    /// <summary>True for integer (including binary) variables.</summary>
    public bool IsInteger { get; }

    /// <summary>Name for diagnostics.</summary>
    public string Name { get; }

    /// <summary>The expression 1·this.</summary>
    public static implicit operator LinearExpr(Variable variable) => LinearExpr.Term(variable, 1.0);

    /// <summary>Same as the implicit conversion.</summary>
    public LinearExpr ToLinearExpr() => this;

#pragma warning disable CS1591, CA2225 // shorthands for LinearExpr's operators, which are documented and have named forms
    public static LinearExpr operator +(Variable left, Variable right) => LinearExpr.Term(left, 1.0) + right;

    public static LinearExpr operator -(Variable left, Variable right) => LinearExpr.Term(left, 1.0) - right;

    public static LinearExpr operator *(double coefficient, Variable variable) => LinearExpr.Term(variable, coefficient);

    public static LinearExpr operator *(Variable variable, double coefficient) => LinearExpr.Term(variable, coefficient);

    public static LinearExpr operator -(Variable variable) => LinearExpr.Term(variable, -1.0);

    public static LinearExpr operator +(Variable left, double right) => LinearExpr.Term(left, 1.0) + right;

    public static LinearExpr operator +(double left, Variable right) => LinearExpr.Term(right, 1.0) + left;

    public static LinearExpr operator -(Variable left, double right) => LinearExpr.Term(left, 1.0) - right;

    public static LinearExpr operator -(double left, Variable right) => left - LinearExpr.Term(right, 1.0);

    public static BoundedLinearExpr operator <=(Variable left, double right) => LinearExpr.Term(left, 1.0) <= right;

    public static BoundedLinearExpr operator >=(Variable left, double right) => LinearExpr.Term(left, 1.0) >= right;
#pragma warning restore CS1591, CA2225

    /// <inheritdoc/>
    public override string ToString() => Name;
}
