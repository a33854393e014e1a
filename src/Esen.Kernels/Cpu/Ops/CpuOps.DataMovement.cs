using System.Numerics;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>Row-major strides of a shape.</summary>
    public static int[] Strides(TensorShape shape)
    {
        var strides = new int[shape.Rank];
        long s = 1;
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            strides[i] = (int)s;
            s *= shape[i];
        }

        return strides;
    }

    /// <summary>
    /// Generic strided gather: y (row-major, dims <paramref name="outDims"/>) takes x[start + Σ index·stride].
    /// Transpose and Slice are both this walk with different strides.
    /// </summary>
    public static void StridedCopy<T>(ReadOnlySpan<T> x, Span<T> y, int[] outDims, int[] inStrides, int start)
    {
        if (y.IsEmpty)
        {
            return;
        }

        int rank = outDims.Length;
        if (rank == 0)
        {
            y[0] = x[start];
            return;
        }

        int inner = outDims[rank - 1], innerStride = inStrides[rank - 1];
        Span<int> index = stackalloc int[rank];
        int source = start;
        for (int o = 0; o < y.Length; o += inner)
        {
            if (innerStride == 1)
            {
                x.Slice(source, inner).CopyTo(y.Slice(o, inner));
            }
            else
            {
                for (int i = 0, s = source; i < inner; i++, s += innerStride)
                {
                    y[o + i] = x[s];
                }
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                source += inStrides[d];
                if (++index[d] < outDims[d])
                {
                    break;
                }

                source -= inStrides[d] * outDims[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Concatenation along an axis: each input contributes a block per outer index.</summary>
    public static void Concat<T>(ReadOnlySpan<T> input, Span<T> y, int outer, int block, int outputBlock, int offset)
    {
        for (int o = 0; o < outer; o++)
        {
            input.Slice(o * block, block).CopyTo(y.Slice((o * outputBlock) + offset, block));
        }
    }

    /// <summary>
    /// Gather along an axis of a [outer, axis, inner] view. Negative indices count from the end.
    /// </summary>
    /// <exception cref="GraphException">An index is out of range (the message starts with <paramref name="what"/>).</exception>
    public static void Gather<T, TIndex>(ReadOnlySpan<T> x, ReadOnlySpan<TIndex> indices, Span<T> y, int outer, int axis, int inner, string what)
        where TIndex : IBinaryInteger<TIndex>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < indices.Length; j++)
            {
                long index = long.CreateTruncating(indices[j]);
                index = index < 0 ? index + axis : index;
                if (index < 0 || index >= axis)
                {
                    throw new GraphException($"{what}: index {indices[j]} is out of range for a dimension of {axis}");
                }

                x.Slice((((o * axis) + (int)index) * inner), inner).CopyTo(y.Slice(((o * indices.Length) + j) * inner, inner));
            }
        }
    }
}
