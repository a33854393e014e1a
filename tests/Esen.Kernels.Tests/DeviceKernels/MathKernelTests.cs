using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>Host runs of math.cu (Pow, Max, Sqrt, Log) and reduce.cu against double-precision oracles.</summary>
public sealed class MathKernelTests
{
    [SkippableFact]
    public void PowOfFloats_IntegerExponentsToTheBit_OthersClose()
    {
        // Ragged: 101 elements over 2 blocks of 48 threads, so the grid-stride loop wraps.
        float[] x = KernelOracle.RandomValues(1, 101, 0.05f, 3f);
        float[] e = [.. Enumerable.Range(0, 101).Select(i => i % 3 == 0 ? (i % 7) - 3f : KernelOracle.RandomValues(i, 1, -2f, 2f)[0])];
        float[] y = Run(PtxKernels.Pow(DataType.Float32, DataType.Float32), x, e);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Pow(x[i], e[i]);
            if (e[i] == MathF.Round(e[i]))
            {
                Assert.Equal((float)expected, y[i]);
            }
            else
            {
                Assert.True(Math.Abs(y[i] - expected) <= 2e-6 * Math.Max(1, Math.Abs(expected)), $"{x[i]}^{e[i]}: {y[i]}, expected {expected}");
            }
        }
    }

    [SkippableFact]
    public void PowOfInt32_NegativeExponentsTruncate_NegativeBasesKeepTheirSign()
    {
        int[] x = [2, -3, 0, 1, -1, -1, 5, 7];
        int[] e = [10, 3, -2, -5, -3, -4, -1, 0];
        using HostBuffer xs = HostBuffer.Of(x), es = HostBuffer.Of(e), y = HostBuffer.Uninitialized(x.Length);
        Launch(PtxKernels.Pow(DataType.Int32, DataType.Int32), xs, es, y, x.Length);
        Assert.Equal([1024, -27, int.MaxValue, 1, -1, 1, 0, 1], y.ToInts());
    }

    [SkippableFact]
    public void Max_TakesTheLargerAndNaNFromEither()
    {
        float[] a = [.. KernelOracle.RandomValues(2, 99), float.NaN, 1f];
        float[] b = [.. KernelOracle.RandomValues(3, 99), 1f, float.NaN];
        float[] y = Run(PtxKernels.Max, a, b);
        Assert.Equal([.. a.Take(99).Select((v, i) => Math.Max(v, b[i])), float.NaN, float.NaN], y);
    }

    [SkippableFact]
    public void SqrtToTheBit_LogClose()
    {
        float[] x = [.. KernelOracle.RandomValues(4, 99, 1e-3f, 50f), 0f, -1f];
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.Sqrt, grid: 2, block: 48, new CudaKernelArgs.Unary { X = xs.Address, Y = y.Address, Count = x.Length });
        Assert.Equal(x.Select(MathF.Sqrt), y.ToFloats());

        HostKernels.Launch(PtxKernels.Log, grid: 2, block: 48, new CudaKernelArgs.Unary { X = xs.Address, Y = y.Address, Count = x.Length });
        float[] logs = y.ToFloats();
        KernelOracle.AssertClose([.. x.Take(99).Select(v => Math.Log(v))], logs[..99], 1e-6, 1e-6, "log");
        Assert.Equal(float.NegativeInfinity, logs[99]);
        Assert.True(float.IsNaN(logs[100]));
    }

    /// <summary>[5, 6, 7] reduced over axes 0 and 2 (apart, so neither kept nor reduced elements are contiguous).</summary>
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reduce_OverAxesApart_MatchesBruteForce(bool mean)
    {
        int[] dims = [5, 6, 7];
        float[] x = KernelOracle.RandomValues(5, 210);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(6);
        HostKernels.Launch(mean ? PtxKernels.ReduceMean : PtxKernels.ReduceMax, grid: 1, block: 5, new CudaKernelArgs.Reduce
        {
            X = xs.Address, Y = y.Address, Count = 6,
            KeptDims = Dims6.Shape([1, 6, 1]), KeptStrides = Dims6.Strides([0, 7, 0]),
            ReducedDims = Dims6.Shape([5, 1, 7]), ReducedStrides = Dims6.Strides([42, 0, 1]), ReducedCount = 35,
        });
        double[] expected = [.. Enumerable.Range(0, 6).Select(j =>
        {
            double[] values = [.. Enumerable.Range(0, dims[0] * dims[2]).Select(r => (double)x[(r / 7 * 42) + (j * 7) + (r % 7)])];
            return mean ? values.Average() : values.Max();
        })];
        KernelOracle.AssertClose(expected, y.ToFloats(), 1e-6, 1e-6, mean ? "mean" : "max");
    }

    private static float[] Run(PtxKernel<CudaKernelArgs.Binary> kernel, float[] a, float[] b)
    {
        using HostBuffer aBuffer = HostBuffer.Of(a), bBuffer = HostBuffer.Of(b), y = HostBuffer.Uninitialized(a.Length);
        Launch(kernel, aBuffer, bBuffer, y, a.Length);
        return y.ToFloats();
    }

    private static void Launch(PtxKernel<CudaKernelArgs.Binary> kernel, HostBuffer a, HostBuffer b, HostBuffer y, int count) =>
        HostKernels.Launch(kernel, grid: 2, block: 48, new CudaKernelArgs.Binary
        {
            A = a.Address, B = b.Address, Y = y.Address, Count = count,
            OutDims = Dims6.Shape([count]), AStrides = Dims6.ContiguousStrides([count]), BStrides = Dims6.ContiguousStrides([count]),
        });
}
