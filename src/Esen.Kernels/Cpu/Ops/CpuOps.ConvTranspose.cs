using System.Buffers;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>
    /// ConvTranspose (<see cref="ConvTransposeGeometry"/>): per image and group the columns W_gᵀ·X_g by the GEMM, then
    /// col2im, y[m, p] = bias[m] + Σ col[m·taps + k, q] over the taps k and input positions q that the window places at
    /// output position p, the taps in row-major order (the order esen_col2im_3d sums them).
    /// </summary>
    public static void ConvTranspose(ConvTransposeGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, int threads)
    {
        int inPerGroup = g.InChannels / g.Groups, rows = g.ColumnRowsPerGroup, positions = g.Positions, outputs = g.OutputPositions;
        float[] col = ArrayPool<float>.Shared.Rent(checked(g.Groups * rows * positions));
        try
        {
            for (int n = 0; n < g.Batch; n++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    CpuKernels.Gemm(
                        true, false, rows, positions, inPerGroup, 1f, w.Slice(group * inPerGroup * rows, inPerGroup * rows), rows,
                        x.Slice(((n * g.InChannels) + (group * inPerGroup)) * positions, inPerGroup * positions), positions,
                        0f, col.AsSpan(group * rows * positions, rows * positions), positions, threads);
                }

                Col2Im(g, col, bias, y.Slice(n * g.OutChannels * outputs, g.OutChannels * outputs));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(col);
        }
    }

    private static void Col2Im(ConvTransposeGeometry geometry, ReadOnlySpan<float> col, ReadOnlySpan<float> bias, Span<float> image)
    {
        WindowGeometry g = geometry.Window.Padded(3);
        int[] size = g.Input, positions = g.Output, kernel = g.Kernel;
        int columns = geometry.Positions, taps = geometry.Taps, at = 0;

        // The input position a tap lands at output coordinate p of dimension d, or −1 where none does.
        int Source(int d, int p, int k)
        {
            int q = p + g.PadsBegin[d] - (k * g.Dilations[d]);
            return q >= 0 && q % g.Strides[d] == 0 && q / g.Strides[d] < positions[d] ? q / g.Strides[d] : -1;
        }

        for (int m = 0; m < geometry.OutChannels; m++)
        {
            for (int pd = 0; pd < size[0]; pd++)
            {
                for (int ph = 0; ph < size[1]; ph++)
                {
                    for (int pw = 0; pw < size[2]; pw++, at++)
                    {
                        float sum = 0f;
                        for (int kd = 0; kd < kernel[0]; kd++)
                        {
                            int qd = Source(0, pd, kd);
                            for (int kh = 0; qd >= 0 && kh < kernel[1]; kh++)
                            {
                                int qh = Source(1, ph, kh);
                                for (int kw = 0; qh >= 0 && kw < kernel[2]; kw++)
                                {
                                    int qw = Source(2, pw, kw);
                                    if (qw >= 0)
                                    {
                                        int row = (m * taps) + (((kd * kernel[1]) + kh) * kernel[2]) + kw;
                                        sum += col[(row * columns) + (((qd * positions[1]) + qh) * positions[2]) + qw];
                                    }
                                }
                            }
                        }

                        image[at] = sum + (bias.IsEmpty ? 0f : bias[m]);
                    }
                }
            }
        }
    }
}
