using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cuda;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// The oracle for the host-run kernels: straightforward C# loops written from the operator
/// definitions (ONNX semantics, and the rules documented in kernels/*.cu), in double precision
/// where that is free, plus Esen's CPU kernels (<see cref="CpuKernels"/>) for activations and GEMM.
/// When the CPU executor's kernels cover more operators they can replace these loops.
/// </summary>
internal static class KernelOracle
{
    /// <summary>Uniform values in [low, high) from a seeded generator.</summary>
    public static float[] RandomValues(int seed, int count, float low = -3f, float high = 3f)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => low + ((high - low) * random.NextSingle()))];
    }

    /// <summary>|expected − actual| ≤ absolute + relative·|expected| for every element, or both NaN; names the first failure.</summary>
    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double absolute, double relative, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            if (double.IsNaN(expected[i]) && float.IsNaN(actual[i]))
            {
                continue;
            }

            double error = Math.Abs(expected[i] - actual[i]);
            Assert.True(
                error <= absolute + (relative * Math.Abs(expected[i])),
                $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E2})");
        }
    }

    /// <summary>erf in double precision, independent of the kernel's Abramowitz–Stegun 7.1.26 fit:
    /// the Maclaurin series for |x| ≤ 3, the continued fraction of erfc beyond (both A&amp;S 7.1.5, 7.1.14).</summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double magnitude;
        if (z <= 3)
        {
            double term = z;
            double sum = z;
            for (int n = 1; n < 200; n++)
            {
                term *= -z * z / n;
                double add = term / ((2 * n) + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            magnitude = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc z = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), evaluated from the tail.
            double fraction = z;
            for (int k = 80; k >= 1; k--)
            {
                fraction = z + (k / 2.0 / fraction);
            }

            magnitude = 1 - (Math.Exp(-z * z) / (Math.Sqrt(Math.PI) * fraction));
        }

        return x < 0 ? -magnitude : magnitude;
    }

    public static double Activate(double x, EpilogueActivation activation, float alpha, float beta) => activation switch
    {
        EpilogueActivation.Gelu => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))),
        EpilogueActivation.Erf => Erf(x),
        _ => CpuKernels.Activate((float)x, new FusedActivation((ActivationKind)activation, alpha, beta)),
    };

    /// <summary>Row-major coordinates of flat index <paramref name="index"/> in <paramref name="shape"/>.</summary>
    public static int[] Coordinates(long index, int[] shape)
    {
        int[] coordinates = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            coordinates[d] = (int)(index % shape[d]);
            index /= shape[d];
        }

        return coordinates;
    }

    /// <summary>Flat row-major index of <paramref name="coordinates"/> in <paramref name="shape"/>.</summary>
    public static int FlatIndex(int[] coordinates, int[] shape)
    {
        int index = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            index = (index * shape[d]) + coordinates[d];
        }

        return index;
    }

    public static int Product(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>NumPy broadcasting: the output shape of two right-aligned shapes.</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int da = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
            int db = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            shape[d] = Math.Max(da, db);
        }

        return shape;
    }

    /// <summary>The element of a tensor of shape <paramref name="shape"/> that output coordinates broadcast onto.</summary>
    public static int BroadcastIndex(int[] outCoordinates, int[] shape)
    {
        int offset = outCoordinates.Length - shape.Length;
        int[] coordinates = [.. shape.Select((size, d) => size == 1 ? 0 : outCoordinates[offset + d])];
        return FlatIndex(coordinates, shape);
    }

    /// <summary>Output size of a pooling or convolution window (floor mode, symmetric pads).</summary>
    public static int WindowOutput(int size, int kernel, int stride, int pad, int dilation) =>
        ((size + (2 * pad) - (dilation * (kernel - 1)) - 1) / stride) + 1;

    /// <summary>
    /// Output size of a pooling window (ONNX MaxPool and AveragePool): floor((size + pads − dilation·(kernel − 1) − 1) / stride) + 1,
    /// or the ceiling in ceil mode, where a last window that would start past the input and its leading padding is dropped.
    /// </summary>
    public static int PoolOutput(int size, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceil)
    {
        int room = size + padBegin + padEnd - (dilation * (kernel - 1)) - 1;
        int output = (ceil ? (room + stride - 1) / stride : room / stride) + 1;
        return ceil && (output - 1) * stride >= size + padBegin ? output - 1 : output;
    }

    /// <summary>
    /// Max or average pooling of <paramref name="planes"/> planes, tap by tap over the three spatial dimensions. The
    /// average divides by the taps inside the input or, with <paramref name="countIncludePad"/>, inside the input and
    /// its explicit padding (never the taps past both, which ceil mode can create); a window with none gives 0.
    /// </summary>
    public static double[] Pool(float[] x, int planes, Window3D w, bool max, bool countIncludePad)
    {
        int[] input = Dims(w.Input), output = Dims(w.Output), kernel = Dims(w.Kernel), stride = Dims(w.Strides);
        int[] begin = Dims(w.PadsBegin), end = Dims(w.PadsEnd), dilation = Dims(w.Dilations);
        int inPlane = Product(input), outPlane = Product(output);
        double[] y = new double[planes * outPlane];
        for (int i = 0; i < y.Length; i++)
        {
            int[] o = Coordinates(i % outPlane, output);
            double best = double.NegativeInfinity, sum = 0;
            int inside = 0, padded = 0;
            foreach (int tap in Enumerable.Range(0, Product(kernel)))
            {
                int[] k = Coordinates(tap, kernel);
                int[] at = [.. Enumerable.Range(0, 3).Select(d => (o[d] * stride[d]) - begin[d] + (k[d] * dilation[d]))];
                if (Enumerable.Range(0, 3).All(d => at[d] >= -begin[d] && at[d] < input[d] + end[d]))
                {
                    padded++;
                }

                if (Enumerable.Range(0, 3).All(d => at[d] >= 0 && at[d] < input[d]))
                {
                    double v = x[((i / outPlane) * inPlane) + FlatIndex(at, input)];
                    best = double.IsNaN(v) || v > best ? v : best;
                    sum += v;
                    inside++;
                }
            }

            int divisor = countIncludePad ? padded : inside;
            y[i] = max ? best : divisor == 0 ? 0 : sum / divisor;
        }

        return y;
    }

    /// <summary>
    /// ONNX MaxPool's Indices: for each window, the flat index into x of the first in-bounds tap (in tap order) that
    /// holds the window's maximum (the first NaN when the maximum is NaN), its spatial part row-major or, with
    /// <paramref name="columnMajor"/>, column-major; the plane's first element for a window of padding only.
    /// </summary>
    public static long[] PoolArgMax(float[] x, int planes, Window3D w, bool columnMajor)
    {
        double[] max = Pool(x, planes, w, max: true, countIncludePad: false);
        int[] input = Dims(w.Input), output = Dims(w.Output), kernel = Dims(w.Kernel), stride = Dims(w.Strides), begin = Dims(w.PadsBegin), dilation = Dims(w.Dilations);
        int inPlane = Product(input), outPlane = Product(output);
        long[] indices = new long[max.Length];
        for (int i = 0; i < max.Length; i++)
        {
            int[] o = Coordinates(i % outPlane, output);
            long plane = (long)(i / outPlane) * inPlane;
            indices[i] = plane;
            foreach (int tap in Enumerable.Range(0, Product(kernel)))
            {
                int[] k = Coordinates(tap, kernel);
                int[] at = [.. Enumerable.Range(0, 3).Select(d => (o[d] * stride[d]) - begin[d] + (k[d] * dilation[d]))];
                if (Enumerable.Range(0, 3).Any(d => at[d] < 0 || at[d] >= input[d]))
                {
                    continue;
                }

                double v = x[plane + FlatIndex(at, input)];
                if (v == max[i] || (double.IsNaN(v) && double.IsNaN(max[i])))
                {
                    indices[i] = plane + (columnMajor ? FlatIndex([at[2], at[1], at[0]], [input[2], input[1], input[0]]) : FlatIndex(at, input));
                    break;
                }
            }
        }

        return indices;
    }

    private static int[] Dims(Spatial3 s) => [s.D, s.H, s.W];

    /// <summary>
    /// Direct convolution of one NCHW image with OIHW weights, from the ONNX Conv definition
    /// (positions in the padding read 0).
    /// </summary>
    public static double[] Conv2D(float[] x, float[] w, int channels, int inH, int inW, int outChannels, int outH, int outW, Window2D window)
    {
        double[] y = new double[outChannels * outH * outW];
        for (int o = 0; o < outChannels; o++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                for (int ow = 0; ow < outW; ow++)
                {
                    double sum = 0;
                    for (int c = 0; c < channels; c++)
                    {
                        for (int kh = 0; kh < window.KernelH; kh++)
                        {
                            for (int kw = 0; kw < window.KernelW; kw++)
                            {
                                int ih = (oh * window.StrideH) - window.PadTop + (kh * window.DilationH);
                                int iw = (ow * window.StrideW) - window.PadLeft + (kw * window.DilationW);
                                if (ih >= 0 && ih < inH && iw >= 0 && iw < inW)
                                {
                                    sum += (double)w[(((((o * channels) + c) * window.KernelH) + kh) * window.KernelW) + kw] * x[(((c * inH) + ih) * inW) + iw];
                                }
                            }
                        }
                    }

                    y[(((o * outH) + oh) * outW) + ow] = sum;
                }
            }
        }

        return y;
    }

    /// <summary>
    /// Direct 3-D convolution of one NCDHW image with OIDHW weights over window <paramref name="w"/>, tap by tap
    /// (positions in the padding read 0).
    /// </summary>
    public static double[] Conv3D(float[] x, float[] weights, int channels, int outChannels, Window3D w)
    {
        int[] input = Dims(w.Input), output = Dims(w.Output), kernel = Dims(w.Kernel), stride = Dims(w.Strides), begin = Dims(w.PadsBegin), dilation = Dims(w.Dilations);
        int inVolume = Product(input), outVolume = Product(output), taps = Product(kernel);
        double[] y = new double[outChannels * outVolume];
        for (int i = 0; i < y.Length; i++)
        {
            int o = i / outVolume;
            int[] position = Coordinates(i % outVolume, output);
            for (int c = 0; c < channels; c++)
            {
                for (int tap = 0; tap < taps; tap++)
                {
                    int[] k = Coordinates(tap, kernel);
                    int[] at = [.. Enumerable.Range(0, 3).Select(d => (position[d] * stride[d]) - begin[d] + (k[d] * dilation[d]))];
                    if (Enumerable.Range(0, 3).All(d => at[d] >= 0 && at[d] < input[d]))
                    {
                        y[i] += (double)weights[(((o * channels) + c) * taps) + tap] * x[(c * inVolume) + FlatIndex(at, input)];
                    }
                }
            }
        }

        return y;
    }

    /// <summary>Softmax of each row, in double precision.</summary>
    public static double[] Softmax(float[] x, int rows, int cols)
    {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double max = Enumerable.Range(0, cols).Max(j => (double)x[(r * cols) + j]);
            double sum = Enumerable.Range(0, cols).Sum(j => Math.Exp(x[(r * cols) + j] - max));
            for (int j = 0; j < cols; j++)
            {
                y[(r * cols) + j] = Math.Exp(x[(r * cols) + j] - max) / sum;
            }
        }

        return y;
    }

    /// <summary>Index of the first maximum of scores[start..start+count).</summary>
    public static int ArgMax(float[] scores, int start, int count)
    {
        int best = 0;
        for (int k = 1; k < count; k++)
        {
            if (scores[start + k] > scores[start + best])
            {
                best = k;
            }
        }

        return best;
    }
}
