using System.Numerics;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

/// <summary>A two-operand test of one element: a comparison, or a logical operator on bools.</summary>
internal interface IPredicate<T>
{
    static abstract bool Apply(T a, T b);
}

/// <summary>a == b; false when either is NaN.</summary>
internal readonly struct EqualOp<T> : IPredicate<T>
    where T : INumber<T>
{
    public static bool Apply(T a, T b) => a == b;
}

internal readonly struct GreaterOp<T> : IPredicate<T>
    where T : INumber<T>
{
    public static bool Apply(T a, T b) => a > b;
}

internal readonly struct GreaterOrEqualOp<T> : IPredicate<T>
    where T : INumber<T>
{
    public static bool Apply(T a, T b) => a >= b;
}

internal readonly struct LessOp<T> : IPredicate<T>
    where T : INumber<T>
{
    public static bool Apply(T a, T b) => a < b;
}

internal readonly struct LessOrEqualOp<T> : IPredicate<T>
    where T : INumber<T>
{
    public static bool Apply(T a, T b) => a <= b;
}

internal readonly struct BoolEqualOp : IPredicate<bool>
{
    public static bool Apply(bool a, bool b) => a == b;
}

internal readonly struct AndOp : IPredicate<bool>
{
    public static bool Apply(bool a, bool b) => a && b;
}

internal readonly struct OrOp : IPredicate<bool>
{
    public static bool Apply(bool a, bool b) => a || b;
}

internal static partial class CpuOps
{
    /// <summary>y = a ∘ b (a comparison, And or Or) with multidirectional broadcasting; IEEE comparisons, so NaN compares false.</summary>
    public static void Compare<T, TOp>(BroadcastPlan plan, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<bool> y)
        where TOp : IPredicate<T>
    {
        int inner = plan.Inner;
        int aStep = plan.AVaries ? 1 : 0, bStep = plan.BVaries ? 1 : 0;
        foreach ((int yi, int ai, int bi) in plan.Runs(stackalloc int[plan.Outer.Length]))
        {
            for (int j = 0; j < inner; j++)
            {
                y[yi + j] = TOp.Apply(a[ai + (j * aStep)], b[bi + (j * bStep)]);
            }
        }
    }

    /// <summary>y = ¬x.</summary>
    public static void Not(ReadOnlySpan<bool> x, Span<bool> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = !x[i];
        }
    }

    /// <summary>
    /// output = condition ? x : y, the three broadcast to <paramref name="dims"/> (each input's strides over the output's
    /// dimensions, 0 where it repeats).
    /// </summary>
    public static void Where<T>(
        ReadOnlySpan<bool> condition, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> output, int[] dims, int[] conditionStrides, int[] xStrides, int[] yStrides)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int rest = i, c = 0, xi = 0, yi = 0;
            for (int d = dims.Length - 1; d >= 0; d--)
            {
                int coordinate = rest % dims[d];
                rest /= dims[d];
                c += coordinate * conditionStrides[d];
                xi += coordinate * xStrides[d];
                yi += coordinate * yStrides[d];
            }

            output[i] = condition[c] ? x[xi] : y[yi];
        }
    }

    /// <summary>The strides (elements) at which <paramref name="input"/> is read along each dimension of the broadcast <paramref name="output"/>: 0 where it repeats.</summary>
    public static int[] BroadcastStrides(TensorShape input, TensorShape output)
    {
        int[] strides = Strides(input);
        int offset = output.Rank - input.Rank;
        return [.. Enumerable.Range(0, output.Rank).Select(d => d < offset || input[d - offset] == 1 ? 0 : strides[d - offset])];
    }
}
