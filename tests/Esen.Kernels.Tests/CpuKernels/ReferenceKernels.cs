using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.Cpu;

/// <summary>
/// Straightforward double-precision loops used as the oracle for the fast kernels. Each result comes with
/// the sum of absolute products per element, which bounds the float rounding error of any summation order.
/// </summary>
internal static class ReferenceKernels
{
    public static (double[] Value, double[] AbsSum) Gemm(
        bool transA, bool transB, int m, int n, int k,
        float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var value = new double[c.Length];
        var absSum = new double[c.Length];
        for (int i = 0; i < c.Length; i++)
        {
            value[i] = c[i];
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = (double)(transA ? a[(p * lda) + i] : a[(i * lda) + p])
                        * (transB ? b[(j * ldb) + p] : b[(p * ldb) + j]);
                    sum += product;
                    abs += Math.Abs(product);
                }

                int ci = (i * ldc) + j;
                double old = beta == 0f ? 0 : beta * (double)c[ci];
                value[ci] = (alpha * sum) + old;
                absSum[ci] = (Math.Abs(alpha) * abs) + Math.Abs(old);
            }
        }

        return (value, absSum);
    }

    public static (double[] Value, double[] AbsSum) Conv2D(
        Conv2DShape s, float[] input, float[] weights, float[]? bias, FusedActivation activation)
    {
        int oh = s.OutHeight, ow = s.OutWidth, cg = s.InChannelsPerGroup, og = s.OutChannelsPerGroup;
        var value = new double[s.OutputLength];
        var absSum = new double[s.OutputLength];
        for (int n = 0; n < s.Batch; n++)
        {
            for (int o = 0; o < s.OutChannels; o++)
            {
                int g = o / og;
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        double sum = bias is null ? 0 : bias[o];
                        double abs = Math.Abs(sum);
                        for (int c = 0; c < cg; c++)
                        {
                            for (int ky = 0; ky < s.KernelHeight; ky++)
                            {
                                int iy = (y * s.StrideH) - s.PadTop + (ky * s.DilationH);
                                for (int kx = 0; kx < s.KernelWidth; kx++)
                                {
                                    int ix = (x * s.StrideW) - s.PadLeft + (kx * s.DilationW);
                                    if (iy < 0 || iy >= s.InHeight || ix < 0 || ix >= s.InWidth)
                                    {
                                        continue;
                                    }

                                    double product = (double)weights[(((((o * cg) + c) * s.KernelHeight) + ky) * s.KernelWidth) + kx]
                                        * input[(((((n * s.InChannels) + (g * cg) + c) * s.InHeight) + iy) * s.InWidth) + ix];
                                    sum += product;
                                    abs += Math.Abs(product);
                                }
                            }
                        }

                        int oi = (((((n * s.OutChannels) + o) * oh) + y) * ow) + x;
                        value[oi] = Activate(sum, activation);
                        absSum[oi] = abs;
                    }
                }
            }
        }

        return (value, absSum);
    }

    /// <summary>The ONNX activation definitions, in double.</summary>
    public static double Activate(double x, FusedActivation activation) => activation.Kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => Math.Max(x, 0),
        ActivationKind.LeakyRelu => x >= 0 ? x : activation.Alpha * x,
        ActivationKind.Clip => Math.Min(Math.Max(x, activation.Alpha), activation.Beta),
        ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ActivationKind.Tanh => Math.Tanh(x),
        ActivationKind.HardSigmoid => Math.Max(0, Math.Min(1, (activation.Alpha * x) + activation.Beta)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    public static float[] RandomArray(Random random, long length)
    {
        var values = new float[length];
        for (long i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>
    /// Float32 error bound for a dot product of length <paramref name="k"/>: a few ulps per addition times the
    /// magnitude of the terms (Higham, Accuracy and Stability of Numerical Algorithms, §3.1: |error| ≤ γ_k Σ|xᵢyᵢ|),
    /// plus a small absolute floor for the activations' own rounding.
    /// </summary>
    public static void AssertClose(double[] expected, double[] absSum, ReadOnlySpan<float> actual, int k, string context)
    {
        const double UnitRoundoff = 5.96e-8;
        const double AbsoluteFloor = 1e-6;
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = (2 * (k + 2) * UnitRoundoff * absSum[i]) + AbsoluteFloor + (4 * UnitRoundoff * Math.Abs(expected[i]));
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance))
            {
                Assert.Fail($"{context}: element {i} is {actual[i]}, expected {expected[i]} (error {error:g3} > tolerance {tolerance:g3})");
            }
        }
    }
}
