using System.Runtime.InteropServices;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>Host runs of pooling.cu (max and average, 1-D to 3-D windows), im2col.cu (2-D and 3-D) and batch-norm over NCHW tensors.</summary>
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

    // Each case: planes (N·C); then for each spatial dimension d, h, w in turn: input, kernel, stride, pad before,
    // pad after, dilation; last ceil_mode. 2-D windows have d trivial, 1-D ones d and h.
    public static TheoryData<int[]> PoolWindows() =>
    [
        [6, 1, 1, 1, 0, 0, 1, 7, 3, 2, 1, 1, 1, 9, 2, 1, 0, 0, 2, 0],
        [2, 1, 1, 1, 0, 0, 1, 5, 2, 2, 0, 0, 1, 5, 2, 2, 0, 0, 1, 0],
        [3, 1, 1, 1, 0, 0, 1, 11, 3, 1, 1, 1, 2, 6, 3, 2, 1, 1, 1, 0],
        [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0],

        // Ceil mode: the last window of 8 + 1 + 1 starts at 7 and reaches past the padding (taps 7, 8, 9).
        [2, 1, 1, 1, 0, 0, 1, 8, 3, 2, 1, 1, 1, 8, 3, 2, 1, 1, 1, 1],
        [1, 1, 1, 1, 0, 0, 1, 6, 3, 2, 1, 0, 1, 7, 2, 3, 0, 1, 1, 1],

        // 1-D, and 3-D with dilations and asymmetric pads.
        [3, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 13, 4, 3, 2, 1, 1, 1],
        [3, 5, 2, 2, 1, 0, 1, 4, 3, 1, 1, 1, 1, 6, 2, 2, 0, 1, 2, 1],
        [1, 11, 2, 4, 0, 0, 3, 11, 2, 4, 0, 0, 3, 11, 2, 4, 0, 0, 3, 1],
    ];

    [SkippableTheory]
    [MemberData(nameof(PoolWindows))]
    public void MaxPool_MatchesOracle_WithItsIndicesInBothStorageOrders(int[] geometry)
    {
        (int planes, Window3D window) = ParsePool(geometry);
        float[] x = KernelOracle.RandomValues(geometry.Sum(), planes * Volume(window.Input));
        x[x.Length / 3] = float.NaN; // a NaN maximum has the NaN's index
        int outputs = planes * Volume(window.Output);
        foreach (bool columnMajor in new[] { false, true })
        {
            using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(outputs), indices = HostBuffer.Uninitialized(2 * outputs);
            HostKernels.Launch(PtxKernels.MaxPool, grid: 2, block: 37, new CudaKernelArgs.MaxPool
            {
                X = xs.Address, Y = y.Address, Planes = planes, Window = window, Indices = indices.Address, ColumnMajor = columnMajor ? 1 : 0,
            });

            KernelOracle.AssertClose(KernelOracle.Pool(x, planes, window, max: true, countIncludePad: false), y.ToFloats(), 0, 0, "max pool");
            Assert.Equal(KernelOracle.PoolArgMax(x, planes, window, columnMajor), MemoryMarshal.Cast<int, long>(indices.ToInts()).ToArray());
        }
    }

    [SkippableTheory]
    [MemberData(nameof(PoolWindows))]
    public void AvgPool_MatchesOracle_WithAndWithoutPadCounting(int[] geometry)
    {
        (int planes, Window3D window) = ParsePool(geometry);
        float[] x = KernelOracle.RandomValues(geometry.Sum() + 1, planes * Volume(window.Input));
        foreach (bool countIncludePad in new[] { false, true })
        {
            using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(planes * Volume(window.Output));
            HostKernels.Launch(PtxKernels.AvgPool, grid: 3, block: 32, new CudaKernelArgs.AvgPool
            {
                X = xs.Address, Y = y.Address, Planes = planes, Window = window, CountIncludePad = countIncludePad ? 1 : 0,
            });

            double[] expected = KernelOracle.Pool(x, planes, window, max: false, countIncludePad);
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

    [SkippableTheory]
    [MemberData(nameof(PoolWindows))]
    public void Im2Col3D_TimesWeights_IsTheDirectConvolution(int[] geometry)
    {
        // The pooling windows as convolution windows: `planes` channels of one image, 3 output channels.
        (int channels, Window3D window) = ParsePool(geometry);
        const int OutChannels = 3;
        int patch = channels * Volume(window.Kernel), positions = Volume(window.Output);
        float[] x = KernelOracle.RandomValues(9, channels * Volume(window.Input));
        float[] weights = KernelOracle.RandomValues(10, OutChannels * patch);
        using HostBuffer xs = HostBuffer.Of(x), col = HostBuffer.Uninitialized(patch * positions);
        HostKernels.Launch(PtxKernels.Im2Col3D, grid: 2, block: 64, new CudaKernelArgs.Im2Col3D
        {
            X = xs.Address, Col = col.Address, Channels = channels, Window = window,
        });

        float[] viaIm2Col = new float[OutChannels * positions];
        CpuKernels.Gemm(false, false, OutChannels, positions, patch, 1f, weights, patch, col.ToFloats(), positions, 0f, viaIm2Col, positions);
        KernelOracle.AssertClose(KernelOracle.Conv3D(x, weights, channels, OutChannels, window), viaIm2Col, 1e-5, 1e-5, "im2col_3d convolution");
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

    private static (int Planes, Window3D Window) ParsePool(int[] g)
    {
        bool ceil = g[^1] != 0;
        Spatial3 Each(Func<int[], int> value) => Spatial3.Of([.. Enumerable.Range(0, 3).Select(d => value(g[(1 + (6 * d))..(7 + (6 * d))]))]);
        return (g[0], new Window3D
        {
            Input = Each(v => v[0]), Kernel = Each(v => v[1]), Strides = Each(v => v[2]), PadsBegin = Each(v => v[3]), PadsEnd = Each(v => v[4]),
            Dilations = Each(v => v[5]), Output = Each(v => KernelOracle.PoolOutput(v[0], v[1], v[2], v[3], v[4], v[5], ceil)),
        });
    }

    private static int Volume(Spatial3 s) => s.D * s.H * s.W;

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
