using Esen.Kernels.Cpu;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.DeviceKernels;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The element types beyond float32 and int64 on the CUDA plan, run on the host-built kernels (<see cref="CudaHostExecutor"/>),
/// with the CPU executor as the oracle: every result equal bit for bit, since both compute in the stored type (integers
/// wrapping, float64 in IEEE double) or, for Clip and MaxPool of int8 and uint8, exactly in float32. What the plan has no
/// kernel for is refused when it is planned, naming the node and the value.
/// </summary>
public sealed class HostLoweredElementTypeTests
{
    public static TheoryData<DataType, string> BinaryCases
    {
        get
        {
            var cases = new TheoryData<DataType, string>();
            foreach (DataType type in PtxKernels.BinaryTypes)
            {
                foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
                {
                    cases.Add(type, op);
                }
            }

            return cases;
        }
    }

    public static TheoryData<DataType> MovedTypes => [.. DataTypes.All];

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_WithBroadcasting_MatchesTheCpuExecutorBitForBit(DataType type, string op)
    {
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261205 + ((int)type * 7) + op.Length);
        Tensor a = RandomTensor(random, type, new TensorShape(3, 1, 5));
        Tensor b = RandomTensor(random, type, new TensorShape(4, 1));
        if (op == "Div" && !DataTypes.IsFloatingPoint(type))
        {
            // Integer division has no quotient for a zero divisor or the minimum / −1 (tested below): divisors of 3 stand in.
            byte[] divisor = b.AsBytes().ToArray();
            int size = DataTypes.SizeOf(type);
            for (int i = 0; i < divisor.Length; i += size)
            {
                Span<byte> element = divisor.AsSpan(i, size);
                if (!element.ContainsAnyExcept((byte)0) || !element.ContainsAnyExcept((byte)0xFF))
                {
                    element.Clear();
                    element[0] = 3;
                }
            }

            divisor.CopyTo(b.AsBytes());
        }

        AssertSameAsCpu(Graph(op, [("a", a), ("b", b)]), new() { ["a"] = a, ["b"] = b });
    }

    [Theory]
    [InlineData(DataType.Int8)]
    [InlineData(DataType.UInt16)]
    [InlineData(DataType.Int64)]
    public void IntegerDiv_ByZero_FailsNamingTheNode(DataType type)
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor a = Tensor.Zeros(type, new TensorShape(4)), b = Tensor.Zeros(type, new TensorShape(4));
        a.AsBytes().Fill(1);
        b.AsBytes()[..DataTypes.SizeOf(type)].Fill(1);
        using var host = new CudaHostExecutor(Graph("Div", [("a", a), ("b", b)]));

        var error = Assert.Throws<GraphException>(() => host.Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }));

        Assert.StartsWith("Div node 'node': integer division by zero", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Float64Add_KeepsWhatFloat32WouldRound()
    {
        // Hand-computed: 0.1 + 0.2 is 0.30000000000000004 in double; 1e300 + 1e300 overflows float32 but not double.
        KernelToolchain.RequireClangPlusPlus();
        Tensor a = Tensor.FromArray(new TensorShape(2), new[] { 0.1, 1e300 }), b = Tensor.FromArray(new TensorShape(2), new[] { 0.2, 1e300 });
        using var host = new CudaHostExecutor(Graph("Add", [("a", a), ("b", b)]));

        Tensor y = host.Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b })["y"];

        Assert.Equal([0.30000000000000004, 2e300], y.Elements<double>());
    }

    [Theory]
    [InlineData(new long[] { 2, 2, 3 }, new long[] { 3, 4 })]
    [InlineData(new long[] { 2, 1, 2, 3 }, new long[] { 3, 3, 4 })]
    [InlineData(new long[] { 5 }, new long[] { 2, 5, 3 })]
    [InlineData(new long[] { 3, 5 }, new long[] { 5 })]
    public void Float64MatMul_WithBroadcastBatches_MatchesTheCpuExecutorBitForBit(long[] aDims, long[] bDims)
    {
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261213 + aDims.Length + bDims.Length);
        Tensor a = RandomTensor(random, DataType.Float64, new TensorShape(aDims)), b = RandomTensor(random, DataType.Float64, new TensorShape(bDims));

        AssertSameAsCpu(Graph("MatMul", [("a", a), ("b", b)]), new() { ["a"] = a, ["b"] = b });
    }

    [Theory]
    [InlineData(false, false, new long[] { 4 })]
    [InlineData(true, false, new long[] { 3, 1 })]
    [InlineData(false, true, new long[] { 3, 4 })]
    [InlineData(true, true, new long[0])]
    public void Float64Gemm_MatchesTheCpuExecutorBitForBit(bool transA, bool transB, long[] cDims)
    {
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261214 + (transA ? 2 : 0) + (transB ? 1 : 0));
        Tensor a = RandomTensor(random, DataType.Float64, transA ? new TensorShape(5, 3) : new TensorShape(3, 5));
        Tensor b = RandomTensor(random, DataType.Float64, transB ? new TensorShape(4, 5) : new TensorShape(5, 4));
        Tensor c = RandomTensor(random, DataType.Float64, new TensorShape(cDims));
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["transA"] = AttributeValue.Int(transA ? 1 : 0), ["transB"] = AttributeValue.Int(transB ? 1 : 0),
            ["alpha"] = AttributeValue.Float(0.75f), ["beta"] = AttributeValue.Float(-1.5f),
        };

        AssertSameAsCpu(Graph("Gemm", [("a", a), ("b", b), ("c", c)], attributes), new() { ["a"] = a, ["b"] = b, ["c"] = c });
    }

    [Theory]
    [InlineData(DataType.Int8, true, true)]
    [InlineData(DataType.Int8, false, true)]
    [InlineData(DataType.UInt8, true, false)]
    [InlineData(DataType.UInt8, false, false)]
    public void Clip_OfInt8AndUInt8_MatchesTheCpuExecutor(DataType type, bool withMin, bool withMax)
    {
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261209 + (int)type);
        Tensor x = RandomTensor(random, type, new TensorShape(3, 4, 5));
        Tensor min = Tensor.Zeros(type, TensorShape.Scalar), max = Tensor.Zeros(type, TensorShape.Scalar);
        min.AsBytes()[0] = 0xF0;
        max.AsBytes()[0] = 0x40;
        (string, Tensor)[] inputs = [("x", x), (withMin ? "min" : string.Empty, min), (withMax ? "max" : string.Empty, max)];

        AssertSameAsCpu(
            Graph("Clip", [.. inputs.Where(i => i.Item1.Length > 0)], inputNames: [.. inputs.Select(i => i.Item1)]),
            inputs.Where(i => i.Item1.Length > 0).ToDictionary(i => i.Item1, i => i.Item2));
    }

    [Theory]
    [InlineData(DataType.Int8)]
    [InlineData(DataType.UInt8)]
    public void MaxPool_OfInt8AndUInt8_WithPadding_MatchesTheCpuExecutor(DataType type)
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = RandomTensor(new Random(20261210 + (int)type), type, new TensorShape(2, 3, 7, 6));
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["kernel_shape"] = AttributeValue.Ints(3, 2), ["strides"] = AttributeValue.Ints(2, 1), ["pads"] = AttributeValue.Ints(1, 0, 1, 1),
        };

        AssertSameAsCpu(Graph("MaxPool", [("x", x)], attributes), new() { ["x"] = x });
    }

    [Fact]
    public void Dropout_WritesABoolMaskOfOnes()
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = RandomTensor(new Random(20261211), DataType.Float32, new TensorShape(3, 5));
        var node = new Node("node", "Dropout", ["x"], ["y", "mask"], new Dictionary<string, AttributeValue>());
        var graph = new LayerGraph(
            "Dropout", [new ValueInfo("x", DataType.Float32, x.Shape)],
            [new ValueInfo("y", DataType.Float32, x.Shape), new ValueInfo("mask", DataType.Bool, x.Shape)], [node], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);
        using var host = new CudaHostExecutor(graph);

        Tensor mask = host.Run(new Dictionary<string, Tensor> { ["x"] = x })["mask"];

        Assert.Equal(DataType.Bool, mask.DataType);
        Assert.All(mask.Elements<bool>(), Assert.True);
    }

    [Theory]
    [MemberData(nameof(MovedTypes))]
    public void TransposeSliceAndIdentity_MoveEveryType(DataType type)
    {
        // 1-, 2-, 4- and 8-byte elements each have their strided copy; Identity of an odd byte count copies bytes.
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261212 + (int)type);
        Tensor x = RandomTensor(random, type, new TensorShape(3, 5, 7));
        var transpose = new Node("transpose", "Transpose", ["x"], ["t"], new Dictionary<string, AttributeValue> { ["perm"] = AttributeValue.Ints(2, 0, 1) });
        var starts = Tensor.FromInt64s(new TensorShape(2), [1, 6]);
        var ends = Tensor.FromInt64s(new TensorShape(2), [3, 0]);
        var axes = Tensor.FromInt64s(new TensorShape(2), [1, 0]);
        var steps = Tensor.FromInt64s(new TensorShape(2), [1, -2]);
        var slice = new Node("slice", "Slice", ["t", "starts", "ends", "axes", "steps"], ["s"], new Dictionary<string, AttributeValue>());
        var identity = new Node("identity", "Identity", ["s"], ["y"], new Dictionary<string, AttributeValue>());
        var graph = new LayerGraph(
            "move", [new ValueInfo("x", type, x.Shape)], [new ValueInfo("y", type, TensorShape.Scalar)], [transpose, slice, identity],
            new Dictionary<string, Tensor> { ["starts"] = starts, ["ends"] = ends, ["axes"] = axes, ["steps"] = steps }, LayerGraph.DefaultOpset);

        AssertSameAsCpu(graph, new() { ["x"] = x });
    }

    [Fact]
    public void CastBetweenFloat32AndFloat64_MatchesTheCpuExecutor()
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = Tensor.FromArray(new TensorShape(6), new[] { 0.1, 1e300, -1e-310, double.NaN, double.NegativeInfinity, 1 + Math.Pow(2, -30) });
        var narrow = new Node("narrow", "Cast", ["x"], ["f"], new Dictionary<string, AttributeValue> { ["to"] = AttributeValue.Int((long)DataType.Float32) });
        var widen = new Node("widen", "Cast", ["f"], ["y"], new Dictionary<string, AttributeValue> { ["to"] = AttributeValue.Int((long)DataType.Float64) });
        var graph = new LayerGraph(
            "cast", [new ValueInfo("x", DataType.Float64, x.Shape)], [new ValueInfo("y", DataType.Float64, x.Shape)], [narrow, widen],
            new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);

        AssertSameAsCpu(graph, new() { ["x"] = x });
    }

    [Fact]
    public void Gather_OfOneByteElements_IsRefusedNamingTheNodeAndValue()
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = Tensor.Zeros(DataType.Int8, new TensorShape(4, 3));
        Tensor indices = Tensor.FromInt64s(new TensorShape(2), [0, 2]);

        var error = Assert.Throws<UnsupportedModelException>(() => RunOnHost(Graph("Gather", [("x", x), ("i", indices)]), new() { ["x"] = x, ["i"] = indices }));

        Assert.Equal("Gather node 'node': 'x' is int8; the CUDA Gather kernel moves elements of 4 or 8 bytes", error.Message);
    }

    [Fact]
    public void CastWithoutAKernel_IsRefusedNamingTheNodeAndTypes()
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = Tensor.Zeros(DataType.Int32, new TensorShape(3));

        var error = Assert.Throws<UnsupportedModelException>(() => RunOnHost(
            Graph("Cast", [("x", x)], new() { ["to"] = AttributeValue.Int((long)DataType.Float32) }), new() { ["x"] = x }));

        Assert.Equal("Cast node 'node': a cast from int32 to float has no CUDA kernel (float32 ↔ int64 and float32 ↔ float64 only)", error.Message);
    }

    [Fact]
    public void Float16Add_IsRefusedNamingTheNodeAndValue()
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor a = Tensor.Zeros(DataType.Float16, new TensorShape(2));

        var error = Assert.Throws<UnsupportedModelException>(() => RunOnHost(Graph("Add", [("a", a), ("b", a)]), new() { ["a"] = a, ["b"] = a }));

        Assert.Equal("Add node 'node': 'y' is float16; the CUDA Add kernels take float32, float64 and the integer types", error.Message);
    }

    // Seeded values over the type's whole range: random bytes for integers and bool (bool as 0 or 1), random doubles of
    // mixed magnitude with a NaN and an infinity for floating point (random bits would make NaN payloads the question).
    private static Tensor RandomTensor(Random random, DataType type, TensorShape shape)
    {
        Tensor tensor = Tensor.Zeros(type, shape);
        switch (type)
        {
            case DataType.Float64:
                double[] doubles = tensor.Elements<double>();
                for (int i = 0; i < doubles.Length; i++)
                {
                    doubles[i] = i == 1 ? double.NaN : i == 2 ? double.PositiveInfinity : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300));
                }

                break;
            case DataType.Float32 or DataType.Float16:
                for (int i = 0; i < shape.ElementCount; i++)
                {
                    tensor.Data.SetValue(type == DataType.Float32 ? (object)(float)(random.NextDouble() - 0.5) : (Half)(random.NextDouble() - 0.5), i);
                }

                break;
            case DataType.Bool:
                bool[] bools = tensor.Elements<bool>();
                for (int i = 0; i < bools.Length; i++)
                {
                    bools[i] = random.Next(2) == 1;
                }

                break;
            default:
                random.NextBytes(tensor.AsBytes());
                break;
        }

        return tensor;
    }

    private static LayerGraph Graph(
        string opType, (string Name, Tensor Value)[] inputs, Dictionary<string, AttributeValue>? attributes = null, string[]? inputNames = null)
    {
        var node = new Node("node", opType, inputNames ?? [.. inputs.Select(i => i.Name)], ["y"], attributes ?? []);
        ValueInfo[] graphInputs = [.. inputs.Select(i => new ValueInfo(i.Name, i.Value.DataType, i.Value.Shape))];
        return new LayerGraph(opType, graphInputs, [new ValueInfo("y", inputs[0].Value.DataType, TensorShape.Scalar)], [node], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);
    }

    private static IReadOnlyDictionary<string, Tensor> RunOnHost(LayerGraph graph, Dictionary<string, Tensor> inputs)
    {
        using var host = new CudaHostExecutor(graph);
        return host.Run(inputs);
    }

    private static void AssertSameAsCpu(LayerGraph graph, Dictionary<string, Tensor> inputs)
    {
        using var cpu = new CpuExecutor(graph);
        IReadOnlyDictionary<string, Tensor> expected = cpu.Run(inputs);
        IReadOnlyDictionary<string, Tensor> actual = RunOnHost(graph, inputs);
        foreach ((string name, Tensor value) in expected)
        {
            Assert.Equal(value.DataType, actual[name].DataType);
            Assert.Equal(value.Shape, actual[name].Shape);
            Assert.Equal(value.AsBytes().ToArray(), actual[name].AsBytes().ToArray());
        }
    }
}
