using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// Host runs of the block-reduction kernels (softmax, layer-norm, global average pooling) on
/// ragged shapes: rows shorter than the block, longer than it, and block sizes that are not
/// powers of two; and of softmax along an inner axis, a thread per column.
/// </summary>
public sealed class ReductionKernelTests
{
    public static TheoryData<int, int, int, int> Shapes() => new()
    {
        // rows, cols, grid, block
        { 1, 1, 1, 32 },
        { 5, 7, 2, 32 },
        { 3, 64, 1, 64 },
        { 4, 301, 3, 48 },
        { 2, 1000, 2, 33 },
    };

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Softmax_MatchesOracle(int rows, int cols, int grid, int block)
    {
        float[] x = KernelOracle.RandomValues(rows * 1000 + cols, rows * cols, -8f, 8f);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.Softmax, grid, block, new CudaKernelArgs.Softmax { X = xs.Address, Y = y.Address, Rows = rows, Cols = cols });

        KernelOracle.AssertClose(KernelOracle.Softmax(x, rows, cols), y.ToFloats(), 1e-7, 2e-6, "softmax");
    }

    [SkippableFact]
    public void Softmax_HugeLogits_DoesNotOverflow()
    {
        float[] x = [1e30f, 1e30f - 1e24f, -1e30f, 88f, 1e30f];
        using HostBuffer data = HostBuffer.Of(x);
        HostKernels.Launch(PtxKernels.Softmax, grid: 1, block: 32, new CudaKernelArgs.Softmax { X = data.Address, Y = data.Address, Rows = 1, Cols = x.Length });

        KernelOracle.AssertClose([0.5, 0, 0, 0, 0.5], data.ToFloats(), 1e-7, 0, "softmax of huge logits");
    }

    [SkippableTheory]
    [InlineData(1, 3, 20, 1, 32)]
    [InlineData(2, 9, 4, 1, 33)]
    [InlineData(3, 1, 5, 2, 32)]
    [InlineData(2, 300, 70, 3, 48)]
    public void SoftmaxAxis_MatchesOracle(int outer, int axis, int inner, int grid, int block)
    {
        float[] x = KernelOracle.RandomValues((outer * 100) + axis + inner, outer * axis * inner, -8f, 8f);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.SoftmaxAxis, grid, block, new CudaKernelArgs.SoftmaxAxis
        {
            X = xs.Address, Y = y.Address, Outer = outer, Axis = axis, Inner = inner,
        });

        // The oracle's rows are the columns [o, :, i], moved to the last axis and back.
        float[] columns = new float[x.Length];
        int Along(int c, int a) => ((c / inner * axis) + a) * inner + (c % inner);
        for (int c = 0; c < outer * inner; c++)
        {
            for (int a = 0; a < axis; a++)
            {
                columns[(c * axis) + a] = x[Along(c, a)];
            }
        }

        double[] rows = KernelOracle.Softmax(columns, outer * inner, axis);
        double[] expected = new double[x.Length];
        for (int c = 0; c < outer * inner; c++)
        {
            for (int a = 0; a < axis; a++)
            {
                expected[Along(c, a)] = rows[(c * axis) + a];
            }
        }

        KernelOracle.AssertClose(expected, y.ToFloats(), 1e-7, 2e-6, "softmax along an inner axis");
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void LayerNorm_MatchesOracle(int rows, int cols, int grid, int block)
    {
        const float Epsilon = 1e-5f;
        float[] x = KernelOracle.RandomValues(rows + cols, rows * cols, -4f, 6f);
        float[] scale = KernelOracle.RandomValues(1, cols, 0.5f, 2f);
        float[] bias = KernelOracle.RandomValues(2, cols);
        using HostBuffer xs = HostBuffer.Of(x), scales = HostBuffer.Of(scale), biases = HostBuffer.Of(bias), y = HostBuffer.Uninitialized(x.Length);
        using HostBuffer means = HostBuffer.Uninitialized(rows), inverseDeviations = HostBuffer.Uninitialized(rows);
        HostKernels.Launch(PtxKernels.LayerNorm, grid, block, new CudaKernelArgs.LayerNorm
        {
            X = xs.Address, Y = y.Address, Scale = scales.Address, Bias = biases.Address, Mean = means.Address, InvStdDev = inverseDeviations.Address,
            Rows = rows, Cols = cols, Epsilon = Epsilon,
        });

        double[] expected = new double[x.Length], expectedMeans = new double[rows], expectedInverses = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double[] row = [.. x.Skip(r * cols).Take(cols).Select(v => (double)v)];
            double mean = row.Average();
            double variance = row.Average(v => (v - mean) * (v - mean));
            (expectedMeans[r], expectedInverses[r]) = (mean, 1 / Math.Sqrt(variance + Epsilon));
            for (int j = 0; j < cols; j++)
            {
                expected[(r * cols) + j] = ((row[j] - mean) * expectedInverses[r] * scale[j]) + bias[j];
            }
        }

        KernelOracle.AssertClose(expected, y.ToFloats(), 2e-5, 2e-5, "layer norm");
        KernelOracle.AssertClose(expectedMeans, means.ToFloats(), 2e-6, 2e-6, "layer norm mean");
        KernelOracle.AssertClose(expectedInverses, inverseDeviations.ToFloats(), 2e-6, 2e-6, "layer norm inverse deviation");
    }

    [SkippableFact]
    public void LayerNorm_WithoutBias_ScalesOnly()
    {
        float[] x = [1, 2, 3, 4];
        float[] scale = [1, 1, 2, 2];
        using HostBuffer xs = HostBuffer.Of(x), scales = HostBuffer.Of(scale), y = HostBuffer.Uninitialized(4);
        HostKernels.Launch(PtxKernels.LayerNorm, grid: 1, block: 32, new CudaKernelArgs.LayerNorm
        {
            X = xs.Address, Y = y.Address, Scale = scales.Address, Bias = 0, Rows = 1, Cols = 4, Epsilon = 0,
        });

        double s = Math.Sqrt(1.25); // population standard deviation of 1..4
        KernelOracle.AssertClose([-1.5 / s, -0.5 / s, 1 / s, 3 / s], y.ToFloats(), 1e-6, 1e-6, "layer norm without bias");
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void GlobalAvgPool_IsThePlaneMean(int planes, int planeSize, int grid, int block)
    {
        float[] x = KernelOracle.RandomValues(planes * planeSize, planes * planeSize);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(planes);
        HostKernels.Launch(PtxKernels.GlobalAvgPool, grid, block, new CudaKernelArgs.GlobalAvgPool
        {
            X = xs.Address, Y = y.Address, Planes = planes, PlaneSize = planeSize,
        });

        double[] expected = [.. Enumerable.Range(0, planes).Select(p => x.Skip(p * planeSize).Take(planeSize).Average(v => (double)v))];
        KernelOracle.AssertClose(expected, y.ToFloats(), 1e-6, 1e-5, "global average pool");
    }
}
