using System.Diagnostics;
using Esen.Solver.Milp;

namespace Esen.Solver.Tests.Milp;

/// <summary>Every OR-Tools backend on small models with known answers, limits and refusals.</summary>
public class MilpBackendTests
{
    private static readonly MilpSolveOptions s_options = new() { TimeLimit = TimeSpan.FromSeconds(30) };

    public static TheoryData<MilpBackend> Backends => [.. MilpBackends.All];

    [Theory]
    [MemberData(nameof(Backends))]
    public void Backend_IsSupported_AndNamesItsVersion(MilpBackend backend)
    {
        IMilpSolver solver = MilpBackends.Create(backend);

        Assert.True(solver.IsSupported, solver.Availability);
        Assert.Equal(backend.ToName(), solver.Name);
        Assert.Equal(backend, MilpBackends.Parse(solver.Name));
        Assert.Contains("OR-Tools 9.", solver.Availability, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Solve_ModelBuiltWithOperators_MatchesBruteForce(MilpBackend backend)
    {
        // max 3x + 2y - z + 5  s.t.  x + y + z == 4,  x - y <= 1,  2 <= y + 2z <= 6,  x, y, z integer in 0..4.
        var model = new MilpModel();
        Variable x = model.NewIntVariable(0, 4, "x");
        Variable y = model.NewIntVariable(0, 4, "y");
        Variable z = model.NewIntVariable(0, 4, "z");
        model.Add((x + y + z).EqualTo(4));
        model.Add(x - y <= 1);
        model.Add((y + (2 * z)).Between(2, 6));
        model.Maximize((3 * x) + (2 * y) - z + 5);

        MilpResult result = MilpBackends.Create(backend).Solve(model, s_options);

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

    [Theory]
    [MemberData(nameof(Backends))]
    public void Solve_RepeatedTermsAndConstants_AreMerged(MilpBackend backend)
    {
        // min x + x + 1  s.t.  x + 3 >= 5.5 - x ; x integer → 2x >= 2.5 → x = 2, objective 5.
        var model = new MilpModel();
        Variable x = model.NewIntVariable(0, 10);
        model.Add(x + 3 >= 5.5 - x);
        model.Minimize(x + x + 1);

        MilpResult result = MilpBackends.Create(backend).Solve(model, s_options);

        Assert.Equal(MilpStatus.Optimal, result.Status);
        Assert.Equal(2, result.Value(x), 6);
        Assert.Equal(5, result.Objective, 6);
        Assert.Equal(5, result.BestBound, 6);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Solve_FractionalCoefficients_MatchBruteForce(MilpBackend backend)
    {
        // Six items at one of three sizes each, with latency-like costs and fractional weights:
        // CP-SAT scales every row and the objective to integers.
        var random = new Random(20261204);
        double[,] cost = new double[6, 3];
        double[,] weight = new double[6, 3];
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                cost[i, j] = Math.Round(1 + (random.NextDouble() * 20), 3) / (j + 1);
                weight[i, j] = Math.Round((j + 1) * (1 + random.NextDouble()), 2);
            }
        }

        const double capacity = 17.3;
        var model = new MilpModel();
        var total = new LinearExprBuilder();
        var objective = new LinearExprBuilder();
        for (int i = 0; i < 6; i++)
        {
            Variable[] x = [model.NewBoolVariable(), model.NewBoolVariable(), model.NewBoolVariable()];
            for (int j = 0; j < 3; j++)
            {
                total.Add(x[j], weight[i, j]);
                objective.Add(x[j], cost[i, j]);
            }

            model.Add(LinearExpr.Sum(x).EqualTo(1));
        }

        model.Add(total.Build() <= capacity);
        model.Minimize(objective.Build());

        MilpResult result = MilpBackends.Create(backend).Solve(model, s_options);

        double best = double.PositiveInfinity;
        for (int code = 0; code < 729; code++)
        {
            double w = 0;
            double c = 0;
            for (int i = 0, rest = code; i < 6; i++, rest /= 3)
            {
                w += weight[i, rest % 3];
                c += cost[i, rest % 3];
            }

            if (w <= capacity + 1e-9)
            {
                best = Math.Min(best, c);
            }
        }

        Assert.Equal(MilpStatus.Optimal, result.Status);
        Assert.Equal(best, result.Objective, 6);
        Assert.True(model.MaxViolation(result.Values) < 1e-6);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Solve_Infeasible_ReportsIt(MilpBackend backend)
    {
        var model = new MilpModel();
        Variable x = model.NewBoolVariable();
        Variable y = model.NewBoolVariable();
        model.Add(x + y >= 3);
        model.Minimize(x);

        MilpResult result = MilpBackends.Create(backend).Solve(model, s_options);

        Assert.Equal(MilpStatus.Infeasible, result.Status);
        Assert.False(result.HasSolution);
        Assert.Throws<InvalidOperationException>(() => result.Value(x));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Solve_HardProgramWithTimeLimit_StopsWithAValidIncumbentAndItsBound(MilpBackend backend)
    {
        MilpModel model = HardPacking(new Random(20261122));
        var limit = TimeSpan.FromSeconds(0.5);

        var clock = Stopwatch.StartNew();
        MilpResult result = MilpBackends.Create(backend).Solve(model, s_options with { TimeLimit = limit });

        Assert.True(clock.Elapsed < limit + TimeSpan.FromSeconds(10), $"a {limit.TotalSeconds} s limit took {clock.Elapsed}");
        Assert.True(result.Status is MilpStatus.Optimal or MilpStatus.Feasible or MilpStatus.NoSolutionFound, $"{result.Status} {result.Message}");
        if (result.HasSolution)
        {
            Assert.True(model.MaxViolation(result.Values) < 1e-6);
            Assert.True(result.BestBound >= result.Objective - 1e-6, $"bound {result.BestBound} below incumbent {result.Objective} of a maximisation");
        }
    }

    [Fact]
    public void CpSat_ContinuousVariable_IsRefusedInOneLine_OthersSolve()
    {
        var model = new MilpModel();
        Variable x = model.NewIntVariable(0, 3, "x");
        Variable t = model.NewNumVariable(0, double.PositiveInfinity, "T");
        model.Add(t >= (1.5 * x) - 1);
        model.Add(x >= 2);
        model.Minimize(t);

        MilpResult cpSat = new CpSatMilpSolver().Solve(model, s_options);

        Assert.Equal(MilpStatus.Abandoned, cpSat.Status);
        Assert.Contains("variable T is continuous", cpSat.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', cpSat.Message!);
        foreach (MilpBackend backend in MilpBackends.All.Where(b => b != MilpBackend.CpSat))
        {
            Assert.Equal(2, MilpBackends.Create(backend).Solve(model, s_options).Objective, 6);
        }
    }

    [Fact]
    public void CpSat_ActivityBeyond64Bits_IsAStatusNotACrash()
    {
        var model = new MilpModel();
        Variable x = model.NewIntVariable(0, 1L << 50, "x");
        Variable y = model.NewIntVariable(0, 1L << 50, "y");
        model.Add(((1e9 * x) + (1e9 * y)) >= 1);
        model.Minimize(x + y);

        MilpResult result = new CpSatMilpSolver().Solve(model, s_options);

        Assert.Equal(MilpStatus.Abandoned, result.Status);
        Assert.StartsWith("cp-sat rejected the model", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_VariableOfAnotherModelOrNaNBound_Throws()
    {
        var first = new MilpModel();
        var second = new MilpModel();
        Variable x = first.NewBoolVariable();

        Assert.Throws<ArgumentException>(() => second.Add(x <= 1));
        Assert.Throws<ArgumentException>(() => first.Add(LinearExpr.Term(x, 1).Between(double.NaN, 1)));
    }

    [Fact]
    public void LinearExprBuilder_EqualsOperatorSum_AndTermsMerge()
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
        Assert.Equal([(x[0], 3.0)], (x[0] + x[1] + (2 * x[0]) - x[1]).MergedTerms());
    }

    // Maximise the value packed into 12 bins of capacity 1000 from 120 items of 200..500: a
    // bin-packing core that keeps every backend busy past half a second.
    private static MilpModel HardPacking(Random random)
    {
        const int items = 120;
        const int bins = 12;
        int[] sizes = [.. Enumerable.Range(0, items).Select(_ => random.Next(200, 500))];
        var model = new MilpModel();
        var x = new Variable[items, bins];
        var value = new LinearExprBuilder();
        for (int i = 0; i < items; i++)
        {
            var once = new LinearExprBuilder();
            for (int b = 0; b < bins; b++)
            {
                x[i, b] = model.NewBoolVariable();
                once.Add(x[i, b]);
                value.Add(x[i, b], sizes[i] + random.Next(0, 50));
            }

            model.Add(once.Build() <= 1);
        }

        for (int b = 0; b < bins; b++)
        {
            model.Add(LinearExpr.WeightedSum([.. Enumerable.Range(0, items).Select(i => x[i, b])], [.. sizes.Select(s => (double)s)]) <= 1000);
        }

        model.Maximize(value.Build());
        return model;
    }
}
