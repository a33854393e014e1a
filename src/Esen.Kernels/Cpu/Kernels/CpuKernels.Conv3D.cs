using System.Buffers;
using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

public static partial class CpuKernels
{
    /// <summary>
    /// 3-D convolution, NCDHW input, OIDHW weights, optional per-output-channel bias, then the fused activation:
    /// y[n,o,z,y,x] = act(bias[o] + Σ_{c,kd,kh,kw} w[o,c,kd,kh,kw]·in[n, g·Cg + c, z·s − pad + kd·d, ...]).
    /// Out-of-range input positions read as zero. Runs as im2col then one GEMM per image and group,
    /// weights[og × cg·kd·kh·kw] times the column matrix [cg·kd·kh·kw × od·oh·ow] (Chellapilla et al. 2006).
    /// </summary>
    /// <param name="threads">Upper bound on worker threads for the GEMMs; 1 runs on the caller.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span is too short.</exception>
    public static void Conv3D(
        in Conv3DShape shape,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        Span<float> output, FusedActivation activation = default, int threads = 1)
    {
        shape.Validate();
        CheckLength(input, shape.InputLength, nameof(input));
        CheckLength(weights, shape.WeightLength, nameof(weights));
        CheckLength(output, shape.OutputLength, nameof(output));
        CheckBias(bias, shape.OutChannels);
        int patch = shape.PatchRowsPerGroup, positions = shape.Positions, outPerGroup = shape.OutChannelsPerGroup;
        int image = shape.InChannels * shape.InputVolume;
        float[] col = ArrayPool<float>.Shared.Rent(checked(shape.PatchRows * positions));
        try
        {
            for (int n = 0; n < shape.Batch; n++)
            {
                Im2Col3D(shape, input.Slice(n * image, image), col);
                for (int g = 0; g < shape.Groups; g++)
                {
                    Span<float> y = output.Slice(((n * shape.OutChannels) + (g * outPerGroup)) * positions, outPerGroup * positions);
                    Gemm(
                        false, false, outPerGroup, positions, patch, 1f, weights.Slice(g * outPerGroup * patch, outPerGroup * patch), patch,
                        col.AsSpan(g * patch * positions, patch * positions), positions, 0f, y, positions, threads);
                }

                for (int o = 0; o < shape.OutChannels; o++)
                {
                    activation.Apply(output.Slice(((n * shape.OutChannels) + o) * positions, positions), bias.IsEmpty ? 0f : bias[o]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(col);
        }
    }

    // col[((c·KD + kd)·KH + kh)·KW + kw][(od·OH + oh)·OW + ow] = x[c][id][ih][iw], with id = od·stride − pad_begin + kd·dilation
    // (likewise ih, iw), and 0 where the tap falls into the padding: the layout esen_im2col_3d writes on the GPU.
    private static void Im2Col3D(in Conv3DShape shape, ReadOnlySpan<float> image, Span<float> col)
    {
        WindowGeometry g = shape.Window;
        int[] input = g.Input, output = g.Output, kernel = g.Kernel;
        int positions = shape.Positions, plane = input[1] * input[2];
        int row = 0;
        for (int c = 0; c < shape.InChannels; c++)
        {
            ReadOnlySpan<float> channel = image.Slice(c * shape.InputVolume, shape.InputVolume);
            for (int kd = 0; kd < kernel[0]; kd++)
            {
                for (int kh = 0; kh < kernel[1]; kh++)
                {
                    for (int kw = 0; kw < kernel[2]; kw++, row++)
                    {
                        Span<float> destination = col.Slice(row * positions, positions);
                        int at = 0;
                        for (int od = 0; od < output[0]; od++)
                        {
                            int id = (od * g.Strides[0]) - g.PadsBegin[0] + (kd * g.Dilations[0]);
                            for (int oh = 0; oh < output[1]; oh++)
                            {
                                int ih = (oh * g.Strides[1]) - g.PadsBegin[1] + (kh * g.Dilations[1]);
                                bool rowInside = id >= 0 && id < input[0] && ih >= 0 && ih < input[1];
                                for (int ow = 0; ow < output[2]; ow++, at++)
                                {
                                    int iw = (ow * g.Strides[2]) - g.PadsBegin[2] + (kw * g.Dilations[2]);
                                    destination[at] = rowInside && iw >= 0 && iw < input[2] ? channel[(id * plane) + (ih * input[2]) + iw] : 0f;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
