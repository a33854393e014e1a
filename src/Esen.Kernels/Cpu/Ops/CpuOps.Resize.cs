using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>
    /// Nearest-mode Resize: y at output coordinates (o_0 … o_r−1) is x at Σ <paramref name="sourceOffsets"/>[d][o_d], each
    /// axis' table holding the element offset (input coordinate × input stride) that output coordinate reads.
    /// </summary>
    public static void ResizeNearest(ReadOnlySpan<float> x, Span<float> y, int[] outputDims, int[][] sourceOffsets)
    {
        int rank = outputDims.Length;
        Span<int> coordinate = stackalloc int[rank];
        int offset = sourceOffsets.Sum(table => table[0]);
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = x[offset];

            // The next output coordinate, last axis fastest, and its source offset.
            for (int d = rank - 1; d >= 0; d--)
            {
                offset -= sourceOffsets[d][coordinate[d]];
                coordinate[d] = coordinate[d] + 1 < outputDims[d] ? coordinate[d] + 1 : 0;
                offset += sourceOffsets[d][coordinate[d]];
                if (coordinate[d] != 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Bilinear Resize of <paramref name="planes"/> planes (the leading axes keep their coordinates): along each of the
    /// two axes, <c>v = x[Low]·(1 − Weight) + x[High]·Weight</c> (<see cref="ResizeGeometry.Interpolation"/>), the rows'
    /// interpolation first, as esen_resize computes it.
    /// </summary>
    public static void ResizeLinear(
        ReadOnlySpan<float> x, Span<float> y, int planes, int inHeight, int inWidth,
        (int Low, int High, float Weight)[] rows, (int Low, int High, float Weight)[] columns)
    {
        int at = 0;
        for (int plane = 0; plane < planes; plane++)
        {
            ReadOnlySpan<float> p = x.Slice(plane * inHeight * inWidth, inHeight * inWidth);
            foreach ((int h0, int h1, float wh) in rows)
            {
                foreach ((int w0, int w1, float ww) in columns)
                {
                    float top = (p[(h0 * inWidth) + w0] * (1f - ww)) + (p[(h0 * inWidth) + w1] * ww);
                    float bottom = (p[(h1 * inWidth) + w0] * (1f - ww)) + (p[(h1 * inWidth) + w1] * ww);
                    y[at++] = (top * (1f - wh)) + (bottom * wh);
                }
            }
        }
    }
}
