using System.Runtime.InteropServices;
using Esen.Kernels.Cpu;
using Esen.Kernels.Cpu.Ops;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.DeviceKernels;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The element types beyond float32 and int64 on the CUDA plan, run on the host-built kernels (<see cref="CudaHostExecutor"/>),
/// with the CPU executor as the oracle: every result of arithmetic, casts and data movement equal bit for bit, since both
/// compute in the stored type (integers wrapping, float64 in IEEE double, float16 in float32 rounded back) or convert
/// as .NET does; the float32-only ops on other types as close as their float32 kernels are.
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

    [Theory]
    [InlineData(DataType.Float32, 13)]
    [InlineData(DataType.Float16, 13)]
    [InlineData(DataType.Float32, 10)]
    [InlineData(DataType.Float16, 10)]
    [InlineData(DataType.Float64, 10)]
    public void Dropout_WritesAMaskOfOnes_BoolSinceOpset12AndOfTheInputsTypeBefore(DataType type, int opset)
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = WithEdgeValues(RandomTensor(new Random(20261211 + opset), type, new TensorShape(3, 17)));
        DataType maskType = opset >= 12 ? DataType.Bool : type;
        var node = new Node("node", "Dropout", ["x"], ["y", "mask"], new Dictionary<string, AttributeValue>());
        var graph = new LayerGraph(
            "Dropout", [new ValueInfo("x", type, x.Shape)], [new ValueInfo("y", type, x.Shape), new ValueInfo("mask", maskType, x.Shape)], [node],
            new Dictionary<string, Tensor>(), opset);

        AssertSameAsCpu(graph, new() { ["x"] = x });
        Tensor mask = RunOnHost(graph, new() { ["x"] = x })["mask"];
        Assert.Equal(maskType, mask.DataType);
        Assert.All(CpuOps.Cast(mask, DataType.Float32).Floats, one => Assert.Equal(1f, one));
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

    public static TheoryData<DataType, DataType> CastPairs
    {
        get
        {
            var cases = new TheoryData<DataType, DataType>();
            foreach (DataType from in DataTypes.All)
            {
                foreach (DataType to in DataTypes.All.Where(t => t != from))
                {
                    cases.Add(from, to);
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(CastPairs))]
    public void Cast_BetweenEveryPairOfTypes_MatchesTheCpuExecutorBitForBit(DataType from, DataType to)
    {
        // Edge values of the source type (NaN, infinities, ±0, halfway cases, values beyond the target's range) and seeded
        // random ones; the CPU executor's conversion is .NET's CreateTruncating.
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = WithEdgeValues(RandomTensor(new Random(20261206 + ((int)from * 16) + (int)to), from, new TensorShape(64)));
        var node = new Node("node", "Cast", ["x"], ["y"], new Dictionary<string, AttributeValue> { ["to"] = AttributeValue.Int((long)to) });
        var graph = new LayerGraph(
            "cast", [new ValueInfo("x", from, x.Shape)], [new ValueInfo("y", to, x.Shape)], [node], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);

        AssertSameAsCpu(graph, new() { ["x"] = x });
    }

    [Theory]
    [InlineData(DataType.Float16, DataType.Float32)]
    [InlineData(DataType.Float16, DataType.Float64)]
    [InlineData(DataType.Float32, DataType.Float16)]
    [InlineData(DataType.Float64, DataType.Float16)]
    public void Float16Conversions_OverEveryFloat16AndRandomBits_MatchTheCpuExecutorBitForBit(DataType from, DataType to)
    {
        // Every one of the 65536 float16 bit patterns (NaN payloads and subnormals included); to float16, 65536 seeded
        // random bit patterns (NaNs with payloads among them) and every float16 value and midpoint in the source type.
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261215 + (int)from);
        Tensor x = Tensor.Zeros(from, new TensorShape(from == DataType.Float16 ? 65536 : 3 * 65536));
        switch (from)
        {
            case DataType.Float16:
                Span<ushort> bits = MemoryMarshal.Cast<byte, ushort>(x.AsBytes());
                for (int i = 0; i < bits.Length; i++)
                {
                    bits[i] = (ushort)i;
                }

                break;
            default:
                random.NextBytes(x.AsBytes()[..(DataTypes.SizeOf(from) * 65536)]);
                double[] halves = [.. Enumerable.Range(0, 65536).Select(i => (double)BitConverter.UInt16BitsToHalf((ushort)i))];
                double[] midpoints = [.. halves.Select((h, i) => (h + (double)BitConverter.UInt16BitsToHalf((ushort)(i + 1))) / 2)];
                Tensor values = CpuOps.Cast(Tensor.FromArray(new TensorShape(2 * 65536), [.. halves, .. midpoints]), from);
                values.AsBytes().CopyTo(x.AsBytes()[(DataTypes.SizeOf(from) * 65536)..]);
                break;
        }

        var node = new Node("node", "Cast", ["x"], ["y"], new Dictionary<string, AttributeValue> { ["to"] = AttributeValue.Int((long)to) });
        var graph = new LayerGraph(
            "cast", [new ValueInfo("x", from, x.Shape)], [new ValueInfo("y", to, x.Shape)], [node], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);

        AssertSameAsCpu(graph, new() { ["x"] = x });
    }

    public static TheoryData<DataType, DataType> GatherCases
    {
        get
        {
            var cases = new TheoryData<DataType, DataType>();
            foreach (DataType type in DataTypes.All)
            {
                cases.Add(type, DataType.Int64);
                cases.Add(type, DataType.Int32);
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(GatherCases))]
    public void GatherAndConcat_MoveEveryType_WithInt64AndInt32Indices(DataType type, DataType indexType)
    {
        // Gather along the middle axis with negative indices, then a concat along the last axis of an odd width, so the
        // 1- and 2-byte forms move elements at odd offsets.
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261207 + (int)type + (int)indexType);
        Tensor x = RandomTensor(random, type, new TensorShape(2, 5, 3)), other = RandomTensor(random, type, new TensorShape(2, 4, 5));
        long[] picks = [4, -1, 0, -5];
        Tensor indices = indexType == DataType.Int64
            ? Tensor.FromInt64s(new TensorShape(4), picks)
            : Tensor.FromArray(new TensorShape(4), picks.Select(i => (int)i).ToArray());
        var gather = new Node("gather", "Gather", ["x", "indices"], ["g"], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(1) });
        var concat = new Node("concat", "Concat", ["g", "other"], ["y"], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(-1) });
        var graph = new LayerGraph(
            "move", [new ValueInfo("x", type, x.Shape), new ValueInfo("indices", indexType, indices.Shape), new ValueInfo("other", type, other.Shape)],
            [new ValueInfo("y", type, TensorShape.Scalar)], [gather, concat], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);

        AssertSameAsCpu(graph, new() { ["x"] = x, ["indices"] = indices, ["other"] = other });
    }

    [Fact]
    public void Gather_WithAnInt32IndexOutOfRange_FailsNamingTheNode()
    {
        KernelToolchain.RequireClangPlusPlus();
        Tensor x = Tensor.Zeros(DataType.Int8, new TensorShape(4, 3));
        Tensor indices = Tensor.FromArray(new TensorShape(2), new[] { 0, 4 });
        using var host = new CudaHostExecutor(Graph("Gather", [("x", x), ("i", indices)]));

        var error = Assert.Throws<GraphException>(() => host.Run(new Dictionary<string, Tensor> { ["x"] = x, ["i"] = indices }));

        Assert.StartsWith("Gather node 'node': an index is out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Float16Arithmetic_RoundsTheFloat32Result_AndOverflowsToInfinity()
    {
        // Hand-computed: 60000 + 10000 = 70000 is beyond float16 (65504); 1 + 2^-11 is halfway between 1 and 1 + 2^-10 and
        // rounds to the even 1; 1 / 3 rounds to 0.33325 (0x3555); 0 / 0 is NaN.
        KernelToolchain.RequireClangPlusPlus();
        Tensor a = Tensor.FromArray(new TensorShape(4), new[] { (Half)60000, (Half)1, (Half)1, (Half)0 });
        Tensor b = Tensor.FromArray(new TensorShape(4), new[] { (Half)10000, (Half)Math.Pow(2, -11), (Half)3, (Half)0 });
        Tensor sum = RunOnHost(Graph("Add", [("a", a), ("b", b)]), new() { ["a"] = a, ["b"] = b })["y"];
        Tensor quotient = RunOnHost(Graph("Div", [("a", a), ("b", b)]), new() { ["a"] = a, ["b"] = b })["y"];

        Assert.Equal([Half.PositiveInfinity, (Half)1], sum.Elements<Half>()[..2]);
        Assert.Equal((ushort)0x3555, BitConverter.HalfToUInt16Bits(quotient.Elements<Half>()[2]));
        Assert.True(Half.IsNaN(quotient.Elements<Half>()[3]));
    }

    public static TheoryData<string, DataType> Float32OnlyCases
    {
        get
        {
            var cases = new TheoryData<string, DataType>();
            foreach (DataType type in new[] { DataType.Float16, DataType.Float64 })
            {
                foreach (string op in new[]
                {
                    "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "Erf", "Clip", "Softmax", "MaxPool", "AveragePool", "GlobalAveragePool",
                    "BatchNormalization", "LayerNormalization", "Conv", "MatMul", "Gemm",
                })
                {
                    // float64 MatMul and Gemm have double kernels of their own (above).
                    if (!(type == DataType.Float64 && op is "MatMul" or "Gemm"))
                    {
                        cases.Add(op, type);
                    }
                }
            }

            cases.Add("Relu", DataType.Int8);
            cases.Add("Relu", DataType.UInt8);
            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Float32OnlyCases))]
    public void Float32OnlyOps_OnOtherTypes_RunInFloat32AsTheCpuExecutor(string op, DataType type)
    {
        // Both executors convert the inputs to float32, run the float32 kernel and convert the outputs back, so they differ
        // only where their float32 kernels do (exp2, summation order): a float16 result by at most one unit in its last
        // place, a float64 one as float32 results do. Relu only selects, so it is equal bit for bit.
        KernelToolchain.RequireClangPlusPlus();
        var random = new Random(20261208 + op.Length + ((int)type * 31));
        TensorShape shape = op is "Gemm" or "MatMul" ? new TensorShape(4, 6) : new TensorShape(2, 3, 5, 4);
        Tensor x = Moderate(random, type, shape, withNaNAndInfinity: true);
        (string Name, Tensor Value)[] inputs = [("x", x)];
        var attributes = new Dictionary<string, AttributeValue>();
        switch (op)
        {
            case "Clip":
                inputs = [.. inputs, ("min", Tensor.FromArray(type, TensorShape.Scalar, Cast(type, -0.5))), ("max", Tensor.FromArray(type, TensorShape.Scalar, Cast(type, 1.25)))];
                break;
            case "MaxPool" or "AveragePool":
                attributes["kernel_shape"] = AttributeValue.Ints(3, 2);
                attributes["pads"] = AttributeValue.Ints(1, 0, 1, 1);
                break;
            case "BatchNormalization":
                inputs = [.. inputs, .. new[] { "scale", "bias", "mean", "var" }.Select(n => (n, Positive(Moderate(random, type, new TensorShape(3)), type)))];
                break;
            case "LayerNormalization":
                inputs = [.. inputs, ("scale", Moderate(random, type, new TensorShape(4))), ("bias", Moderate(random, type, new TensorShape(5, 4)))];
                attributes["axis"] = AttributeValue.Int(-2);
                break;
            case "Conv":
                inputs = [.. inputs, ("w", Moderate(random, type, new TensorShape(2, 3, 3, 3))), ("b", Moderate(random, type, new TensorShape(2)))];
                attributes["pads"] = AttributeValue.Ints(1, 1, 1, 1);
                break;
            case "MatMul":
                inputs = [.. inputs, ("b", Moderate(random, type, new TensorShape(6, 3)))];
                break;
            case "Gemm":
                inputs = [.. inputs, ("b", Moderate(random, type, new TensorShape(3, 6))), ("c", Moderate(random, type, new TensorShape(3)))];
                attributes["transB"] = AttributeValue.Int(1);
                break;
        }

        LayerGraph graph = Graph(op, inputs, attributes);
        Dictionary<string, Tensor> feeds = inputs.ToDictionary(i => i.Name, i => i.Value);
        if (op == "Relu")
        {
            AssertSameAsCpu(graph, feeds);
            return;
        }

        using var cpu = new CpuExecutor(graph);
        Tensor expected = cpu.Run(feeds)["y"], actual = RunOnHost(graph, feeds)["y"];
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Shape, actual.Shape);
        double[] e = CpuOps.Cast(expected, DataType.Float64).Elements<double>(), a = CpuOps.Cast(actual, DataType.Float64).Elements<double>();
        double relative = type == DataType.Float16 ? 1e-3 : 1e-5;
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(
                e[i].Equals(a[i]) || Math.Abs(e[i] - a[i]) <= 1e-6 + (relative * Math.Abs(e[i])),
                $"{op} of {DataTypes.Name(type)}, element {i}: CPU {e[i]}, CUDA plan {a[i]}");
        }
    }

    private static Array Cast(DataType type, double value) =>
        type == DataType.Float16 ? new[] { (Half)value } : new[] { value };

    // Seeded values in ±2 of a floating-point type (and −100 to 100 of int8, 0 to 200 of uint8), with a NaN and +∞ when asked for.
    private static Tensor Moderate(Random random, DataType type, TensorShape shape, bool withNaNAndInfinity = false)
    {
        double[] values = [.. Enumerable.Range(0, (int)shape.ElementCount).Select(_ => DataTypes.IsFloatingPoint(type) ? (random.NextDouble() * 4) - 2 : random.Next(100) * (type == DataType.Int8 ? random.Next(-1, 2) : 2))];
        if (withNaNAndInfinity && DataTypes.IsFloatingPoint(type))
        {
            (values[1], values[2]) = (double.NaN, double.PositiveInfinity);
        }

        return CpuOps.Cast(Tensor.FromArray(shape, values), type);
    }

    // |x| + 0.5, for BatchNormalization's variance and friends.
    private static Tensor Positive(Tensor tensor, DataType type) =>
        CpuOps.Cast(Tensor.FromArray(tensor.Shape, CpuOps.Cast(tensor, DataType.Float64).Elements<double>().Select(v => double.IsFinite(v) ? Math.Abs(v) + 0.5 : 1).ToArray()), type);

    // The first elements of x replaced by its type's edge values: for floating point NaN (both signs), ±∞, ±0, halfway
    // cases of every rounding (to integers, to float16 from float32 and float64, float16 subnormals) and values beyond
    // every integer type's range; for integers the extremes, −1, 0 and 1 (whose wrap and saturation differ); for bool
    // both values.
    private static Tensor WithEdgeValues(Tensor x)
    {
        double[] floats =
        [
            double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 127.9, -128.9, 255.5,
            256, -129, 32767.5, -32769, 65504, 65519, 65520, 65536, 1e10, -1e10, 3e9, 4.3e9, 9.3e18, -9.3e18, 1.9e19, 2049, 2051, 4097,
            1 + Math.Pow(2, -11) + Math.Pow(2, -40), 1 + Math.Pow(2, -11), 6.1e-5, 5.96e-8, 2.98e-8, 3e-8, 1e-10, 1e300, -1e-310, 0.1,
            16777217, -16777217, Math.Pow(2, 53) + 1,
        ];
        switch (x.DataType)
        {
            case DataType.Float64:
                floats.CopyTo(x.Elements<double>(), 0);
                break;
            case DataType.Float32:
                floats.Select(v => (float)v).ToArray().CopyTo(x.Elements<float>(), 0);
                break;
            case DataType.Float16:
                floats.Select(v => (Half)v).ToArray().CopyTo(x.Elements<Half>(), 0);
                break;
            case DataType.Bool:
                x.Elements<bool>()[0] = true;
                x.Elements<bool>()[1] = false;
                break;
            default:
                int size = DataTypes.SizeOf(x.DataType);
                Span<byte> bytes = x.AsBytes();
                bytes[..(5 * size)].Clear();
                bytes[..size].Fill(0xFF);                     // −1, or the unsigned maximum
                bytes[(2 * size) - 1] = 0x80;                 // the signed minimum
                bytes.Slice(2 * size, size).Fill(0xFF);
                bytes[(3 * size) - 1] = 0x7F;                 // the signed maximum
                bytes[4 * size] = 1;                          // 1 (element 3 stays 0)
                break;
        }

        return x;
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
            case DataType.Float32:
                for (int i = 0; i < shape.ElementCount; i++)
                {
                    tensor.Data.SetValue((float)(random.NextDouble() - 0.5), i);
                }

                break;
            case DataType.Float16:
                // Mostly within ±0.5, with some of float16's extremes (overflowing sums and products, subnormals) and ±0.
                Half[] halves = tensor.Elements<Half>();
                Half[] extremes = [(Half)60000, (Half)(-50000), (Half)6e-8, (Half)(-1e-6), Half.NegativeZero];
                for (int i = 0; i < halves.Length; i++)
                {
                    halves[i] = i % 7 == 3 ? extremes[random.Next(extremes.Length)] : (Half)(random.NextDouble() - 0.5);
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
