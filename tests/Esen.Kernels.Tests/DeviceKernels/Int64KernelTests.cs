using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// Host runs of the int64 kernels of elementwise.cu and layout.cu against C#'s own int64 arithmetic: unchecked sums,
/// differences and products wrap in two's complement, and integer division truncates toward zero (C# spec, §12.10.3),
/// which is what the CPU executor computes.
/// </summary>
public sealed class Int64KernelTests
{
    private const int FaultCode = 7;

    public static TheoryData<string, int[], int[]> BinaryCases() => new()
    {
        { "add", [2, 3, 4], [2, 3, 4] },
        { "sub", [2, 3, 4], [4] },
        { "mul", [5, 1, 3], [1, 4, 1] },
        { "div", [3, 1], [2, 1, 3, 1] },
        { "add", [1], [2, 3, 1, 2, 3, 2] },
        { "mul", [2, 1, 3, 1, 2, 5], [1, 4, 1, 3, 1, 5] },
        { "div", [7, 1, 33], [7, 5, 1] },
    };

    [SkippableTheory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_WithBroadcasting_MatchesCSharp(string op, int[] aShape, int[] bShape)
    {
        // Full-range values overflow on nearly every sum and product; small ones of both signs make truncation visible.
        long[] a = Values(40 + aShape.Length, KernelOracle.Product(aShape));
        long[] b = [.. Values(50 + bShape.Length, KernelOracle.Product(bShape)).Select(v => v == 0 ? 3 : v)];
        int[] outShape = KernelOracle.BroadcastShape(aShape, bShape);
        long[] expected = [.. Enumerable.Range(0, KernelOracle.Product(outShape)).Select(i =>
        {
            int[] coordinates = KernelOracle.Coordinates(i, outShape);
            return Apply(op, a[KernelOracle.BroadcastIndex(coordinates, aShape)], b[KernelOracle.BroadcastIndex(coordinates, bShape)]);
        })];

        (long[] actual, int fault) = Run(op, a, aShape, b, bShape);

        Assert.Equal(expected, actual);
        Assert.Equal(0, fault);
    }

    [SkippableTheory]
    [InlineData("add", long.MaxValue, 1L, long.MinValue)]
    [InlineData("add", long.MinValue, -1L, long.MaxValue)]
    [InlineData("sub", long.MinValue, 1L, long.MaxValue)]
    [InlineData("sub", 0L, long.MinValue, long.MinValue)]
    [InlineData("mul", long.MaxValue, 2L, -2L)]
    [InlineData("mul", long.MinValue, -1L, long.MinValue)]
    [InlineData("mul", 1L << 32, 1L << 32, 0L)]
    [InlineData("div", -7L, 2L, -3L)]
    [InlineData("div", 7L, -2L, -3L)]
    [InlineData("div", -7L, -2L, 3L)]
    [InlineData("div", -1L, 2L, 0L)]
    [InlineData("div", long.MinValue, 1L, long.MinValue)]
    [InlineData("div", long.MinValue, 2L, -(1L << 62))]
    [InlineData("div", long.MaxValue, -1L, -long.MaxValue)]
    public void Binary_WrapsInTwosComplement_AndDivisionTruncatesTowardZero(string op, long a, long b, long expected)
    {
        Assert.Equal(expected, Apply(op, a, b)); // the oracle itself
        (long[] actual, int fault) = Run(op, [a], [1], [b], [1]);

        Assert.Equal([expected], actual);
        Assert.Equal(0, fault);
    }

    [SkippableTheory]
    [InlineData(5L, 0L)]
    [InlineData(0L, 0L)]
    [InlineData(long.MinValue, -1L)]
    public void Div_WithoutAnInt64Quotient_WritesZeroAndStoresTheFaultCode_TheOtherElementsStillDivide(long a, long b)
    {
        // [4] / [4]: the pair without a quotient sits between ordinary ones.
        long[] x = [9, a, -9, long.MinValue], y = [2, b, 2, -2];
        (long[] actual, int fault) = Run("div", x, [4], y, [4]);

        Assert.Equal([4, 0, -4, 1L << 62], actual);
        Assert.Equal(FaultCode, fault);
    }

    [SkippableFact]
    public void Div_ByMinusOne_FaultsOnlyWhereItMeetsTheMinimum()
    {
        // −1 broadcast over a row that holds −2⁶³ once: only that element faults.
        (long[] actual, int fault) = Run("div", [3, long.MinValue, long.MaxValue], [3], [-1], [1]);

        Assert.Equal([-3, 0, -long.MaxValue], actual);
        Assert.Equal(FaultCode, fault);
    }

    [SkippableFact]
    public void Div_KeepsTheFaultCodeOfAnEarlierStep()
    {
        // An earlier launch in the stream stored 3: the node it names is the first to fail, as on the CPU.
        (long[] actual, int fault) = Run("div", [4, 5], [2], [2, 0], [2], earlierFault: 3);

        Assert.Equal([2, 0], actual);
        Assert.Equal(3, fault);
    }

    public static TheoryData<int[], int[]> Transposes() => new()
    {
        { [3, 5], [1, 0] },
        { [2, 3, 4, 5], [0, 2, 3, 1] },
        { [2, 3, 1, 4, 2, 3], [5, 3, 0, 4, 2, 1] },
    };

    [SkippableTheory]
    [MemberData(nameof(Transposes))]
    public void StridedCopyInt64_TransposesWholeValues(int[] inShape, int[] permutation)
    {
        int[] outShape = [.. permutation.Select(p => inShape[p])];
        int count = KernelOracle.Product(inShape);
        long[] x = Values(60, count);
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(2 * count);
        HostKernels.Launch(PtxKernels.StridedCopyInt64, grid: 2, block: 33, new CudaKernelArgs.StridedCopy
        {
            X = xs.Address, Y = y.Address, Count = count, OutDims = Dims6.Shape(outShape), InStrides = Dims6.TransposeStrides(inShape, permutation),
        });

        long[] expected = [.. Enumerable.Range(0, count).Select(i =>
        {
            int[] outCoordinates = KernelOracle.Coordinates(i, outShape);
            int[] inCoordinates = new int[inShape.Length];
            for (int d = 0; d < permutation.Length; d++)
            {
                inCoordinates[permutation[d]] = outCoordinates[d];
            }

            return x[KernelOracle.FlatIndex(inCoordinates, inShape)];
        })];
        Assert.Equal(expected, y.ToInt64s());
    }

    [SkippableFact]
    public void StridedCopyInt64_WithANegativeStride_ReversesAnAxis()
    {
        // x [2, 4] read backwards along axis 1 from its last column, as a Slice with step −1 lowers.
        long[] x = [1, long.MinValue, 3, 1L << 40, -5, 6, long.MaxValue, -8];
        using HostBuffer xs = HostBuffer.Of(x), y = HostBuffer.Uninitialized(2 * x.Length);
        HostKernels.Launch(PtxKernels.StridedCopyInt64, grid: 1, block: 32, new CudaKernelArgs.StridedCopy
        {
            X = xs.Address + (3 * sizeof(long)), Y = y.Address, Count = x.Length, OutDims = Dims6.Shape([2, 4]), InStrides = Dims6.Shape([4, -1]),
        });

        Assert.Equal([1L << 40, 3, long.MinValue, 1, -8, long.MaxValue, 6, -5], y.ToInt64s());
    }

    private static (long[] Y, int Fault) Run(string op, long[] a, int[] aShape, long[] b, int[] bShape, int earlierFault = 0)
    {
        int[] outShape = KernelOracle.BroadcastShape(aShape, bShape);
        int count = KernelOracle.Product(outShape);
        using HostBuffer aBuffer = HostBuffer.Of(a), bBuffer = HostBuffer.Of(b), y = HostBuffer.Uninitialized(2 * count), fault = HostBuffer.Of([earlierFault]);
        var args = new CudaKernelArgs.Binary
        {
            A = aBuffer.Address, B = bBuffer.Address, Y = y.Address, Count = count, OutDims = Dims6.Shape(outShape),
            AStrides = Dims6.BroadcastStrides(aShape, outShape), BStrides = Dims6.BroadcastStrides(bShape, outShape),
        };
        if (op == "div")
        {
            HostKernels.Launch(PtxKernels.IntegerDiv(DataType.Int64), grid: 2, block: 40, new CudaKernelArgs.IntegerDiv
            {
                A = args.A, B = args.B, Y = args.Y, Count = args.Count, OutDims = args.OutDims, AStrides = args.AStrides, BStrides = args.BStrides,
                Fault = fault.Address, FaultCode = FaultCode,
            });
        }
        else
        {
            HostKernels.Launch(PtxKernels.Binary(op switch { "add" => "Add", "sub" => "Sub", _ => "Mul" }, DataType.Int64), grid: 2, block: 40, args);
        }

        return (y.ToInt64s(), fault.ToInts()[0]);
    }

    private static long Apply(string op, long a, long b) => op switch
    {
        "add" => unchecked(a + b),
        "sub" => unchecked(a - b),
        "mul" => unchecked(a * b),
        _ => a / b,
    };

    // Every other value spans the whole int64 range; the rest are small, of both signs.
    private static long[] Values(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => i % 2 == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.NextInt64(-20, 21))];
    }
}
