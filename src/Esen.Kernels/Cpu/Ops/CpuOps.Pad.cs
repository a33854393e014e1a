using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>
    /// Pad: y[o] = x[source(o)] where every axis maps its output position through <see cref="PadGeometry.Source"/>, and
    /// <paramref name="value"/> where some axis maps outside the input (constant mode).
    /// </summary>
    /// <param name="sources">Per axis, the input position each output position reads, or −1.</param>
    public static void Pad<T>(ReadOnlySpan<T> x, Span<T> y, int[] inDims, int[][] sources, T value)
    {
        if (y.IsEmpty)
        {
            return;
        }

        int rank = inDims.Length;
        if (rank == 0)
        {
            y[0] = x[0];
            return;
        }

        int[] strides = new int[rank];
        for (int i = rank - 1, s = 1; i >= 0; s *= inDims[i], i--)
        {
            strides[i] = s;
        }

        int[] inner = sources[rank - 1];
        Span<int> index = stackalloc int[rank];
        for (int o = 0; o < y.Length; o += inner.Length)
        {
            // The row's start in x, or −1 where an outer axis falls in the constant padding.
            int row = 0;
            for (int d = 0; d < rank - 1 && row >= 0; d++)
            {
                int source = sources[d][index[d]];
                row = source < 0 ? -1 : row + (source * strides[d]);
            }

            Span<T> target = y.Slice(o, inner.Length);
            for (int i = 0; i < inner.Length; i++)
            {
                target[i] = row < 0 || inner[i] < 0 ? value : x[row + inner[i]];
            }

            for (int d = rank - 2; d >= 0 && ++index[d] == sources[d].Length; d--)
            {
                index[d] = 0;
            }
        }
    }
}
