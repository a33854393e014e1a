using Esen.Solver.Milp;
using Esen.TestUtilities;

namespace Esen.Solver.Tests.Milp;

public class CbcMilpSolverTests
{
    private static readonly MilpSolveOptions s_options = new() { TimeLimit = TimeSpan.FromSeconds(30) };

    [SkippableFact]
    public void Solve_ModelBuiltWithOperators_MatchesBruteForce()
    {
        Requires.Cbc();
        // max 3x + 2y - z + 5  s.t.  x + y + z == 4,  x - y <= 1,  2 <= y + 2z <= 6,  x, y, z integer in 0..4.
        var model = new MilpModel();
        Variable x = model.NewIntVariable(0, 4, "x");
        Variable y = model.NewIntVariable(0, 4, "y");
        Variable z = model.NewIntVariable(0, 4, "z");
        model.Add((x + y + z).EqualTo(4));
        model.Add(x - y <= 1);
        model.Add((y + (2 * z)).Between(2, 6));
        model.Maximize((3 * x) + (2 * y) - z + 5);

        MilpResult result = new CbcMilpSolver().Solve(model, s_options);

        double best = double.NegativeInfinity;
        for (int a = 0; a <= 4; a++)
        {
            for (int b = 0; b <= 4; b++)
            {
                for (int c = 0; c <= 4; c++)
                {
                    if (a + b + c == 4 && a - b <= 1 && b + (2 * c) is >= 2 and <= 6)
                    {
                        best = Math.Max(best, (3 * a) + (2 * b) - c + 5);
                    }
                }
            }
        }

        Assert.Equal(MilpStatus.Optimal, result.Status);
        Assert.Equal(best, result.Objective, 6);
        Assert.Equal(0, result.Gap);
        Assert.True(model.MaxViolation(result.Values) < 1e-6);
        Assert.Equal(result.Objective, model.Objective.Evaluate(result.Values), 6);
    }

    [SkippableFact]
    public void Solve_RepeatedTermsAndConstants_AreMerged()
    {
        Requires.Cbc();
        // min x + x + 1  s.t.  x + 3 >= 5.5 - x ; x integer → 2x >= 2.5 → x = 2, objective 5.
        var model = new MilpModel();
        Variable x = model.NewIntVariable(0, 10);
        model.Add(x + 3 >= 5.5 - x);
        model.Minimize(x + x + 1);

        MilpResult result = new CbcMilpSolver().Solve(model, s_options);

        Assert.Equal(MilpStatus.Optimal, result.Status);
        Assert.Equal(2, result.Value(x), 6);
        Assert.Equal(5, result.Objective, 6);
    }

    [SkippableFact]
    public void Solve_Infeasible_ReportsIt()
    {
        Requires.Cbc();
        var model = new MilpModel();
        Variable x = model.NewBoolVariable();
        Variable y = model.NewBoolVariable();
        model.Add(x + y >= 3);
        model.Minimize(x);

        MilpResult result = new CbcMilpSolver().Solve(model, s_options);

        Assert.Equal(MilpStatus.Infeasible, result.Status);
        Assert.False(result.HasSolution);
        Assert.Throws<InvalidOperationException>(() => result.Value(x));
    }

    [Fact]
    public void Add_VariableOfAnotherModel_Throws()
    {
        var first = new MilpModel();
        var second = new MilpModel();
        Variable x = first.NewBoolVariable();

        Assert.Throws<ArgumentException>(() => second.Add(x <= 1));
    }

    [Fact]
    public void LinearExprBuilder_EqualsOperatorSum()
    {
        var model = new MilpModel();
        Variable[] x = [.. Enumerable.Range(0, 5).Select(_ => model.NewNumVariable(0, 1))];
        double[] values = [0.5, 1, 0.25, 0, 1];
        var builder = new LinearExprBuilder();
        foreach (Variable v in x)
        {
            builder.Add(v, 2);
        }

        LinearExpr byOperators = (2 * x[0]) + (2 * x[1]) + (2 * x[2]) + (2 * x[3]) + (2 * x[4]) + 1;

        Assert.Equal(byOperators.Evaluate(values), builder.AddConstant(1).Build().Evaluate(values));
        Assert.Equal(5.5, LinearExpr.WeightedSum(x, [1, 2, 4, 8, 1]).Evaluate(values) + 1, 9);
    }
}
