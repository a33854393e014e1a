namespace Esen.Kernels.Tests.Execution;

/// <summary>
/// Straightforward reference implementations (nested loops over multi-indices, doubles for sums):
/// the oracle the executors are tested against. Deliberately slow and independent of the kernels.
/// </summary>
public static class Reference
{
    public static float[] Random(Random random, long count, float scale = 1f) =>
        Enumerable.Range(0, (int)count).Select(_ => ((random.NextSingle() * 2f) - 1f) * scale).ToArray();

    public static int[] Unravel(long flat, long[] dims)
    {
        var index = new int[dims.Length];
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            index[d] = (int)(flat % dims[d]);
            flat /= dims[d];
        }

        return index;
    }

    public static long Ravel(int[] index, long[] dims)
    {
        long flat = 0;
        for (int d = 0; d < dims.Length; d++)
        {
            flat = (flat * dims[d]) + index[d];
        }

        return flat;
    }

    /// <summary>Element of a broadcast input at an output multi-index.</summary>
    public static float At(float[] data, long[] dims, int[] outIndex)
    {
        int lead = outIndex.Length - dims.Length;
        var index = new int[dims.Length];
        for (int d = 0; d < dims.Length; d++)
        {
            index[d] = dims[d] == 1 ? 0 : outIndex[d + lead];
        }

        return data[Ravel(index, dims)];
    }

    public static float[] Binary(float[] a, long[] aDims, float[] b, long[] bDims, long[] yDims, Func<float, float, float> op)
    {
        long count = yDims.Aggregate(1L, (p, d) => p * d);
        var y = new float[count];
        for (long i = 0; i < count; i++)
        {
            int[] index = Unravel(i, yDims);
            y[i] = op(At(a, aDims, index), At(b, bDims, index));
        }

        return y;
    }

    public static float[] Conv2D(
        float[] x, long[] xd, float[] w, long[] wd, float[]? bias,
        int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilH, int dilW, int groups)
    {
        long n = xd[0], c = xd[1], h = xd[2], wi = xd[3], m = wd[0], kh = wd[2], kw = wd[3];
        long oh = ((h + padTop + padBottom - (dilH * (kh - 1)) - 1) / strideH) + 1;
        long ow = ((wi + padLeft + padRight - (dilW * (kw - 1)) - 1) / strideW) + 1;
        long cg = c / groups, mg = m / groups;
        var y = new float[n * m * oh * ow];
        for (long b = 0; b < n; b++)
        {
            for (long o = 0; o < m; o++)
            {
                long g = o / mg;
                for (long yy = 0; yy < oh; yy++)
                {
                    for (long xx = 0; xx < ow; xx++)
                    {
                        double sum = bias?[o] ?? 0;
                        for (long ci = 0; ci < cg; ci++)
                        {
                            for (long ky = 0; ky < kh; ky++)
                            {
                                for (long kx = 0; kx < kw; kx++)
                                {
                                    long iy = (yy * strideH) - padTop + (ky * dilH), ix = (xx * strideW) - padLeft + (kx * dilW);
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wi)
                                    {
                                        sum += (double)w[(((o * cg) + ci) * kh + ky) * kw + kx] * x[(((b * c) + (g * cg) + ci) * h + iy) * wi + ix];
                                    }
                                }
                            }
                        }

                        y[(((b * m) + o) * oh + yy) * ow + xx] = (float)sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>Naive 3-D convolution (NCDHW, OIDHW); pads are [d, h, w begins, d, h, w ends] as in ONNX.</summary>
    public static float[] Conv3D(float[] x, long[] xd, float[] w, long[] wd, float[]? bias, int[] strides, int[] pads, int[] dilations, int groups)
    {
        long n = xd[0], c = xd[1], m = wd[0];
        long[] input = xd[2..], kernel = wd[2..];
        long[] output = [.. Enumerable.Range(0, 3).Select(d => ((input[d] + pads[d] + pads[d + 3] - (dilations[d] * (kernel[d] - 1)) - 1) / strides[d]) + 1)];
        long cg = c / groups, mg = m / groups;
        var y = new float[n * m * output[0] * output[1] * output[2]];
        int at = 0;
        for (long b = 0; b < n; b++)
        {
            for (long o = 0; o < m; o++)
            {
                long g = o / mg;
                for (long od = 0; od < output[0]; od++)
                {
                    for (long oh = 0; oh < output[1]; oh++)
                    {
                        for (long ow = 0; ow < output[2]; ow++)
                        {
                            double sum = bias?[o] ?? 0;
                            for (long ci = 0; ci < cg; ci++)
                            {
                                for (long kd = 0; kd < kernel[0]; kd++)
                                {
                                    for (long kh = 0; kh < kernel[1]; kh++)
                                    {
                                        for (long kw = 0; kw < kernel[2]; kw++)
                                        {
                                            long id = (od * strides[0]) - pads[0] + (kd * dilations[0]);
                                            long ih = (oh * strides[1]) - pads[1] + (kh * dilations[1]);
                                            long iw = (ow * strides[2]) - pads[2] + (kw * dilations[2]);
                                            if (id >= 0 && id < input[0] && ih >= 0 && ih < input[1] && iw >= 0 && iw < input[2])
                                            {
                                                long wAt = (((((o * cg) + ci) * kernel[0]) + kd) * kernel[1] + kh) * kernel[2] + kw;
                                                long xAt = (((((b * c) + (g * cg) + ci) * input[0]) + id) * input[1] + ih) * input[2] + iw;
                                                sum += (double)w[wAt] * x[xAt];
                                            }
                                        }
                                    }
                                }
                            }

                            y[at++] = (float)sum;
                        }
                    }
                }
            }
        }

        return y;
    }

    public static float[] MatMul(float[] a, float[] b, int batch, int m, int k, int n, bool transA = false, bool transB = false)
    {
        var y = new float[batch * m * n];
        for (int p = 0; p < batch; p++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int q = 0; q < k; q++)
                    {
                        float av = transA ? a[(p * m * k) + (q * m) + i] : a[(p * m * k) + (i * k) + q];
                        float bv = transB ? b[(p * k * n) + (j * k) + q] : b[(p * k * n) + (q * n) + j];
                        sum += (double)av * bv;
                    }

                    y[(p * m * n) + (i * n) + j] = (float)sum;
                }
            }
        }

        return y;
    }

    public static float[] Pool2D(
        float[] x, long[] xd, int kernel, int stride, int pad, bool ceil, bool max, bool countIncludePad)
    {
        long n = xd[0], c = xd[1], h = xd[2], w = xd[3];
        long OutSize(long size)
        {
            double raw = (double)(size + (2 * pad) - kernel) / stride;
            long o = (long)(ceil ? Math.Ceiling(raw) : Math.Floor(raw)) + 1;
            return ceil && (o - 1) * stride >= size + pad ? o - 1 : o;
        }

        long oh = OutSize(h), ow = OutSize(w);
        var y = new float[n * c * oh * ow];
        for (long p = 0; p < n * c; p++)
        {
            for (long yy = 0; yy < oh; yy++)
            {
                for (long xx = 0; xx < ow; xx++)
                {
                    double sum = 0;
                    float best = float.NegativeInfinity;
                    int inside = 0, padded = 0;
                    for (long ky = 0; ky < kernel; ky++)
                    {
                        for (long kx = 0; kx < kernel; kx++)
                        {
                            long iy = (yy * stride) - pad + ky, ix = (xx * stride) - pad + kx;
                            if (iy < h + pad && ix < w + pad)
                            {
                                padded++;
                            }

                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                            {
                                float v = x[(p * h * w) + (iy * w) + ix];
                                best = Math.Max(best, v);
                                sum += v;
                                inside++;
                            }
                        }
                    }

                    y[(p * oh * ow) + (yy * ow) + xx] = max ? best : (float)(sum / (countIncludePad ? padded : inside));
                }
            }
        }

        return y;
    }

    /// <summary>Softmax along one axis of a tensor with the given dims.</summary>
    public static float[] Softmax(float[] x, long[] dims, int axis)
    {
        var y = new float[x.Length];
        long outer = dims.Take(axis).Aggregate(1L, (p, d) => p * d), length = dims[axis], inner = dims.Skip(axis + 1).Aggregate(1L, (p, d) => p * d);
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (long a = 0; a < length; a++)
                {
                    max = Math.Max(max, x[(((o * length) + a) * inner) + i]);
                }

                for (long a = 0; a < length; a++)
                {
                    sum += Math.Exp(x[(((o * length) + a) * inner) + i] - max);
                }

                for (long a = 0; a < length; a++)
                {
                    long at = (((o * length) + a) * inner) + i;
                    y[at] = (float)(Math.Exp(x[at] - max) / sum);
                }
            }
        }

        return y;
    }

    public static float[] Transpose(float[] x, long[] dims, int[] perm)
    {
        long[] outDims = perm.Select(p => dims[p]).ToArray();
        var y = new float[x.Length];
        for (long i = 0; i < x.Length; i++)
        {
            int[] outIndex = Unravel(i, outDims);
            var inIndex = new int[dims.Length];
            for (int d = 0; d < perm.Length; d++)
            {
                inIndex[perm[d]] = outIndex[d];
            }

            y[i] = x[Ravel(inIndex, dims)];
        }

        return y;
    }
}
