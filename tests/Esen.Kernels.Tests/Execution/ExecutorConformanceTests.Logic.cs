using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// Each comparison on each numeric type, [2,3,4] against [3,1] (both broadcast), against a brute-force comparison in
    /// double: small integers so that equal pairs occur, and NaN in the floating-point inputs (it compares false).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(ConformanceData.ComparisonCases), MemberType = typeof(ConformanceData))]
    public void Comparison_MatchesBruteForce(string op, DataType type)
    {
        var random = new Random(HashCode.Combine(op.Length, (int)type, 31));
        double[] a = [.. Enumerable.Range(0, 24).Select(_ => (double)random.Next(0, 4))], b = [.. Enumerable.Range(0, 3).Select(_ => (double)random.Next(0, 4))];
        if (DataTypes.IsFloatingPoint(type))
        {
            a[5] = double.NaN;
            b[2] = double.NaN;
        }

        Tensor y = RunNode(op, [("a", Typed(type, [2, 3, 4], a)), ("b", Typed(type, [3, 1], b))])["y"];
        Assert.Equal(DataType.Bool, y.DataType);
        Assert.Equal(new TensorShape(2, 3, 4), y.Shape);
        bool[] expected = [.. Enumerable.Range(0, 24).Select(i => Compare(op, a[i], b[i / 4 % 3]))];
        Assert.Equal(expected, y.Elements<bool>());
    }

    /// <summary>Equal of bools, And, Or and Not, broadcast, against their truth tables.</summary>
    [SkippableFact]
    public void BoolLogic_MatchesTruthTables()
    {
        var random = new Random(32);
        bool[] a = [.. Enumerable.Range(0, 12).Select(_ => random.Next(2) == 1)], b = [true, false, true, false];
        Tensor ta = Tensor.FromArray(new TensorShape(3, 4), a), tb = Tensor.FromArray(new TensorShape(4), b);
        foreach ((string op, Func<bool, bool, bool> f) in new (string, Func<bool, bool, bool>)[] { ("Equal", (p, q) => p == q), ("And", (p, q) => p && q), ("Or", (p, q) => p || q) })
        {
            Tensor y = RunNode(op, [("a", ta), ("b", tb)])["y"];
            Assert.Equal(a.Select((v, i) => f(v, b[i % 4])), y.Elements<bool>());
        }

        Assert.Equal(a.Select(v => !v), RunNode("Not", [("a", ta)])["y"].Elements<bool>());
    }

    /// <summary>Where on elements of 1, 2, 4 and 8 bytes, the condition, x and y broadcast together.</summary>
    [SkippableTheory]
    [InlineData(DataType.Bool)]
    [InlineData(DataType.Float16)]
    [InlineData(DataType.Float32)]
    [InlineData(DataType.Int64)]
    public void Where_BroadcastsAllThree(DataType type)
    {
        var random = new Random(33);
        bool[] condition = [.. Enumerable.Range(0, 4).Select(i => i % 3 != 1)];
        double[] x = [.. Enumerable.Range(0, 3).Select(_ => (double)random.Next(0, 2))], other = [.. Enumerable.Range(0, 2).Select(_ => (double)random.Next(2, 9))];
        Tensor y = RunNode("Where", [
            ("c", Tensor.FromArray(new TensorShape(4), condition)), ("x", Typed(type, [3, 1], x)), ("o", Typed(type, [2, 1, 1], other))])["y"];
        Assert.Equal(new TensorShape(2, 3, 4), y.Shape);
        Tensor expected = Typed(type, [2, 3, 4], [.. Enumerable.Range(0, 24).Select(i => condition[i % 4] ? x[i / 4 % 3] : other[i / 12])]);
        Assert.Equal(expected.Data, y.Data);
    }

    private static bool Compare(string op, double a, double b) => op switch
    {
        "Equal" => a == b,
        "Greater" => a > b,
        "GreaterOrEqual" => a >= b,
        "Less" => a < b,
        _ => a <= b,
    };

    // Values (small integers or NaN) in the given type; bool holds v != 0.
    private static Tensor Typed(DataType type, long[] dims, double[] values) => type == DataType.Bool
        ? Tensor.FromArray(new TensorShape(dims), values.Select(v => v != 0).ToArray())
        : Tensor.FromArray(type, new TensorShape(dims), type switch
        {
            DataType.Float16 => values.Select(v => (Half)v).ToArray(),
            DataType.Float32 => values.Select(v => (float)v).ToArray(),
            DataType.Float64 => values,
            DataType.Int8 => values.Select(v => (sbyte)v).ToArray(),
            DataType.UInt8 => values.Select(v => (byte)v).ToArray(),
            DataType.Int16 => values.Select(v => (short)v).ToArray(),
            DataType.UInt16 => values.Select(v => (ushort)v).ToArray(),
            DataType.Int32 => values.Select(v => (int)v).ToArray(),
            DataType.UInt32 => values.Select(v => (uint)v).ToArray(),
            DataType.Int64 => values.Select(v => (long)v).ToArray(),
            _ => (Array)values.Select(v => (ulong)v).ToArray(),
        });
}
