using System.Numerics;
using System.Numerics.Tensors;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>y = √x (IEEE, correctly rounded; NaN below 0).</summary>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sqrt(x, y);

    /// <summary>y = −x.</summary>
    public static void Neg(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Negate(x, y);

    /// <summary>y = ln x (−∞ at 0, NaN below 0).</summary>
    public static void Log(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Log(x, y);

    /// <summary>
    /// y = x^e with multidirectional broadcasting, computed in double (<see cref="Math.Pow"/>) and converted to the base's
    /// type: rounded to nearest for floating point, truncated toward zero and saturated for integers (ONNX Pow's result
    /// has the base's type, whatever the exponent's).
    /// </summary>
    public static void Pow<T, TExponent>(BroadcastPlan plan, ReadOnlySpan<T> x, ReadOnlySpan<TExponent> e, Span<T> y)
        where T : INumber<T>
        where TExponent : INumber<TExponent>
    {
        int inner = plan.Inner;
        int xStep = plan.AVaries ? 1 : 0, eStep = plan.BVaries ? 1 : 0;
        foreach ((int yi, int xi, int ei) in plan.Runs(stackalloc int[plan.Outer.Length]))
        {
            for (int j = 0; j < inner; j++)
            {
                double power = Math.Pow(double.CreateTruncating(x[xi + (j * xStep)]), double.CreateTruncating(e[ei + (j * eStep)]));
                y[yi + j] = T.CreateSaturating(power);
            }
        }
    }
}
