using System.Numerics;
using System.Numerics.Tensors;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Ops;

/// <summary>A binary element-wise operation over spans and scalars (TensorPrimitives underneath).</summary>
internal interface IBinaryOp<T>
{
    static abstract void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

    static abstract void Apply(ReadOnlySpan<T> x, T y, Span<T> destination);

    static abstract void Apply(T x, ReadOnlySpan<T> y, Span<T> destination);
}

internal readonly struct AddOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);

    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);

    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(y, x, destination);
}

internal readonly struct SubtractOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);
}

internal readonly struct MultiplyOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);

    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);

    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(y, x, destination);
}

/// <summary>The larger of two values; NaN when either is NaN.</summary>
internal readonly struct MaxOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Max(x, y, destination);

    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Max(x, y, destination);

    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Max(y, x, destination);
}

internal readonly struct DivideOp<T> : IBinaryOp<T>
    where T : INumber<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);
}

/// <summary>
/// Integer x / y truncated toward zero (C# and C integer division, as ONNX Div defines it). A zero divisor and, for a
/// signed type, its minimum / −1 have no quotient: they throw <see cref="ArithmeticException"/>, checked here because
/// C# leaves the latter implementation-defined in unchecked code.
/// </summary>
internal readonly struct TruncatingDivideOp<T> : IBinaryOp<T>
    where T : IBinaryInteger<T>, IMinMaxValue<T>
{
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Divide(x[i], y[i]);
        }
    }

    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Divide(x[i], y);
        }
    }

    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Divide(x, y[i]);
        }
    }

    private static T Divide(T x, T y) =>
        T.IsZero(y) || (T.IsNegative(T.MinValue) && x == T.MinValue && y == -T.One) ? throw new ArithmeticException(CpuOps.IntegerDivisionFault) : x / y;
}

/// <summary>
/// How two inputs broadcast to an output, with adjacent dimensions of the same pattern merged so that
/// the innermost run is as long as possible: the kernel then makes one span call per outer index.
/// </summary>
internal sealed class BroadcastPlan
{
    private BroadcastPlan(int[] outer, int[] aStrides, int[] bStrides, int inner, bool aVaries, bool bVaries, int total)
    {
        Outer = outer;
        AStrides = aStrides;
        BStrides = bStrides;
        Inner = inner;
        AVaries = aVaries;
        BVaries = bVaries;
        Total = total;
    }

    public int[] Outer { get; }

    public int[] AStrides { get; }

    public int[] BStrides { get; }

    public int Inner { get; }

    public bool AVaries { get; }

    public bool BVaries { get; }

    public int Total { get; }

    public static BroadcastPlan Create(TensorShape a, TensorShape b, TensorShape y)
    {
        int rank = y.Rank;
        var dims = new List<(long Size, bool A, bool B)>();
        for (int i = 0; i < rank; i++)
        {
            long size = y[i];
            if (size == 1)
            {
                continue;
            }

            bool pa = i >= rank - a.Rank && a[i - (rank - a.Rank)] == size;
            bool pb = i >= rank - b.Rank && b[i - (rank - b.Rank)] == size;
            if (dims.Count > 0 && dims[^1].A == pa && dims[^1].B == pb)
            {
                dims[^1] = (dims[^1].Size * size, pa, pb);
            }
            else
            {
                dims.Add((size, pa, pb));
            }
        }

        int total = checked((int)y.ElementCount);
        if (dims.Count == 0 || total == 0)
        {
            return new BroadcastPlan([], [], [], total == 0 ? 0 : 1, false, false, total);
        }

        (long innerSize, bool innerA, bool innerB) = dims[^1];
        int outerRank = dims.Count - 1;
        var outer = new int[outerRank];
        var aStrides = new int[outerRank];
        var bStrides = new int[outerRank];
        long sa = innerA ? innerSize : 1, sb = innerB ? innerSize : 1;
        for (int i = outerRank - 1; i >= 0; i--)
        {
            outer[i] = (int)dims[i].Size;
            aStrides[i] = dims[i].A ? (int)sa : 0;
            bStrides[i] = dims[i].B ? (int)sb : 0;
            sa *= dims[i].A ? dims[i].Size : 1;
            sb *= dims[i].B ? dims[i].Size : 1;
        }

        return new BroadcastPlan(outer, aStrides, bStrides, (int)innerSize, innerA, innerB, total);
    }

    /// <summary>
    /// The output's runs of <see cref="Inner"/> elements in order, each with where it starts in y, a and b;
    /// <paramref name="index"/> (one int per <see cref="Outer"/> dimension, zeroed) is the walk's odometer.
    /// </summary>
    public RunWalk Runs(Span<int> index) => new(this, index);

    /// <summary>The walk of <see cref="Runs"/>, for <c>foreach</c>.</summary>
    public ref struct RunWalk
    {
        private readonly BroadcastPlan _plan;
        private readonly Span<int> _index;
        private int _y;
        private int _a;
        private int _b;
        private bool _started;

        internal RunWalk(BroadcastPlan plan, Span<int> index)
        {
            _plan = plan;
            _index = index;
        }

        /// <summary>Where the current run starts in y, a and b.</summary>
        public readonly (int Y, int A, int B) Current => (_y, _a, _b);

        /// <summary>This walk.</summary>
        public readonly RunWalk GetEnumerator() => this;

        /// <summary>Steps to the next run: the odometer's last dimension moves, carrying into those before it.</summary>
        public bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                return _plan.Total > 0;
            }

            for (int d = _index.Length - 1; d >= 0; d--)
            {
                _a += _plan.AStrides[d];
                _b += _plan.BStrides[d];
                if (++_index[d] < _plan.Outer[d])
                {
                    break;
                }

                _a -= _plan.AStrides[d] * _plan.Outer[d];
                _b -= _plan.BStrides[d] * _plan.Outer[d];
                _index[d] = 0;
            }

            _y += _plan.Inner;
            return _y < _plan.Total;
        }
    }
}

internal static partial class CpuOps
{
    /// <summary>
    /// Why an integer Div fails, after the node's name: the CPU executor's error and the CUDA executor's fault say the same.
    /// </summary>
    public const string IntegerDivisionFault = "integer division by zero, or of the type's minimum (−2⁶³ for int64) by −1";

    /// <summary>
    /// Integer y = a / b with multidirectional broadcasting, truncated toward zero (<see cref="TruncatingDivideOp{T}"/>).
    /// </summary>
    /// <exception cref="GraphException">
    /// A divisor is 0, or a signed type's minimum is divided by −1; the message starts with <paramref name="what"/>.
    /// </exception>
    public static void DivideIntegers<T>(BroadcastPlan plan, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, string what)
        where T : IBinaryInteger<T>, IMinMaxValue<T>
    {
        try
        {
            Binary<T, TruncatingDivideOp<T>>(plan, a, b, y);
        }
        catch (ArithmeticException e)
        {
            throw new GraphException($"{what}: {IntegerDivisionFault}", e);
        }
    }

    /// <summary>y = a ∘ b with multidirectional broadcasting, one span operation per inner run.</summary>
    public static void Binary<T, TOp>(BroadcastPlan plan, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where TOp : IBinaryOp<T>
    {
        int inner = plan.Inner;
        foreach ((int yi, int ai, int bi) in plan.Runs(stackalloc int[plan.Outer.Length]))
        {
            BinaryPart<T, TOp>(plan, a, b, y, (yi, ai, bi), 0, inner);
        }
    }

    /// <summary>Elements [start, start + length) of the run that starts at <paramref name="run"/> (offsets in y, a and b).</summary>
    internal static void BinaryPart<T, TOp>(BroadcastPlan plan, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, (int Y, int A, int B) run, int start, int length)
        where TOp : IBinaryOp<T>
    {
        Span<T> destination = y.Slice(run.Y + start, length);
        if (plan.AVaries && plan.BVaries)
        {
            TOp.Apply(a.Slice(run.A + start, length), b.Slice(run.B + start, length), destination);
        }
        else if (plan.AVaries)
        {
            TOp.Apply(a.Slice(run.A + start, length), b[run.B], destination);
        }
        else if (plan.BVaries)
        {
            TOp.Apply(a[run.A], b.Slice(run.B + start, length), destination);
        }
        else
        {
            TOp.Apply(a.Slice(run.A, 1), b[run.B], destination[..1]);
            destination.Fill(destination[0]);
        }
    }

    /// <summary>Floats an Add with a fused activation sums and activates at a time: 16 KiB, in L1 between the two.</summary>
    internal const int AddActivatedPiece = 4096;

    /// <summary>
    /// y = act(a + b) for an Add with a fused activation (<see cref="GraphRewrites.FuseActivationsIntoAdd"/>): each
    /// run of the broadcast is summed and activated in pieces that stay in L1, one pass over y instead of two.
    /// A single long run (a residual sum: both inputs the output's shape) splits its pieces over threads.
    /// </summary>
    public static unsafe void AddActivated(BroadcastPlan plan, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, FusedActivation activation, int threads = 1)
    {
        int inner = plan.Inner;
        if (threads > 1 && plan.Outer.Length == 0 && inner >= 1 << 16)
        {
            fixed (float* pa = a, pb = b, py = y)
            {
                AddActivatedJob job = AddActivatedJob.ForCurrentThread;
                job.Set(plan, pa, pb, py, activation);
                CpuParallel.For(job, (inner + AddActivatedPiece - 1) / AddActivatedPiece, threads);
            }

            return;
        }

        foreach ((int yi, int ai, int bi) in plan.Runs(stackalloc int[plan.Outer.Length]))
        {
            for (int start = 0; start < inner; start += AddActivatedPiece)
            {
                AddActivatedPart(plan, a, b, y, (yi, ai, bi), start, Math.Min(AddActivatedPiece, inner - start), activation);
            }
        }
    }

    /// <summary>Elements [start, start + length) of a run of <see cref="AddActivated"/>: their sum, then the activation.</summary>
    internal static void AddActivatedPart(
        BroadcastPlan plan, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, (int Y, int A, int B) run, int start, int length, FusedActivation activation)
    {
        BinaryPart<float, AddOp<float>>(plan, a, b, y, run, start, length);
        activation.Apply(y.Slice(run.Y + start, length), 0f);
    }

    /// <summary>Applies a fused activation in place (the Conv/Gemm epilogue, and the standalone ops).</summary>
    public static void Activate(Span<float> x, FusedActivation activation) => Activate(x, x, activation);

    /// <summary>y = act(x) element-wise, with ONNX's definitions (the epilogue's own code, on a copy of x).</summary>
    public static void Activate(ReadOnlySpan<float> x, Span<float> y, FusedActivation activation)
    {
        x.CopyTo(y);
        activation.Apply(y, 0f);
    }

    /// <summary>y = erf(x) (error below 2·10⁻⁷ absolute; see <see cref="Erf(double)"/>).</summary>
    public static void Erf(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)Erf(x[i]);
        }
    }

    /// <summary>
    /// The error function: the Maclaurin series for |x| &lt; 0.5 (converged to double precision in 12
    /// terms), Abramowitz and Stegun 7.1.26 (|error| ≤ 1.5·10⁻⁷) above.
    /// </summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            // erf x = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 12; n++)
            {
                term *= -x2 / n;
                sum += term / ((2 * n) + 1);
            }

            return sum * 1.1283791670955126;
        }

        double t = 1.0 / (1.0 + (0.3275911 * ax));
        double poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        double result = 1.0 - (poly * Math.Exp(-ax * ax));
        return x < 0 ? -result : result;
    }
}

/// <summary>The pieces of one long run of <see cref="CpuOps.AddActivated"/> over threads; cached per calling thread so a call allocates nothing.</summary>
internal sealed unsafe class AddActivatedJob : ParallelWork
{
    [ThreadStatic]
    private static AddActivatedJob? t_cached;

    private BroadcastPlan? _plan;
    private float* _a;
    private float* _b;
    private float* _y;
    private FusedActivation _activation;

    public static AddActivatedJob ForCurrentThread => t_cached ??= new AddActivatedJob();

    public void Set(BroadcastPlan plan, float* a, float* b, float* y, FusedActivation activation)
    {
        (_plan, _activation) = (plan, activation);
        _a = a;
        _b = b;
        _y = y;
    }

    public override void Execute(int index)
    {
        BroadcastPlan plan = _plan!;
        int start = index * CpuOps.AddActivatedPiece, length = Math.Min(CpuOps.AddActivatedPiece, plan.Inner - start);
        CpuOps.AddActivatedPart(
            plan,
            new ReadOnlySpan<float>(_a, plan.AVaries ? plan.Inner : 1),
            new ReadOnlySpan<float>(_b, plan.BVaries ? plan.Inner : 1),
            new Span<float>(_y, plan.Inner),
            (0, 0, 0),
            start,
            length,
            _activation);
    }
}
