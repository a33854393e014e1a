using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>Host runs of pooling.cu (max, average), im2col.cu and batch-norm over NCHW tensors.</summary>
public sealed class WindowKernelTests
{
    // Each case: planes (N·C), H, W, kernel h, kernel w, stride h, stride w, pad h, pad w, dilation h, dilation w.
    public static TheoryData<int[]> Windows() =>
    [
        [6, 7, 9, 3, 2, 2, 1, 1, 0, 1, 2],
        [2, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1],
        [3, 11, 6, 3, 3, 1, 2, 1, 1, 2, 1],
        [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1],
    ];

    [SkippableTheory]
    [MemberData(nameof(Windows))]
    public void MaxPool_MatchesOracle(int[] geometry)
    {
        (int planes, int inH, int inW, int outH, int outW, Window2D window) = Parse(geometry);
        float[] x = KernelOracle.RandomValues(geometry.Sum(), planes * inH * inW);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(planes * outH * outW);
        HostKernels.Launch(PtxKernels.MaxPool, grid: 2, block: 37, new CudaKernelArgs.MaxPool
        {
            X = xs.Address, Y = y.Address, Planes = planes, InH = inH, InW = inW, OutH = outH, OutW = outW, Window = window,
        });

        KernelOracle.AssertClose(KernelOracle.Pool(x, planes, inH, inW, outH, outW, window, max: true, countIncludePad: false), y.ToFloats(), 0, 0, "max pool");
    }

    [SkippableTheory]
    [MemberData(nameof(Windows))]
    public void AvgPool_MatchesOracle_WithAndWithoutPadCounting(int[] geometry)
    {
        (int planes, int inH, int inW, int outH, int outW, Window2D window) = Parse(geometry);
        float[] x = KernelOracle.RandomValues(geometry.Sum() + 1, planes * inH * inW);
        foreach (bool countIncludePad in new[] { false, true })
        {
            using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(planes * outH * outW);
            HostKernels.Launch(PtxKernels.AvgPool, grid: 3, block: 32, new CudaKernelArgs.AvgPool
            {
                X = xs.Address, Y = y.Address, Planes = planes, InH = inH, InW = inW, OutH = outH, OutW = outW, Window = window,
                CountIncludePad = countIncludePad ? 1 : 0,
            });

            double[] expected = KernelOracle.Pool(x, planes, inH, inW, outH, outW, window, max: false, countIncludePad);
            KernelOracle.AssertClose(expected, y.ToFloats(), 1e-6, 1e-6, $"average pool (count_include_pad={countIncludePad})");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Windows))]
    public void Im2Col_TimesWeights_IsTheDirectConvolution(int[] geometry)
    {
        // One image of `planes` channels; 4 output channels. conv = W[O, C·KH·KW] × im2col(x).
        (int channels, int inH, int inW, int outH, int outW, Window2D window) = Parse(geometry);
        const int OutChannels = 4;
        int patch = channels * window.KernelH * window.KernelW;
        float[] x = KernelOracle.RandomValues(7, channels * inH * inW);
        float[] weights = KernelOracle.RandomValues(8, OutChannels * patch);
        using HostBuffer xs = HostBuffer.Of(x), col = HostBuffer.Uninitialized(patch * outH * outW);
        HostKernels.Launch(PtxKernels.Im2Col, grid: 2, block: 64, new CudaKernelArgs.Im2Col
        {
            X = xs.Address, Col = col.Address, Channels = channels, InH = inH, InW = inW, OutH = outH, OutW = outW, Window = window,
        });

        float[] viaIm2Col = new float[OutChannels * outH * outW];
        CpuKernels.Gemm(false, false, OutChannels, outH * outW, patch, 1f, weights, patch, col.ToFloats(), outH * outW, 0f, viaIm2Col, outH * outW);
        double[] direct = KernelOracle.Conv2D(x, weights, channels, inH, inW, OutChannels, outH, outW, window);
        KernelOracle.AssertClose(direct, viaIm2Col, 1e-5, 1e-5, "im2col convolution");
    }

    [SkippableFact]
    public void BatchNorm_MatchesOracle()
    {
        const int Batch = 3, Channels = 5, Inner = 17, Count = Batch * Channels * Inner;
        const float Epsilon = 1e-3f;
        float[] x = KernelOracle.RandomValues(40, Count);
        float[] scale = KernelOracle.RandomValues(41, Channels), bias = KernelOracle.RandomValues(42, Channels);
        float[] mean = KernelOracle.RandomValues(43, Channels), variance = KernelOracle.RandomValues(44, Channels, 0.1f, 4f);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(Count);
        using HostBuffer scales = HostBuffer.Of(scale), biases = HostBuffer.Of(bias), means = HostBuffer.Of(mean), variances = HostBuffer.Of(variance);
        HostKernels.Launch(PtxKernels.BatchNorm, grid: 2, block: 50, new CudaKernelArgs.BatchNorm
        {
            X = xs.Address, Y = y.Address, Scale = scales.Address, Bias = biases.Address, Mean = means.Address,
            Variance = variances.Address, Count = Count, Channels = Channels, Inner = Inner, Epsilon = Epsilon,
        });

        double[] expected = [.. x.Select((v, i) =>
        {
            int c = i / Inner % Channels;
            return ((v - mean[c]) / Math.Sqrt(variance[c] + Epsilon) * scale[c]) + bias[c];
        })];
        KernelOracle.AssertClose(expected, y.ToFloats(), 2e-6, 2e-6, "batch norm");
    }

    private static (int Planes, int InH, int InW, int OutH, int OutW, Window2D Window) Parse(int[] g)
    {
        var window = new Window2D
        {
            KernelH = g[3], KernelW = g[4], StrideH = g[5], StrideW = g[6], PadTop = g[7], PadLeft = g[8], DilationH = g[9], DilationW = g[10],
        };
        return (g[0], g[1], g[2],
            KernelOracle.WindowOutput(g[1], g[3], g[5], g[7], g[9]),
            KernelOracle.WindowOutput(g[2], g[4], g[6], g[8], g[10]),
            window);
    }
}
