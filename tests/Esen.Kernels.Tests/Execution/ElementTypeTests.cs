using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

/// <summary>
/// The element types beyond float32 and int64 on the CPU executor: Cast between every pair against C#'s own explicit
/// conversions, which are ONNX Cast's rules (https://onnx.ai/onnx/operators/onnx__Cast.html: floating point to integer
/// truncates toward zero, integer to integer keeps the low bits, anything to bool is "not zero"), and integer
/// arithmetic that wraps and truncates like C#.
/// </summary>
public class ElementTypeTests
{
    public static TheoryData<DataType, DataType> TypePairs
    {
        get
        {
            var pairs = new TheoryData<DataType, DataType>();
            foreach (DataType from in DataTypes.All)
            {
                foreach (DataType to in DataTypes.All)
                {
                    pairs.Add(from, to);
                }
            }

            return pairs;
        }
    }

    [Theory]
    [MemberData(nameof(TypePairs))]
    public void Cast_BetweenEveryPair_MatchesCSharpConversions(DataType from, DataType to)
    {
        var random = new Random(20261205 + ((int)from * 31) + (int)to);
        object[] source = SourceValues(random, from, to, 200);
        Tensor x = ToTensor(from, source);

        Tensor y = Run("Cast", [("x", x)], new() { ["to"] = AttributeValue.Int((long)to) })["y"];

        Assert.Equal(to, y.DataType);
        object[] expected = source.Select(v => v switch
        {
            _ when IsFloatingPoint(from) => FromDouble(to, AsDouble(v)),
            ulong u when IsFloatingPoint(to) => FromUInt64(to, u),
            _ => FromLong(to, AsLong(v)),
        }).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Equals(expected[i], y.Data.GetValue(i)), $"{DataTypes.Name(from)} {source[i]} → {DataTypes.Name(to)}: expected {expected[i]}, got {y.Data.GetValue(i)}");
        }
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void Int32Binary_WrapsAndTruncatesTowardZero_LikeCSharp(string op)
    {
        var random = new Random(20261206);
        int[] a = [int.MinValue, int.MaxValue, -7, 7, .. Enumerable.Range(0, 95).Select(i => i % 2 == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(-50, 51))];
        int[] b = [2, -2, -2, 2, -1, .. Enumerable.Range(0, 28).Select(i => i % 3 == 0 ? random.Next(int.MinValue, int.MaxValue) | 1 : random.Next(1, 9) * (i % 2 == 0 ? 1 : -1))];
        Func<int, int, int> f = op switch
        {
            "Add" => (p, q) => unchecked(p + q),
            "Sub" => (p, q) => unchecked(p - q),
            "Mul" => (p, q) => unchecked(p * q),
            _ => (p, q) => p / q,
        };

        Tensor y = Run(op, [("a", Tensor.FromArray(new TensorShape(3, 33), a)), ("b", Tensor.FromArray(new TensorShape(33), b))])["y"];

        Assert.Equal(DataType.Int32, y.DataType);
        Assert.Equal([.. a.Select((v, i) => f(v, b[i % 33]))], y.Elements<int>());
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    public void Float64Binary_IsDoublePrecision_LikeCSharp(string op)
    {
        // Values float32 cannot hold (0.1, 1/3, 1e300, 1e-310) and results it would round: each must come out as C#'s double
        // arithmetic gives it, bit for bit (IEEE 754 double, round to nearest).
        var random = new Random(20261207);
        double[] a = [0.1, 1.0 / 3, 1e300, -1e-310, 1 + Math.Pow(2, -52), .. Enumerable.Range(0, 19).Select(_ => (random.NextDouble() - 0.5) * 1e6)];
        double[] b = [0.2, 3, 10, 2, 1, double.NaN, double.PositiveInfinity, -0.0, .. Enumerable.Range(0, 4).Select(_ => random.NextDouble() - 0.5)];
        Func<double, double, double> f = op switch
        {
            "Add" => (p, q) => p + q,
            "Sub" => (p, q) => p - q,
            "Mul" => (p, q) => p * q,
            _ => (p, q) => p / q,
        };

        Tensor y = Run(op, [("a", Tensor.FromArray(new TensorShape(2, 12), a)), ("b", Tensor.FromArray(new TensorShape(12), b))])["y"];

        Assert.Equal(DataType.Float64, y.DataType);
        Assert.Equal([.. a.Select((v, i) => f(v, b[i % 12]))], y.Elements<double>());
    }

    [Fact]
    public void Float64Add_KeepsWhatFloat32WouldRound()
    {
        // Hand-computed: 0.1 + 0.2 is 0.30000000000000004 in double; 1e300 · 10 overflows float32 but not double.
        Tensor sum = Run("Add", [("a", Tensor.FromArray(new TensorShape(2), new[] { 0.1, 1e300 })), ("b", Tensor.FromArray(new TensorShape(2), new[] { 0.2, 1e300 }))])["y"];
        Assert.Equal([0.30000000000000004, 2e300], sum.Elements<double>());
    }

    [Theory]
    [InlineData(new long[] { 2, 2, 3 }, new long[] { 3, 4 })]
    [InlineData(new long[] { 2, 2, 3 }, new long[] { 2, 3, 4 })]
    [InlineData(new long[] { 1, 3 }, new long[] { 2, 3, 4 })]
    public void Float64MatMul_IsDoublePrecision_LikeABruteForceSum(long[] aDims, long[] bDims)
    {
        // Terms 1 + 2⁻⁴⁰ apart: float32 would round every one of them to 1.
        var random = new Random(20261208);
        double[] Values(long count) => [.. Enumerable.Range(0, (int)count).Select(i => i % 3 == 0 ? 1 + Math.Pow(2, -40) : random.NextDouble() - 0.5)];
        var aShape = new TensorShape(aDims);
        var bShape = new TensorShape(bDims);
        double[] a = Values(aShape.ElementCount), b = Values(bShape.ElementCount);

        Tensor y = Run("MatMul", [("a", Tensor.FromArray(aShape, a)), ("b", Tensor.FromArray(bShape, b))])["y"];

        // ONNX MatMul is numpy.matmul: the leading dimensions broadcast, each pair of matrices multiplies.
        int m = (int)aDims[^2], k = (int)aDims[^1], n = (int)bDims[^1];
        int batches = (int)(y.ElementCount / (m * n));
        int aMatrices = a.Length / (m * k), bMatrices = b.Length / (k * n);
        var expected = new double[y.ElementCount];
        for (int batch = 0; batch < batches; batch++)
        {
            int aBase = batch % aMatrices * m * k, bBase = batch % bMatrices * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                    {
                        sum += a[aBase + (i * k) + p] * b[bBase + (p * n) + j];
                    }

                    expected[(batch * m * n) + (i * n) + j] = sum;
                }
            }
        }

        Assert.Equal(DataType.Float64, y.DataType);
        Assert.Equal(expected, y.Elements<double>());
    }

    [Theory]
    [InlineData(false, false, new long[] { 4 })]
    [InlineData(true, false, new long[] { 3, 1 })]
    [InlineData(false, true, new long[] { 3, 4 })]
    [InlineData(true, true, new long[0])]
    public void Float64Gemm_IsDoublePrecision_LikeABruteForceSum(bool transA, bool transB, long[] cDims)
    {
        // Y = alpha · A' · B' + beta · C (ONNX Gemm), C broadcast to (M, N); terms float32 cannot hold.
        const int m = 3, k = 5, n = 4;
        const float alpha = 0.75f, beta = -1.5f;
        var random = new Random(20261209);
        double[] Values(int count) => [.. Enumerable.Range(0, count).Select(i => i % 2 == 0 ? 1 + Math.Pow(2, -40) : random.NextDouble() - 0.5)];
        double[] a = Values(m * k), b = Values(k * n), c = Values((int)new TensorShape(cDims).ElementCount);
        double A(int i, int p) => transA ? a[(p * m) + i] : a[(i * k) + p];
        double B(int p, int j) => transB ? b[(j * k) + p] : b[(p * n) + j];
        double C(int i, int j) => cDims.Length switch
        {
            0 => c[0],
            1 => c[j],
            _ => c[(cDims[0] == 1 ? 0 : i * (int)cDims[1]) + (cDims[1] == 1 ? 0 : j)],
        };

        Tensor y = Run(
            "Gemm",
            [
                ("a", Tensor.FromArray(transA ? new TensorShape(k, m) : new TensorShape(m, k), a)),
                ("b", Tensor.FromArray(transB ? new TensorShape(n, k) : new TensorShape(k, n), b)),
                ("c", Tensor.FromArray(new TensorShape(cDims), c)),
            ],
            new() { ["transA"] = AttributeValue.Int(transA ? 1 : 0), ["transB"] = AttributeValue.Int(transB ? 1 : 0), ["alpha"] = AttributeValue.Float(alpha), ["beta"] = AttributeValue.Float(beta) })["y"];

        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += A(i, p) * B(p, j);
                }

                expected[(i * n) + j] = (alpha * sum) + (beta * C(i, j));
            }
        }

        Assert.Equal(DataType.Float64, y.DataType);
        Assert.Equal(expected, y.Elements<double>());
    }

    [Fact]
    public void Int32Div_ByZero_FailsNamingTheNode()
    {
        var error = Assert.Throws<GraphException>(() => Run("Div", [("a", Tensor.FromArray(new TensorShape(3), new[] { 1, 2, 3 })), ("b", Tensor.FromArray(new TensorShape(3), new[] { 1, 0, 1 }))]));
        Assert.StartsWith("Div node 'node': integer division by zero", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int32Indices_GatherAndSlice_LikeInt64Ones()
    {
        float[] data = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        var x = Tensor.FromFloats(new TensorShape(4, 6), data);
        Tensor gathered = Run("Gather", [("x", x), ("i", Tensor.FromArray(new TensorShape(2), new[] { 3, -4 }))])["y"];
        Assert.Equal([.. data[18..24], .. data[0..6]], gathered.Floats);

        Tensor sliced = Run("Slice", [("x", x), ("s", Tensor.FromArray(new TensorShape(1), new[] { 1 })), ("e", Tensor.FromArray(new TensorShape(1), new[] { 5 })), ("a", Tensor.FromArray(new TensorShape(1), new[] { 1 })), ("p", Tensor.FromArray(new TensorShape(1), new[] { 2 }))], initializers: ["s", "e", "a", "p"])["y"];
        Assert.Equal(new TensorShape(4, 2), sliced.Shape);
        Assert.Equal([1f, 3f, 7f, 9f, 13f, 15f, 19f, 21f], sliced.Floats);
    }

    /// <summary>
    /// A float-only op that is not the graph's last node: its float32 conversion must take the run's slots, which include
    /// those of the nodes planned after it (float16 SqueezeNet failed here with an array-length error).
    /// </summary>
    [Fact]
    public void Float16_FloatOnlyOpsInSequence_RoundEachResultToFloat16()
    {
        Half[] x = [.. Enumerable.Range(-6, 12).Select(i => (Half)(i * 0.7f))];
        var shape = new TensorShape(x.Length);
        var graph = new LayerGraph(
            "float16 chain", [new ValueInfo("x", DataType.Float16, shape)], [new ValueInfo("z", DataType.Float16, shape)],
            [new Node("sigmoid", "Sigmoid", ["x"], ["y"], new Dictionary<string, AttributeValue>()), new Node("tanh", "Tanh", ["y"], ["z"], new Dictionary<string, AttributeValue>())], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);
        using var executor = new CpuExecutor(graph);

        Tensor z = executor.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(shape, x) })["z"];

        Half[] expected = [.. x.Select(v => (Half)MathF.Tanh((float)(Half)(1f / (1f + MathF.Exp(-(float)v)))))];
        Assert.Equal(expected, z.Elements<Half>());
    }

    private static IReadOnlyDictionary<string, Tensor> Run(
        string opType, (string Name, Tensor Value)[] inputs, Dictionary<string, AttributeValue>? attributes = null, string[]? initializers = null)
    {
        initializers ??= [];
        var node = new Node("node", opType, inputs.Select(i => i.Name).ToArray(), ["y"], attributes ?? []);
        var graphInputs = inputs.Where(i => !initializers.Contains(i.Name)).Select(i => new ValueInfo(i.Name, i.Value.DataType, i.Value.Shape)).ToArray();
        var constants = inputs.Where(i => initializers.Contains(i.Name)).ToDictionary(i => i.Name, i => i.Value);
        var graph = new LayerGraph(opType, graphInputs, [new ValueInfo("y", DataType.Float32, TensorShape.Scalar)], [node], constants, LayerGraph.DefaultOpset);
        using var executor = new CpuExecutor(graph);
        return executor.Run(inputs.Where(i => !initializers.Contains(i.Name)).ToDictionary(i => i.Name, i => i.Value));
    }

    private static bool IsFloatingPoint(DataType type) => type is DataType.Float32 or DataType.Float16 or DataType.Float64;

    /// <summary>
    /// Seeded values of <paramref name="from"/>: integers over their whole range (to show the wrap); floating-point values
    /// inside <paramref name="to"/>'s range when it is an integer type (ONNX leaves out-of-range results undefined), with
    /// NaN, infinities and signed zeros otherwise.
    /// </summary>
    private static object[] SourceValues(Random random, DataType from, DataType to, int count)
    {
        if (!IsFloatingPoint(from))
        {
            (long min, long max) = from switch
            {
                DataType.Int32 => ((long)int.MinValue, (long)int.MaxValue),
                DataType.Bool => (0L, 1L),
                DataType.UInt8 => (byte.MinValue, byte.MaxValue),
                DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
                DataType.Int16 => (short.MinValue, short.MaxValue),
                DataType.UInt16 => (ushort.MinValue, ushort.MaxValue),
                DataType.UInt32 => (uint.MinValue, uint.MaxValue),
                _ => (long.MinValue, long.MaxValue),
            };
            return [FromLong(from, min), FromLong(from, max), FromLong(from, 0), .. Enumerable.Range(0, count).Select(i => FromLong(from, i % 2 == 0 ? random.NextInt64(min, max) : Math.Clamp(random.NextInt64(-300, 301), min, max)))];
        }

        double limit = Math.Min(
            to switch
            {
                DataType.Int32 => 3e9 / 2,
                DataType.Int64 => 9e18,
                DataType.UInt8 => 255,
                DataType.Int8 => 127,
                DataType.Int16 => short.MaxValue,
                DataType.UInt16 => ushort.MaxValue,
                DataType.UInt32 => uint.MaxValue,
                DataType.UInt64 => 1.8e19,
                _ => 1e30,
            },
            IsFloatingPoint(to) || to == DataType.Bool || from != DataType.Float16 ? double.MaxValue : 65504);
        double[] specials = IsFloatingPoint(to) || to == DataType.Bool ? [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 1e-8, 1e300] : [];
        double[] values =
        [
            0, 0.5, -0.5, 1.5, -1.5, 2.999, .. specials,
            .. Enumerable.Range(0, count).Select(i => ((random.NextDouble() * 2) - 1) * (i % 2 == 0 ? limit : Math.Min(limit, 300))),
        ];
        return [.. values.Select(v => FromDouble(from, IsUnsigned(to) ? Math.Abs(v) : v))];
    }

    private static Tensor ToTensor(DataType type, object[] values)
    {
        var data = Array.CreateInstance(DataTypes.ClrType(type), values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            data.SetValue(values[i], i);
        }

        return Tensor.FromArray(type, new TensorShape(values.Length), data);
    }

    // C#'s explicit conversions: unchecked integer casts keep the low bits, floating-point to integer truncates.
    // Each arm is boxed as its own type (a switch expression would otherwise convert them all to one common type).
    private static object FromLong(DataType to, long v) => to switch
    {
        DataType.Float32 => (object)(float)v,
        DataType.Int32 => (object)unchecked((int)v),
        DataType.Int64 => (object)v,
        DataType.Bool => (object)(v != 0),
        DataType.Float16 => (object)(Half)v,
        DataType.UInt8 => (object)unchecked((byte)v),
        DataType.Int8 => (object)unchecked((sbyte)v),
        DataType.Float64 => (object)(double)v,
        DataType.Int16 => (object)unchecked((short)v),
        DataType.UInt16 => (object)unchecked((ushort)v),
        DataType.UInt32 => (object)unchecked((uint)v),
        DataType.UInt64 => (object)unchecked((ulong)v),
        _ => throw new ArgumentOutOfRangeException(nameof(to)),
    };

    private static object FromDouble(DataType to, double v) => to switch
    {
        DataType.Float32 => (object)(float)v,
        DataType.Int32 => (object)(int)v,
        DataType.Int64 => (object)(long)v,
        DataType.Bool => (object)(v != 0),
        DataType.Float16 => (object)(Half)v,
        DataType.UInt8 => (object)(byte)v,
        DataType.Int8 => (object)(sbyte)v,
        DataType.Float64 => (object)v,
        DataType.Int16 => (object)(short)v,
        DataType.UInt16 => (object)(ushort)v,
        DataType.UInt32 => (object)(uint)v,
        DataType.UInt64 => (object)(ulong)v,
        _ => throw new ArgumentOutOfRangeException(nameof(to)),
    };

    // The unsigned 64-bit values above long.MaxValue convert to floating point as themselves, not as their two's complement.
    private static object FromUInt64(DataType to, ulong v) => to switch
    {
        DataType.Float32 => (object)(float)v,
        DataType.Float16 => (object)(Half)v,
        DataType.Float64 => (object)(double)v,
        _ => throw new ArgumentOutOfRangeException(nameof(to)),
    };

    private static bool IsUnsigned(DataType type) => type is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;

    private static long AsLong(object value) => value switch
    {
        int i => i,
        long l => l,
        bool b => b ? 1 : 0,
        byte b => b,
        sbyte b => b,
        short h => h,
        ushort h => h,
        uint u => u,
        ulong u => unchecked((long)u),
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    private static double AsDouble(object value) => value switch
    {
        float f => f,
        Half h => (double)h,
        double d => d,
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };
}
