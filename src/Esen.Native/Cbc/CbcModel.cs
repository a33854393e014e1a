using System.Globalization;
using System.Runtime.InteropServices;
using Esen.Native.Errors;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cbc;

/// <summary>How a CBC solve ended.</summary>
public enum CbcStatus
{
    /// <summary>Proven optimal.</summary>
    Optimal,

    /// <summary>Stopped on a limit with an incumbent solution.</summary>
    Feasible,

    /// <summary>Proven infeasible.</summary>
    Infeasible,

    /// <summary>The continuous relaxation is unbounded.</summary>
    Unbounded,

    /// <summary>Stopped on a limit before any solution was found.</summary>
    NoSolutionFound,

    /// <summary>Abandoned (numerical trouble) or an unexpected status.</summary>
    Abandoned,
}

/// <summary>What a solve produced, copied out of the native model.</summary>
/// <param name="Status">How the solve ended.</param>
/// <param name="Objective">The incumbent's objective (meaningful for Optimal and Feasible).</param>
/// <param name="BestBound">The best proven bound, in the model's own sense.</param>
/// <param name="Values">Column values of the incumbent; empty when there is none.</param>
/// <param name="NodeCount">Branch-and-bound nodes explored.</param>
/// <param name="TimeLimitReached">True when the time limit stopped the solve.</param>
public sealed record CbcSolveResult(CbcStatus Status, double Objective, double BestBound, double[] Values, int NodeCount, bool TimeLimitReached);

/// <summary>
/// One CBC model, used once: <see cref="Load"/> the whole problem (one <c>Cbc_loadProblem</c> in
/// compressed sparse column form), set parameters, <see cref="Solve"/>. The state machine makes the
/// two traps of CBC 2.10.8 impossible to hit from C#: solution and status queries, which
/// <c>abort()</c> the process before a solve, are only made inside <see cref="Solve"/> after
/// <c>Cbc_solve</c> returned, and their results are copied before the model can be deleted; and
/// every <c>Cbc_solve</c> in the process runs under one lock, because CbcMain's option parser keeps
/// its cursor in a process global (coin-or/Cbc#332).
/// </summary>
public sealed class CbcModel : IDisposable
{
    private static readonly Lock s_solveLock = new();

    private readonly SafeCbcModelHandle _handle;
    private State _state = State.Empty;
    private int _columnCount;
    private bool _hasIntegers;

    private enum State
    {
        Empty,
        Loaded,
        Solved,
    }

    /// <summary>Creates an empty model; throws <see cref="NativeLibraryNotFoundException"/> without CBC.</summary>
    public CbcModel()
    {
        _handle = Interop.Interop.Cbc.Cbc_newModel();
        if (_handle.IsInvalid)
        {
            _handle.Dispose();
            throw new EsenNativeException("COIN-OR CBC", 0, "Cbc_newModel returned NULL");
        }

        // Both are needed: the log level silences the pure-LP path, the parameter the MIP path.
        Interop.Interop.Cbc.Cbc_setLogLevel(_handle, 0);
        Interop.Interop.Cbc.Cbc_setParameter(_handle, "log", "0");
    }

    /// <summary>True when CBC loaded in this process (from the one native probe).</summary>
    public static bool IsAvailable => NativeRuntime.Probe().HasCbc;

    /// <summary>
    /// Loads the whole problem: minimise (or maximise) objective·x subject to
    /// rowLower ≤ A·x ≤ rowUpper and columnLower ≤ x ≤ columnUpper, with A in compressed sparse
    /// column form (<paramref name="columnStarts"/> has one entry per column plus the end). Infinite
    /// bounds may be given as ±∞. Call once, before <see cref="Solve"/>.
    /// </summary>
    public void Load(
        ReadOnlySpan<int> columnStarts,
        ReadOnlySpan<int> rowIndices,
        ReadOnlySpan<double> coefficients,
        ReadOnlySpan<double> columnLower,
        ReadOnlySpan<double> columnUpper,
        ReadOnlySpan<double> objective,
        ReadOnlySpan<double> rowLower,
        ReadOnlySpan<double> rowUpper,
        ReadOnlySpan<int> integerColumns,
        bool maximize = false)
    {
        Require(State.Empty, nameof(Load));
        int columns = objective.Length;
        int rows = rowLower.Length;
        // CBC trusts its arrays; a bad index would corrupt memory, so check everything here.
        if (columnStarts.Length != columns + 1 || columnLower.Length != columns || columnUpper.Length != columns || rowUpper.Length != rows)
        {
            throw new ArgumentException($"inconsistent lengths: {columns} columns, {columnStarts.Length} column starts, {columnLower.Length}/{columnUpper.Length} column bounds, {rowLower.Length}/{rowUpper.Length} row bounds");
        }

        if (columnStarts[0] != 0 || columnStarts[columns] != rowIndices.Length || coefficients.Length != rowIndices.Length)
        {
            throw new ArgumentException($"column starts must run from 0 to the {rowIndices.Length} entries, got {columnStarts[0]}..{columnStarts[columns]} with {coefficients.Length} coefficients");
        }

        for (int c = 0; c < columns; c++)
        {
            if (columnStarts[c + 1] < columnStarts[c])
            {
                throw new ArgumentException($"column starts decrease at column {c}", nameof(columnStarts));
            }
        }

        foreach (int row in rowIndices)
        {
            if (unchecked((uint)row >= (uint)rows))
            {
                throw new ArgumentOutOfRangeException(nameof(rowIndices), row, $"row index outside 0..{rows - 1}");
            }
        }

        foreach (int column in integerColumns)
        {
            if (unchecked((uint)column >= (uint)columns))
            {
                throw new ArgumentOutOfRangeException(nameof(integerColumns), column, $"column index outside 0..{columns - 1}");
            }
        }

        Interop.Interop.Cbc.Cbc_loadProblem(
            _handle, columns, rows, columnStarts, rowIndices, coefficients,
            Finite(columnLower), Finite(columnUpper), objective, Finite(rowLower), Finite(rowUpper));
        foreach (int column in integerColumns)
        {
            Interop.Interop.Cbc.Cbc_setInteger(_handle, column);
        }

        Interop.Interop.Cbc.Cbc_setObjSense(_handle, maximize ? -1.0 : 1.0);
        _columnCount = columns;
        _hasIntegers = !integerColumns.IsEmpty;
        _state = State.Loaded;
    }

    /// <summary>Stops the search after <paramref name="seconds"/> of wall-clock time (MIPs only; the pure-LP path ignores it).</summary>
    public void SetTimeLimit(double seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        // CBC counts CPU seconds by default, which on a loaded machine lets a solve run far past the
        // wall-clock limit a user asked for.
        SetParameter("timeMode", "elapsed");
        SetParameter("sec", seconds.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Threads of CBC's own parallel branch and bound inside one solve.</summary>
    public void SetThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        SetParameter("threads", threads.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Stops once the relative gap between incumbent and bound is at most <paramref name="gap"/>.</summary>
    public void SetRelativeGap(double gap)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        SetParameter("ratioGap", gap.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Sets a CBC command-line parameter (<c>-name value</c>); a later call with the same name
    /// replaces the value. Only before <see cref="Solve"/>.
    /// </summary>
    public void SetParameter(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        RequireNotSolved(nameof(SetParameter));
        Interop.Interop.Cbc.Cbc_setParameter(_handle, name, value);
    }

    /// <summary>Gives CBC a starting solution (column index → value) after <see cref="Load"/>.</summary>
    public void SetMipStart(ReadOnlySpan<int> columns, ReadOnlySpan<double> values)
    {
        Require(State.Loaded, nameof(SetMipStart));
        if (columns.Length != values.Length)
        {
            throw new ArgumentException($"{columns.Length} columns but {values.Length} values", nameof(values));
        }

        foreach (int column in columns)
        {
            if (unchecked((uint)column >= (uint)_columnCount))
            {
                throw new ArgumentOutOfRangeException(nameof(columns), column, $"column index outside 0..{_columnCount - 1}");
            }
        }

        Interop.Interop.Cbc.Cbc_setMIPStartI(_handle, columns, values);
    }

    /// <summary>Solves once (serialised process-wide) and copies the outcome out of the native model.</summary>
    public CbcSolveResult Solve()
    {
        Require(State.Loaded, nameof(Solve));
        _state = State.Solved;
        lock (s_solveLock)
        {
            Interop.Interop.Cbc.Cbc_solve(_handle);
        }

        return ReadResult();
    }

    /// <summary>Deletes the native model.</summary>
    public void Dispose() => _handle.Dispose();

    private CbcSolveResult ReadResult()
    {
        var cbc = new CbcQueries(_handle);
        int nodes = _hasIntegers ? cbc.NodeCount : 0;
        bool timeLimit = _hasIntegers && cbc.SecondsLimitReached;
        if (cbc.ProvenInfeasible)
        {
            return new CbcSolveResult(CbcStatus.Infeasible, double.NaN, double.NaN, [], nodes, timeLimit);
        }

        if (cbc.ContinuousUnbounded)
        {
            return new CbcSolveResult(CbcStatus.Unbounded, double.NaN, double.NaN, [], nodes, timeLimit);
        }

        if (cbc.ProvenOptimal)
        {
            double objective = cbc.ObjectiveValue;
            double bound = _hasIntegers ? cbc.BestPossibleObjectiveValue : objective;
            return new CbcSolveResult(CbcStatus.Optimal, objective, bound, CopyColumns(cbc.ColumnSolution, _columnCount), nodes, timeLimit);
        }

        // Stopped early: an incumbent exists exactly when the model keeps a best solution.
        if (_hasIntegers && cbc.BestSolution != IntPtr.Zero)
        {
            return new CbcSolveResult(
                CbcStatus.Feasible, cbc.ObjectiveValue, cbc.BestPossibleObjectiveValue,
                CopyColumns(cbc.BestSolution, _columnCount), nodes, timeLimit);
        }

        bool stoppedOnLimit = !cbc.Abandoned && (timeLimit || cbc.Status == 1);
        CbcStatus status = stoppedOnLimit ? CbcStatus.NoSolutionFound : CbcStatus.Abandoned;
        return new CbcSolveResult(status, double.NaN, _hasIntegers ? cbc.BestPossibleObjectiveValue : double.NaN, [], nodes, timeLimit);
    }

    private void Require(State state, string operation)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_state != state)
        {
            throw new InvalidOperationException($"{operation} needs a model that is {state.ToString().ToLowerInvariant()}, but this one is {_state.ToString().ToLowerInvariant()}");
        }
    }

    private void RequireNotSolved(string operation)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_state == State.Solved)
        {
            throw new InvalidOperationException($"{operation} is not allowed after the model was solved");
        }
    }

    // Copied before the model can be deleted: the pointer is owned by the native model.
    private static double[] CopyColumns(IntPtr source, int count)
    {
        double[] values = new double[count];
        if (count > 0)
        {
            Marshal.Copy(source, values, 0, count);
        }

        return values;
    }

    // CBC's infinity is COIN_DBL_MAX; ±∞ from C# becomes ±double.MaxValue.
    private static double[] Finite(ReadOnlySpan<double> values)
    {
        double[] copy = values.ToArray();
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Math.Clamp(copy[i], double.MinValue, double.MaxValue);
        }

        return copy;
    }

    // The post-solve queries, reachable only from ReadResult.
    private readonly struct CbcQueries(SafeCbcModelHandle handle)
    {
        public bool ProvenInfeasible => Interop.Interop.Cbc.Cbc_isProvenInfeasible(handle) != 0;

        public bool ContinuousUnbounded => Interop.Interop.Cbc.Cbc_isContinuousUnbounded(handle) != 0;

        public bool ProvenOptimal => Interop.Interop.Cbc.Cbc_isProvenOptimal(handle) != 0;

        public bool Abandoned => Interop.Interop.Cbc.Cbc_isAbandoned(handle) != 0;

        public bool SecondsLimitReached => Interop.Interop.Cbc.Cbc_isSecondsLimitReached(handle) != 0;

        public int Status => Interop.Interop.Cbc.Cbc_status(handle);

        public int NodeCount => Interop.Interop.Cbc.Cbc_getNodeCount(handle);

        public double ObjectiveValue => Interop.Interop.Cbc.Cbc_getObjValue(handle);

        public double BestPossibleObjectiveValue => Interop.Interop.Cbc.Cbc_getBestPossibleObjValue(handle);

        public IntPtr ColumnSolution => Interop.Interop.Cbc.Cbc_getColSolution(handle);

        public IntPtr BestSolution => Interop.Interop.Cbc.Cbc_bestSolution(handle);
    }
}
