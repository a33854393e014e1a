using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The zero-padded copy of an image group's input rows that the direct convolution kernels read
/// (<see cref="DirectConvolutionJob"/>, <see cref="ChannelVectorConvolutionJob"/>), one buffer per thread, and
/// the offset of every tap into it: an output then reads each tap at a fixed distance from its window, with no
/// bounds check. Rows may be stored as column phases (with 2, the even columns of a padded row, then its odd
/// ones), so that outputs at a horizontal stride of 2 read each tap from contiguous floats.
/// </summary>
internal static unsafe class PaddedImage
{
    private const int Lanes = MaskedRow.Lanes;

    [ThreadStatic]
    private static float[]? t_buffer;

    [ThreadStatic]
    private static int[]? t_taps;

    /// <summary>The calling thread's pinned buffer, at least <paramref name="length"/> floats.</summary>
    public static float[] Buffer(int length)
    {
        if (t_buffer is null || t_buffer.Length < length)
        {
            t_buffer = GC.AllocateUninitializedArray<float>(length, pinned: true);
        }

        return t_buffer;
    }

    /// <summary>
    /// The calling thread's table of tap offsets, (channel, ky, kx) in weight order, into a copy of
    /// <paramref name="rows"/> rows per channel stored as <paramref name="phases"/> phases of
    /// <paramref name="phaseWidth"/> floats.
    /// </summary>
    public static int[] Taps(in Conv2DShape s, int phases, int rows, int phaseWidth)
    {
        int depth = s.InChannelsPerGroup * s.KernelHeight * s.KernelWidth, phasePlane = rows * phaseWidth, plane = phases * phasePlane;
        if (t_taps is null || t_taps.Length < depth)
        {
            t_taps = new int[depth];
        }

        int[] taps = t_taps;
        for (int c = 0, k = 0; c < s.InChannelsPerGroup; c++)
        {
            for (int ky = 0; ky < s.KernelHeight; ky++)
            {
                for (int kx = 0; kx < s.KernelWidth; kx++, k++)
                {
                    int column = kx * s.DilationW;
                    taps[k] = (c * plane) + (column % phases * phasePlane) + (ky * s.DilationH * phaseWidth) + (column / phases);
                }
            }
        }

        return taps;
    }

    /// <summary>
    /// Copies input rows [firstRow − PadTop, …) of each channel into <paramref name="padded"/>, zeros around them:
    /// per channel, one plane of rows per column phase (padded column x goes to phase x mod phases, position
    /// x / phases), then zeros up to <paramref name="length"/>.
    /// </summary>
    public static void Copy(in Conv2DShape s, int phases, float* image, int channels, int firstRow, int rows, int phaseWidth, float* padded, int length)
    {
        int width = s.InWidth, phasePlane = rows * phaseWidth;

        // Only the padding is cleared (the whole buffer is an image's size: clearing it cost conv1 as much as the copy),
        // and the slack after the last plane, which outputs that are never stored read.
        long planes = (long)channels * phases * phasePlane;
        new Span<float>(padded + planes, (int)(length - planes)).Clear();
        for (int c = 0; c < channels; c++)
        {
            float* source = image + ((long)c * s.InHeight * width);
            float* destination = padded + ((long)c * phases * phasePlane);
            for (int r = 0; r < rows; r++)
            {
                float* target = destination + ((long)r * phaseWidth);
                int iy = firstRow + r - s.PadTop;
                if (unchecked((uint)iy >= (uint)s.InHeight))
                {
                    for (int phase = 0; phase < phases; phase++)
                    {
                        new Span<float>(target + ((long)phase * phasePlane), phaseWidth).Clear();
                    }

                    continue;
                }

                // Padded column x = PadLeft + i (input column i) goes to phase x mod stride at x / stride: each phase
                // row holds the input in one run [first, end), zeros around it.
                for (int phase = 0; phase < phases; phase++)
                {
                    int first = Math.Max(0, s.PadLeft - phase + phases - 1) / phases;
                    int end = Math.Min(phaseWidth, (s.PadLeft + width - phase + phases - 1) / phases);
                    float* phaseRow = target + ((long)phase * phasePlane);
                    new Span<float>(phaseRow, first).Clear();
                    new Span<float>(phaseRow + end, phaseWidth - end).Clear();
                }

                float* row = source + ((long)iy * width);
                if (phases == 1)
                {
                    new ReadOnlySpan<float>(row, width).CopyTo(new Span<float>(target + s.PadLeft, width));
                    continue;
                }

                int evenPhase = s.PadLeft % 2;
                Deinterleave(row, width, target + (evenPhase * phasePlane) + (s.PadLeft / 2), target + ((1 - evenPhase) * phasePlane) + ((s.PadLeft + 1) / 2));
            }
        }
    }

    /// <summary>row[0], row[2], … to <paramref name="even"/> and row[1], row[3], … to <paramref name="odd"/>, 32 columns per step.</summary>
    private static void Deinterleave(float* row, int width, float* even, float* odd)
    {
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<int> evenLanes = Vector512<int>.Indices * 2, oddLanes = evenLanes + Vector512<int>.One;
        for (int i = 0; i < width; i += 2 * Lanes)
        {
            int left = width - i;
            Vector512<float> low = Avx512F.MaskLoad(row + i, MaskedRow.FirstLanes(left), zero);
            Vector512<float> high = Avx512F.MaskLoad(row + i + Lanes, MaskedRow.FirstLanes(left - Lanes), zero);
            Avx512F.MaskStore(even + (i / 2), MaskedRow.FirstLanes((left + 1) / 2), Avx512F.PermuteVar16x32x2(low, evenLanes, high));
            Avx512F.MaskStore(odd + (i / 2), MaskedRow.FirstLanes(left / 2), Avx512F.PermuteVar16x32x2(low, oddLanes, high));
        }
    }

}
