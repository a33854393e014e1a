using Esen.Native.Cbc;
using Esen.TestUtilities;

namespace Esen.Native.Tests;

/// <summary>Real CBC round trips through the managed wrapper; brute force is the oracle.</summary>
public class CbcModelTests
{
    [SkippableFact]
    public void Solve_SmallIntegerProgram_IsOptimalAndMatchesBruteForce()
    {
        Requires.Cbc();
        // max 5x + 4y + 3z  s.t.  2x + 3y + z <= 5,  4x + y + 2z <= 11,  3x + 4y + 2z <= 8,  x, y, z in 0..10 integer.
        Knapsack problem = new([5, 4, 3], [[2, 3, 1], [4, 1, 2], [3, 4, 2]], [5, 11, 8], UpperBound: 10);

        CbcSolveResult result = Solve(problem);

        Assert.Equal(CbcStatus.Optimal, result.Status);
        Assert.Equal(problem.BruteForceOptimum(), result.Objective, 6);
        Assert.Equal(13, result.Objective, 6);
        Assert.Equal([2.0, 0.0, 1.0], result.Values.Select(v => Math.Round(v)));
        Assert.Equal(result.Objective, result.BestBound, 6);
    }

    [SkippableFact]
    public void Solve_ContinuousProgram_TakesTheLpPath()
    {
        Requires.Cbc();
        // min x + y  s.t.  x + 2y >= 3,  3x + y >= 4 ; optimum x = 1, y = 1.
        using var model = new CbcModel();
        model.Load([0, 2, 4], [0, 1, 0, 1], [1, 3, 2, 1], [0, 0], [double.PositiveInfinity, double.PositiveInfinity], [1, 1],
            [3, 4], [double.PositiveInfinity, double.PositiveInfinity], integerColumns: []);

        CbcSolveResult result = model.Solve();

        Assert.Equal(CbcStatus.Optimal, result.Status);
        Assert.Equal(2, result.Objective, 6);
        Assert.Equal(1, result.Values[0], 6);
        Assert.Equal(1, result.Values[1], 6);
    }

    [SkippableFact]
    public void Solve_IntegerInfeasible_ReportsInfeasible()
    {
        Requires.Cbc();
        // 2x = 3 with x integer.
        using var model = new CbcModel();
        model.Load([0, 1], [0], [2], [0], [10], [1], [3], [3], integerColumns: [0]);

        CbcSolveResult result = model.Solve();

        Assert.Equal(CbcStatus.Infeasible, result.Status);
        Assert.Empty(result.Values);
    }

    [SkippableFact]
    public void Solve_HardProgramWithTimeLimit_StopsWithAValidIncumbentOrNone()
    {
        Requires.Cbc();
        Knapsack problem = Knapsack.Random(new Random(20261122), items: 400, rows: 30);
        using var model = problem.ToModel();
        model.SetTimeLimit(0.5);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        CbcSolveResult result = model.Solve();

        Assert.True(result.TimeLimitReached);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"a 0.5 s wall-clock limit took {clock.Elapsed}");
        Assert.True(result.Status is CbcStatus.Feasible or CbcStatus.NoSolutionFound, $"status {result.Status}");
        if (result.Status == CbcStatus.Feasible)
        {
            Assert.True(problem.IsFeasible(result.Values));
            Assert.Equal(problem.Value(result.Values), result.Objective, 6);
            Assert.True(result.BestBound >= result.Objective - 1e-6, $"bound {result.BestBound} below incumbent {result.Objective}");
        }
    }

    [SkippableFact]
    public void Solve_FromParallelThreads_GivesTheSequentialAnswers()
    {
        Requires.Cbc();
        var random = new Random(7);
        Knapsack[] problems = [.. Enumerable.Range(0, 24).Select(_ => Knapsack.Random(random, items: 12, rows: 3))];
        double[] sequential = [.. problems.Select((p, i) => SolveWithParameters(p, i).Objective)];

        double[] parallel = new double[problems.Length];
        Parallel.For(0, problems.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = SolveWithParameters(problems[i], i).Objective);

        Assert.Equal(sequential, parallel);
        Assert.Equal(problems.Select(p => p.BruteForceOptimum()), sequential.Select(v => Math.Round(v, 6)));
    }

    [SkippableFact]
    public void StateMachine_RejectsCallsOutOfOrder()
    {
        Requires.Cbc();
        using var model = new CbcModel();

        Assert.Throws<InvalidOperationException>(() => model.Solve());
        Assert.Throws<InvalidOperationException>(() => model.SetMipStart([0], [1]));

        model.Load([0, 1], [0], [1], [0], [1], [1], [0], [1], integerColumns: [0]);
        Assert.Throws<InvalidOperationException>(() => model.Load([0, 1], [0], [1], [0], [1], [1], [0], [1], integerColumns: [0]));
        Assert.Equal(CbcStatus.Optimal, model.Solve().Status);

        Assert.Throws<InvalidOperationException>(() => model.Solve());
        Assert.Throws<InvalidOperationException>(() => model.SetTimeLimit(1));
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Solve());
    }

    [SkippableFact]
    public void Load_BadIndices_AreRejectedBeforeReachingCbc()
    {
        Requires.Cbc();
        using var model = new CbcModel();

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Load([0, 1], [5], [1], [0], [1], [1], [0], [1], integerColumns: []));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Load([0, 1], [0], [1], [0], [1], [1], [0], [1], integerColumns: [3]));
        Assert.Throws<ArgumentException>(() => model.Load([0, 2], [0], [1], [0], [1], [1], [0], [1], integerColumns: []));
    }

    [SkippableFact]
    public void SetMipStart_WithTheOptimum_KeepsTheOptimum()
    {
        Requires.Cbc();
        Knapsack problem = Knapsack.Random(new Random(3), items: 12, rows: 3);
        using var model = problem.ToModel();
        double[] best = problem.BruteForceSolution();
        model.SetMipStart([.. Enumerable.Range(0, best.Length)], best);

        CbcSolveResult result = model.Solve();

        Assert.Equal(CbcStatus.Optimal, result.Status);
        Assert.Equal(problem.BruteForceOptimum(), result.Objective, 6);
    }

    private static CbcSolveResult Solve(Knapsack problem)
    {
        using CbcModel model = problem.ToModel();
        return model.Solve();
    }

    // Different parameter lists per solve are what broke CBC's unlocked option parser.
    private static CbcSolveResult SolveWithParameters(Knapsack problem, int index)
    {
        using CbcModel model = problem.ToModel();
        if (index % 3 == 1)
        {
            model.SetRelativeGap(0);
        }
        else if (index % 3 == 2)
        {
            model.SetThreads(1);
            model.SetTimeLimit(60);
        }

        return model.Solve();
    }

    /// <summary>max value·x subject to weights·x ≤ capacity per row, x integer in 0..UpperBound.</summary>
    private sealed record Knapsack(double[] Values, double[][] Weights, double[] Capacities, int UpperBound = 1)
    {
        public static Knapsack Random(Random random, int items, int rows) => new(
            [.. Enumerable.Range(0, items).Select(_ => (double)random.Next(10, 100))],
            [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, items).Select(_ => (double)random.Next(5, 60)).ToArray())],
            [.. Enumerable.Range(0, rows).Select(_ => (double)(items * 35 / 3))]);

        public CbcModel ToModel()
        {
            int n = Values.Length;
            var starts = new List<int> { 0 };
            var rows = new List<int>();
            var coefficients = new List<double>();
            for (int j = 0; j < n; j++)
            {
                for (int r = 0; r < Weights.Length; r++)
                {
                    rows.Add(r);
                    coefficients.Add(Weights[r][j]);
                }

                starts.Add(rows.Count);
            }

            var model = new CbcModel();
            model.Load([.. starts], [.. rows], [.. coefficients], new double[n], [.. Enumerable.Repeat((double)UpperBound, n)], Values,
                [.. Enumerable.Repeat(double.NegativeInfinity, Capacities.Length)], Capacities, [.. Enumerable.Range(0, n)], maximize: true);
            return model;
        }

        public double Value(double[] x) => Values.Select((v, j) => v * x[j]).Sum();

        public bool IsFeasible(double[] x) =>
            x.All(v => Math.Abs(v - Math.Round(v)) < 1e-6 && v >= -1e-6 && v <= UpperBound + 1e-6)
            && Weights.Select((w, r) => w.Select((a, j) => a * x[j]).Sum() <= Capacities[r] + 1e-6).All(ok => ok);

        public double BruteForceOptimum() => Value(BruteForceSolution());

        public double[] BruteForceSolution()
        {
            double[] best = new double[Values.Length];
            double bestValue = 0;
            double[] x = new double[Values.Length];
            Enumerate(0);
            return best;

            void Enumerate(int j)
            {
                if (j == x.Length)
                {
                    if (IsFeasible(x) && Value(x) > bestValue)
                    {
                        bestValue = Value(x);
                        x.CopyTo(best, 0);
                    }

                    return;
                }

                for (int v = 0; v <= UpperBound; v++)
                {
                    x[j] = v;
                    Enumerate(j + 1);
                }

                x[j] = 0;
            }
        }
    }
}
