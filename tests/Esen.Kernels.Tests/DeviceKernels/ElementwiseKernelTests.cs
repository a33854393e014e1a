using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>Host runs of activation.cu, elementwise.cu and layout.cu against <see cref="KernelOracle"/>.</summary>
public sealed class ElementwiseKernelTests
{
    // Activation codes (EpilogueActivation is internal, so theory data carries its value).
    public static TheoryData<int> Activations() => [.. Enum.GetValues<EpilogueActivation>().Select(a => (int)a)];

    [Fact]
    public void OracleErf_MatchesPublishedValues()
    {
        // Abramowitz & Stegun, Table 7.1 (erf to 10 places).
        Assert.Equal(0.5204998778, KernelOracle.Erf(0.5), 9);
        Assert.Equal(0.8427007929, KernelOracle.Erf(1.0), 9);
        Assert.Equal(0.9953222650, KernelOracle.Erf(2.0), 9);
        Assert.Equal(-0.9999779095, KernelOracle.Erf(-3.0), 9);
        Assert.Equal(0.9999999846, KernelOracle.Erf(4.0), 9);
    }

    [SkippableTheory]
    [MemberData(nameof(Activations))]
    public void BiasActivation_MatchesOracle(int activationCode)
    {
        var activation = (EpilogueActivation)activationCode;
        const int Channels = 7, Inner = 13, Count = 2 * Channels * Inner + 5; // ragged: a partial image at the end
        float[] x = KernelOracle.RandomValues(1000 + (int)activation, Count, -6f, 6f);
        float[] bias = KernelOracle.RandomValues(2000, Channels, -1f, 1f);
        (float alpha, float beta) = activation switch
        {
            EpilogueActivation.Clip => (-0.5f, 1.5f),
            EpilogueActivation.HardSigmoid => (0.2f, 0.5f),
            _ => (0.1f, 0f),
        };

        using HostBuffer xs = HostBuffer.Of(x), biases = HostBuffer.Of(bias), y = HostBuffer.Uninitialized(Count);
        HostKernels.Launch(PtxKernels.BiasActivation, grid: 2, block: 48, new CudaKernelArgs.BiasActivation
        {
            X = xs.Address, Bias = biases.Address, Y = y.Address, Count = Count, Channels = Channels, Inner = Inner,
            Activation = activation, Alpha = alpha, Beta = beta,
        });

        double[] expected = [.. x.Select((v, i) => KernelOracle.Activate((double)v + bias[i / Inner % Channels], activation, alpha, beta))];
        // ex2.approx-based exponentials and the erf fit (|error| ≤ 1.5e-7) are within a few float ulps.
        KernelOracle.AssertClose(expected, y.ToFloats(), 2e-6, 2e-6, $"{activation}");
    }

    [SkippableFact]
    public void BiasActivation_WithoutBias_InPlace_AppliesTheActivationOnly()
    {
        float[] x = KernelOracle.RandomValues(3, 100);
        using HostBuffer data = HostBuffer.Of(x);
        HostKernels.Launch(PtxKernels.BiasActivation, grid: 1, block: 32, new CudaKernelArgs.BiasActivation
        {
            X = data.Address, Bias = 0, Y = data.Address, Count = x.Length, Channels = 1, Inner = 1,
            Activation = EpilogueActivation.Relu,
        });

        KernelOracle.AssertClose([.. x.Select(v => Math.Max(v, 0.0))], data.ToFloats(), 0, 0, "relu in place");
    }

    [SkippableTheory]
    [InlineData((int)EpilogueActivation.Relu, 0f, 0f)]
    [InlineData((int)EpilogueActivation.Clip, -0.5f, 0.5f)]
    [InlineData((int)EpilogueActivation.HardSigmoid, 0.2f, 0.5f)]
    public void BoundedActivations_KeepNaN_AndClipWithCrossedBoundsGivesTheUpper(int activation, float alpha, float beta)
    {
        // ONNX and the CPU executor propagate NaN; fmaxf/fminf would have replaced it by a bound.
        Assert.True(float.IsNaN(RunOne(float.NaN, (EpilogueActivation)activation, alpha, beta)), $"{(EpilogueActivation)activation}(NaN)");
        Assert.Equal(-1f, RunOne(3f, EpilogueActivation.Clip, 1f, -1f));
        Assert.Equal(-1f, RunOne(-3f, EpilogueActivation.Clip, 1f, -1f));
    }

    private static float RunOne(float value, EpilogueActivation activation, float alpha, float beta)
    {
        using HostBuffer data = HostBuffer.Of([value]);
        HostKernels.Launch(PtxKernels.BiasActivation, grid: 1, block: 32, new CudaKernelArgs.BiasActivation
        {
            X = data.Address, Y = data.Address, Count = 1, Channels = 1, Inner = 1, Activation = activation, Alpha = alpha, Beta = beta,
        });
        return data.ToFloats()[0];
    }

    [SkippableTheory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Clip_ReadsItsBoundsOnTheDevice_AndTakesTheDefaultForAnAbsentOne(bool hasMin, bool hasMax)
    {
        float[] x = [.. KernelOracle.RandomValues(70, 100), float.NaN, float.NegativeInfinity, float.PositiveInfinity];
        using HostBuffer xs = HostBuffer.Of(x), min = HostBuffer.Of([-0.75f]), max = HostBuffer.Of([1.5f]), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.Clip, grid: 2, block: 32, new CudaKernelArgs.Clip
        {
            X = xs.Address, Y = y.Address, Count = x.Length, Min = hasMin ? min.Address : 0, Max = hasMax ? max.Address : 0,
            Lo = float.NegativeInfinity, Hi = float.PositiveInfinity,
        });

        var bounds = new FusedActivation(ActivationKind.Clip, hasMin ? -0.75f : float.NegativeInfinity, hasMax ? 1.5f : float.PositiveInfinity);
        Assert.Equal([.. x.Select(v => CpuKernels.Activate(v, bounds))], y.ToFloats());
    }

    [SkippableFact]
    public void Clip_WithCrossedBounds_GivesTheMaximum()
    {
        float[] x = KernelOracle.RandomValues(71, 40);
        using HostBuffer xs = HostBuffer.Of(x), min = HostBuffer.Of([1f]), max = HostBuffer.Of([-1f]), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.Clip, grid: 1, block: 32, new CudaKernelArgs.Clip
        {
            X = xs.Address, Y = y.Address, Count = x.Length, Min = min.Address, Max = max.Address,
        });

        Assert.All(y.ToFloats(), v => Assert.Equal(-1f, v));
    }

    [SkippableFact]
    public void Gelu_OverAWideRange_StaysWithinTheErfFitError()
    {
        float[] x = [.. Enumerable.Range(0, 2401).Select(i => -12f + (i * 0.01f))];
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.BiasActivation, grid: 3, block: 64, new CudaKernelArgs.BiasActivation
        {
            X = xs.Address, Y = y.Address, Count = x.Length, Channels = 1, Inner = 1, Activation = EpilogueActivation.Gelu,
        });

        // 0.5·|x|·(erf error 1.5e-7 + float rounding) plus the rounding of the product.
        float[] actual = y.ToFloats();
        for (int i = 0; i < x.Length; i++)
        {
            double expected = KernelOracle.Activate(x[i], EpilogueActivation.Gelu, 0, 0);
            double bound = (0.5 * Math.Abs(x[i]) * 4e-7) + (2.5e-7 * Math.Abs(expected));
            Assert.True(Math.Abs(actual[i] - expected) <= bound, $"gelu({x[i]}) = {actual[i]:R}, expected {expected:R}");
        }
    }

    [SkippableFact]
    public void Erf_KeepsRelativeAccuracyNearZero_AndTheFitErrorBeyond()
    {
        // A sweep of [−6, 6] and magnitudes down to 1e-30 of both signs, where an absolute bound alone would hide a wrong slope.
        float[] x = [.. Enumerable.Range(0, 2401).Select(i => -6f + (i * 0.005f)), .. Enumerable.Range(1, 30).SelectMany(k => new[] { MathF.Pow(10f, -k), -3f * MathF.Pow(10f, -k) })];
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.BiasActivation, grid: 3, block: 64, new CudaKernelArgs.BiasActivation
        {
            X = xs.Address, Y = y.Address, Count = x.Length, Channels = 1, Inner = 1, Activation = EpilogueActivation.Erf,
        });

        // Below 0.5 the series is exact to float rounding (measured 1.5e-7 relative, 2.5 ulps); beyond, the A&S 7.1.26 fit
        // (1.5e-7) plus the rounding of t, the polynomial and e^(−x²) (measured 2.7e-7, just above 0.5).
        float[] actual = y.ToFloats();
        for (int i = 0; i < x.Length; i++)
        {
            double expected = KernelOracle.Erf(x[i]);
            double bound = Math.Abs(x[i]) < 0.5 ? 3e-7 * Math.Abs(expected) : 4e-7;
            Assert.True(Math.Abs(actual[i] - expected) <= bound, $"erf({x[i]:R}) = {actual[i]:R}, expected {expected:R}");
        }
    }

    public static TheoryData<string, int[], int[]> BinaryCases() => new()
    {
        { "add", [2, 3, 4], [2, 3, 4] },
        { "sub", [2, 3, 4], [4] },
        { "mul", [5, 1, 3], [1, 4, 1] },
        { "div", [3, 1], [2, 1, 3, 1] },
        { "add", [1], [2, 3, 1, 2, 3, 2] },
        { "mul", [2, 1, 3, 1, 2, 5], [1, 4, 1, 3, 1, 5] },
        { "sub", [7, 1, 33], [7, 5, 1] },
    };

    [SkippableTheory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_WithBroadcasting_MatchesOracle(string op, int[] aShape, int[] bShape)
    {
        int[] outShape = KernelOracle.BroadcastShape(aShape, bShape);
        int count = KernelOracle.Product(outShape);
        float[] a = KernelOracle.RandomValues(11, KernelOracle.Product(aShape));
        float[] b = KernelOracle.RandomValues(12, KernelOracle.Product(bShape), 0.5f, 2f); // divisors away from 0
        (PtxKernel<CudaKernelArgs.Binary> kernel, Func<double, double, double> apply) = op switch
        {
            "add" => (PtxKernels.Add, (Func<double, double, double>)((p, q) => p + q)),
            "sub" => (PtxKernels.Sub, (p, q) => p - q),
            "mul" => (PtxKernels.Mul, (p, q) => p * q),
            _ => (PtxKernels.Div, (p, q) => p / q),
        };

        using HostBuffer aBuffer = HostBuffer.Of(a), bBuffer = HostBuffer.Of(b), y = HostBuffer.Uninitialized(count);
        HostKernels.Launch(kernel, grid: 2, block: 40, new CudaKernelArgs.Binary
        {
            A = aBuffer.Address, B = bBuffer.Address, Y = y.Address, Count = count,
            OutDims = Dims6.Shape(outShape),
            AStrides = Dims6.BroadcastStrides(aShape, outShape),
            BStrides = Dims6.BroadcastStrides(bShape, outShape),
        });

        double[] expected = [.. Enumerable.Range(0, count).Select(i =>
        {
            int[] coordinates = KernelOracle.Coordinates(i, outShape);
            return apply(a[KernelOracle.BroadcastIndex(coordinates, aShape)], b[KernelOracle.BroadcastIndex(coordinates, bShape)]);
        })];
        // One correctly rounded float operation per element.
        KernelOracle.AssertClose(expected, y.ToFloats(), 0, 1.2e-7, op);
    }

    [SkippableFact]
    public void CastFloatToInt64_TruncatesTowardZero_SaturatesAndMapsNaNToZero_AsCSharp()
    {
        // C# float → long conversions saturate and take NaN to 0 (since .NET 9), which is the CPU executor's cast.
        float[] x = [.. KernelOracle.RandomValues(60, 200, -1e6f, 1e6f), 2.9f, -2.9f, 0.5f, -0.5f, -0f, 16777217f, 1e19f, -1e19f,
            9.223372e18f, -9.223372e18f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue, float.MinValue];
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(2 * x.Length);
        HostKernels.Launch(PtxKernels.Cast, grid: 2, block: 64, new CudaKernelArgs.Cast { X = xs.Address, Y = y.Address, Count = x.Length, From = DataType.Float32, To = DataType.Int64 });

        Assert.Equal([.. x.Select(v => (long)v)], y.ToInt64s());
    }

    [SkippableFact]
    public void CastInt64ToFloat_RoundsToNearestEven_AsCSharp()
    {
        long[] x = [0, -3, 1 << 24, (1 << 24) + 1, (1 << 24) + 3, (1L << 53) + 1, long.MaxValue, long.MinValue, -(1L << 40) - 1, 123456789];
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(x.Length);
        HostKernels.Launch(PtxKernels.Cast, grid: 1, block: 32, new CudaKernelArgs.Cast { X = xs.Address, Y = y.Address, Count = x.Length, From = DataType.Int64, To = DataType.Float32 });

        Assert.Equal([.. x.Select(v => (float)v)], y.ToFloats());
    }

    [SkippableTheory]
    [InlineData(1, 32)]
    [InlineData(1000, 64)]
    [InlineData(4099, 48)]
    public void Copy_CopiesEveryElement(int count, int block)
    {
        float[] x = KernelOracle.RandomValues(count, count);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(count);
        HostKernels.Launch(PtxKernels.Copy, grid: 3, block, new CudaKernelArgs.Copy { X = xs.Address, Y = y.Address, Count = count });

        Assert.Equal(x, y.ToFloats());
    }

    public static TheoryData<int[], int[]> Transposes() => new()
    {
        { [3, 5], [1, 0] },
        { [2, 3, 4, 5], [0, 2, 3, 1] },
        { [2, 3, 1, 4, 2, 3], [5, 3, 0, 4, 2, 1] },
    };

    [SkippableTheory]
    [MemberData(nameof(Transposes))]
    public void StridedCopy_Transposes(int[] inShape, int[] permutation)
    {
        int[] outShape = [.. permutation.Select(p => inShape[p])];
        int count = KernelOracle.Product(inShape);
        float[] x = KernelOracle.RandomValues(21, count);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(count);
        HostKernels.Launch(PtxKernels.StridedCopy, grid: 2, block: 33, new CudaKernelArgs.StridedCopy
        {
            X = xs.Address, Y = y.Address, Count = count,
            OutDims = Dims6.Shape(outShape), InStrides = Dims6.TransposeStrides(inShape, permutation),
        });

        float[] expected = new float[count];
        for (int i = 0; i < count; i++)
        {
            int[] outCoordinates = KernelOracle.Coordinates(i, outShape);
            int[] inCoordinates = new int[inShape.Length];
            for (int d = 0; d < permutation.Length; d++)
            {
                inCoordinates[permutation[d]] = outCoordinates[d];
            }

            expected[i] = x[KernelOracle.FlatIndex(inCoordinates, inShape)];
        }

        Assert.Equal(expected, y.ToFloats());
    }

    [SkippableFact]
    public void ConcatSlab_OneLaunchPerInput_ConcatenatesAlongAnAxis()
    {
        // Three [2, a_i, 3, 4] tensors along axis 1: outer = 2, slab = a_i·12.
        int[] axisLengths = [1, 4, 2];
        const int Outer = 2, Inner = 12;
        int yRow = axisLengths.Sum() * Inner;
        float[][] inputs = [.. axisLengths.Select((a, i) => KernelOracle.RandomValues(30 + i, Outer * a * Inner))];
        using HostBuffer y = HostBuffer.Uninitialized(Outer * yRow);
        int offset = 0;
        foreach ((float[] input, int axisLength) in inputs.Zip(axisLengths))
        {
            using HostBuffer x = HostBuffer.Of(input);
            HostKernels.Launch(PtxKernels.ConcatSlab, grid: 1, block: 32, new CudaKernelArgs.ConcatSlab
            {
                X = x.Address, Y = y.Address, Outer = Outer, Slab = axisLength * Inner, YRow = yRow, YOffset = offset,
            });
            offset += axisLength * Inner;
        }

        float[] expected = [.. Enumerable.Range(0, Outer).SelectMany(o =>
            inputs.Zip(axisLengths).SelectMany(p => p.First.Skip(o * p.Second * Inner).Take(p.Second * Inner)))];
        Assert.Equal(expected, y.ToFloats());
    }

    [SkippableFact]
    public void Gather_PicksRowsAlongTheAxis_NegativeIndicesFromTheEnd()
    {
        // x [3, 5, 4] gathered along axis 1 by six indices: y [3, 6, 4].
        const int Outer = 3, Axis = 5, Inner = 4;
        long[] indices = [2, -1, 0, -5, 4, 2];
        float[] x = KernelOracle.RandomValues(50, Outer * Axis * Inner);
        using HostBuffer xs = HostBuffer.Of(x), index = HostBuffer.Of(indices), fault = HostBuffer.Of([0]), y = HostBuffer.Uninitialized(Outer * indices.Length * Inner);
        HostKernels.Launch(PtxKernels.Gather, grid: 2, block: 32, new CudaKernelArgs.Gather
        {
            X = xs.Address, Indices = index.Address, Y = y.Address, Outer = Outer, Axis = Axis, Inner = Inner, Count = indices.Length,
            Fault = fault.Address, FaultCode = 9,
        });

        float[] expected = [.. Enumerable.Range(0, Outer).SelectMany(o => indices.SelectMany(j => x.Skip(((o * Axis) + (int)(j < 0 ? j + Axis : j)) * Inner).Take(Inner)))];
        Assert.Equal(expected, y.ToFloats());
        Assert.Equal([0], fault.ToInts());
    }

    [SkippableFact]
    public void Gather_OfInt64Data_MovesBothWordsOfEachElement()
    {
        // int64 x [2, 4] along axis 1: Inner counts 4-byte words, two per element.
        long[] x = [10, -20, 1L << 40, -(1L << 35), 5, 6, 7, long.MinValue];
        long[] indices = [3, -4, 1];
        using HostBuffer xs = HostBuffer.Of(x), index = HostBuffer.Of(indices), fault = HostBuffer.Of([0]), y = HostBuffer.Uninitialized(2 * indices.Length * 2);
        HostKernels.Launch(PtxKernels.Gather, grid: 1, block: 32, new CudaKernelArgs.Gather
        {
            X = xs.Address, Indices = index.Address, Y = y.Address, Outer = 2, Axis = 4, Inner = 2, Count = indices.Length,
            Fault = fault.Address, FaultCode = 9,
        });

        Assert.Equal([-(1L << 35), 10, -20, long.MinValue, 5, 6], y.ToInt64s());
    }

    [SkippableFact]
    public void Gather_IndexOutOfRange_KeepsTheFaultCodeOfAnEarlierStep()
    {
        float[] x = KernelOracle.RandomValues(52, 5);
        using HostBuffer xs = HostBuffer.Of(x), index = HostBuffer.Of([1L, 5]), fault = HostBuffer.Of([4]), y = HostBuffer.Uninitialized(2);
        HostKernels.Launch(PtxKernels.Gather, grid: 1, block: 32, new CudaKernelArgs.Gather
        {
            X = xs.Address, Indices = index.Address, Y = y.Address, Outer = 1, Axis = 5, Inner = 1, Count = 2, Fault = fault.Address, FaultCode = 9,
        });

        Assert.Equal([x[1], 0], y.ToFloats());
        Assert.Equal([4], fault.ToInts());
    }

    [SkippableFact]
    public void Gather_IndexOutOfRange_WritesZerosAndStoresTheFaultCode()
    {
        long[] indices = [1, 5, -6, -5];
        float[] x = KernelOracle.RandomValues(51, 5 * 2);
        using HostBuffer xs = HostBuffer.Of(x), index = HostBuffer.Of(indices), fault = HostBuffer.Of([0]), y = HostBuffer.Uninitialized(indices.Length * 2);
        HostKernels.Launch(PtxKernels.Gather, grid: 1, block: 32, new CudaKernelArgs.Gather
        {
            X = xs.Address, Indices = index.Address, Y = y.Address, Outer = 1, Axis = 5, Inner = 2, Count = indices.Length,
            Fault = fault.Address, FaultCode = 9,
        });

        Assert.Equal([x[2], x[3], 0, 0, 0, 0, x[0], x[1]], y.ToFloats());
        Assert.Equal([9], fault.ToInts());
    }
}
