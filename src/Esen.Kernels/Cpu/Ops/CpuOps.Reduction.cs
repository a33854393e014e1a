using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>
    /// y[o] = the mean (<paramref name="mean"/>) or the maximum of the input elements output element o reduces
    /// (<see cref="ReductionGeometry"/>), taken in row-major order of the reduced coordinates. The mean sums in
    /// double and rounds once; the maximum propagates NaN, and an empty reduction gives −∞ (the mean, NaN).
    /// </summary>
    public static void Reduce(ReadOnlySpan<float> x, Span<float> y, ReductionGeometry g, bool mean)
    {
        int rank = g.KeptDims.Length;
        long count = g.ReducedCount;
        Span<int> kept = stackalloc int[rank];
        Span<int> reduced = stackalloc int[rank];
        for (int o = 0; o < y.Length; o++)
        {
            int rest = o, start = 0;
            for (int d = rank - 1; d >= 0; d--)
            {
                kept[d] = rest % g.KeptDims[d];
                rest /= g.KeptDims[d];
                start += kept[d] * g.KeptStrides[d];
            }

            reduced.Clear();
            double sum = 0;
            float max = float.NegativeInfinity;
            int offset = start;
            for (long r = 0; r < count; r++)
            {
                float v = x[offset];
                sum += v;
                max = v > max || float.IsNaN(v) ? v : max;

                // The next reduced coordinate, last dimension fastest.
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (++reduced[d] < g.ReducedDims[d])
                    {
                        offset += g.ReducedStrides[d];
                        break;
                    }

                    offset -= (g.ReducedDims[d] - 1) * g.ReducedStrides[d];
                    reduced[d] = 0;
                }
            }

            y[o] = mean ? (float)(sum / count) : max;
        }
    }
}
