using System.Diagnostics;
using Esen.Native.Cbc;

namespace Esen.Solver.Milp;

/// <summary>
/// The COIN-OR CBC backend: exports the model in compressed sparse column form for one
/// <c>Cbc_loadProblem</c>, passes hints as a MIP start, and maps CBC's outcome. Safe to call from
/// several threads (the native wrapper serialises <c>Cbc_solve</c>).
/// </summary>
public sealed class CbcMilpSolver : IMilpSolver
{
    /// <inheritdoc/>
    public string Name => "cbc";

    /// <inheritdoc/>
    public bool IsSupported => CbcModel.IsAvailable;

    /// <inheritdoc/>
    public MilpResult Solve(MilpModel model, MilpSolveOptions options)
    {
        var clock = Stopwatch.StartNew();
        int columns = model.Variables.Count;
        int rows = model.Constraints.Count;

        // Merge repeated terms per (row, column), then lay the matrix out column by column.
        var perColumn = new List<(int Row, double Coefficient)>[columns];
        for (int c = 0; c < columns; c++)
        {
            perColumn[c] = [];
        }

        double[] rowLower = new double[rows];
        double[] rowUpper = new double[rows];
        var merged = new Dictionary<int, double>();
        foreach (LinearConstraint constraint in model.Constraints)
        {
            merged.Clear();
            foreach ((Variable v, double coefficient) in constraint.Expression.Terms)
            {
                merged[v.Index] = merged.GetValueOrDefault(v.Index) + coefficient;
            }

            foreach ((int column, double coefficient) in merged)
            {
                if (coefficient != 0)
                {
                    perColumn[column].Add((constraint.Index, coefficient));
                }
            }

            rowLower[constraint.Index] = constraint.Lower - constraint.Expression.Constant;
            rowUpper[constraint.Index] = constraint.Upper - constraint.Expression.Constant;
        }

        int[] starts = new int[columns + 1];
        for (int c = 0; c < columns; c++)
        {
            starts[c + 1] = starts[c] + perColumn[c].Count;
        }

        int[] rowIndex = new int[starts[columns]];
        double[] values = new double[starts[columns]];
        for (int c = 0; c < columns; c++)
        {
            int k = starts[c];
            foreach ((int row, double coefficient) in perColumn[c].OrderBy(e => e.Row))
            {
                rowIndex[k] = row;
                values[k++] = coefficient;
            }
        }

        double[] objective = new double[columns];
        foreach ((Variable v, double coefficient) in model.Objective.Terms)
        {
            objective[v.Index] += coefficient;
        }

        using var cbc = new CbcModel();
        cbc.Load(
            starts, rowIndex, values,
            [.. model.Variables.Select(v => v.LowerBound)], [.. model.Variables.Select(v => v.UpperBound)], objective,
            rowLower, rowUpper,
            [.. model.Variables.Where(v => v.IsInteger).Select(v => v.Index)],
            model.IsMaximization);
        if (options.TimeLimit is TimeSpan limit)
        {
            cbc.SetTimeLimit(Math.Max(limit.TotalSeconds, 0.01));
        }

        cbc.SetThreads(Math.Max(options.Threads, 1));
        if (options.RelativeGap is double gap)
        {
            cbc.SetRelativeGap(gap);
        }

        if (model.Hints.Count > 0)
        {
            cbc.SetMipStart([.. model.Hints.Keys.Select(v => v.Index)], [.. model.Hints.Values]);
        }

        CbcSolveResult result = cbc.Solve();
        double constant = model.Objective.Constant;
        MilpStatus status = result.Status switch
        {
            CbcStatus.Optimal => MilpStatus.Optimal,
            CbcStatus.Feasible => MilpStatus.Feasible,
            CbcStatus.Infeasible => MilpStatus.Infeasible,
            CbcStatus.Unbounded => MilpStatus.Unbounded,
            CbcStatus.NoSolutionFound => MilpStatus.NoSolutionFound,
            _ => MilpStatus.Abandoned,
        };
        return new MilpResult(status, result.Objective + constant, result.BestBound + constant, result.Values, clock.Elapsed);
    }
}
