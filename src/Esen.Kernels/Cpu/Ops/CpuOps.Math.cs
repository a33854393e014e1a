using System.Numerics;
using System.Numerics.Tensors;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>y = √x (IEEE, correctly rounded; NaN below 0).</summary>
    public static void Sqrt(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sqrt(x, y);

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
        if (plan.Total == 0)
        {
            return;
        }

        int inner = plan.Inner, rank = plan.Outer.Length;
        int xStep = plan.AVaries ? 1 : 0, eStep = plan.BVaries ? 1 : 0;
        Span<int> index = stackalloc int[rank];
        int xi = 0, ei = 0;
        for (int yi = 0; yi < plan.Total; yi += inner)
        {
            for (int j = 0; j < inner; j++)
            {
                double power = Math.Pow(double.CreateTruncating(x[xi + (j * xStep)]), double.CreateTruncating(e[ei + (j * eStep)]));
                y[yi + j] = T.CreateSaturating(power);
            }

            for (int d = rank - 1; d >= 0; d--)
            {
                xi += plan.AStrides[d];
                ei += plan.BStrides[d];
                if (++index[d] < plan.Outer[d])
                {
                    break;
                }

                xi -= plan.AStrides[d] * plan.Outer[d];
                ei -= plan.BStrides[d] * plan.Outer[d];
                index[d] = 0;
            }
        }
    }
}
