using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

/// <summary>Creates the executor under test; one per executor kind (CPU now, CUDA later).</summary>
public interface IExecutorFixture
{
    /// <summary>A fresh executor for <paramref name="graph"/>.</summary>
    IExecutor Create(LayerGraph graph);

    /// <summary>Skips the calling test when the device is absent (the CPU is always present).</summary>
    void RequireDevice();

    /// <summary>
    /// The ops the executor refuses at plan time, naming the node: the CUDA plan's If on a condition computed at run time,
    /// and LSTM.
    /// </summary>
    IReadOnlySet<string> RefusedOps => new HashSet<string>();
}

/// <summary>
/// The op-by-op conformance suite every executor passes: each op on seeded random inputs, sizes
/// around the SIMD widths (1, 7, 8, 9, 15, 16, 17, 33), against <see cref="Reference"/>.
/// Subclass once per executor with its fixture.
/// </summary>
public abstract partial class ExecutorConformanceTests<TFixture> : IClassFixture<TFixture>
    where TFixture : class, IExecutorFixture
{
    protected const double Rtol = 1e-4;
    protected const double Atol = 1e-5;

    protected ExecutorConformanceTests(TFixture fixture)
    {
        Fixture = fixture;
    }

    protected TFixture Fixture { get; }

    /// <summary>Runs a one-node graph: every input is a graph input unless listed in <paramref name="initializers"/>.</summary>
    protected IReadOnlyDictionary<string, Tensor> RunNode(
        string opType, (string Name, Tensor Value)[] inputs, Dictionary<string, AttributeValue>? attributes = null,
        string[]? outputs = null, int opset = LayerGraph.DefaultOpset, string[]? initializers = null)
    {
        Fixture.RequireDevice();
        initializers ??= [];
        outputs ??= ["y"];
        var node = new Node("node", opType, inputs.Select(i => i.Name).ToArray(), outputs, attributes ?? []);
        var graphInputs = inputs.Where(i => i.Name.Length > 0 && !initializers.Contains(i.Name))
            .Select(i => new ValueInfo(i.Name, i.Value.DataType, i.Value.Shape)).ToArray();
        var constants = inputs.Where(i => initializers.Contains(i.Name)).ToDictionary(i => i.Name, i => i.Value);
        var graph = new LayerGraph(
            opType, graphInputs, outputs.Where(o => o.Length > 0).Select(o => new ValueInfo(o, DataType.Float32, TensorShape.Scalar)).ToArray(),
            [node], constants, opset);
        using IExecutor executor = Fixture.Create(graph);
        return executor.Run(inputs.Where(i => graphInputs.Any(g => g.Name == i.Name)).ToDictionary(i => i.Name, i => i.Value));
    }

    protected static Tensor F(long[] dims, float[] data) => Tensor.FromFloats(new TensorShape(dims), data);

    protected static Tensor RandomTensor(int seed, params long[] dims) =>
        F(dims, Reference.Random(new Random(seed), dims.Aggregate(1L, (p, d) => p * d)));

    protected static void Close(float[] expected, Tensor actual, string what, double rtol = Rtol, double atol = Atol) =>
        TensorAssert.Close(expected, actual.Floats, rtol, atol, what);
}

/// <summary>Theory data of the conformance suite (kept off the generic class).</summary>
public static class ConformanceData
{
    public static TheoryData<int> SimdLengths => [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65];

    /// <summary>Each comparison op with each numeric element type.</summary>
    public static TheoryData<string, DataType> ComparisonCases()
    {
        var data = new TheoryData<string, DataType>();
        DataType[] types =
        [
            DataType.Float16, DataType.Float32, DataType.Float64, DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16,
            DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64,
        ];
        foreach (string op in new[] { "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual" })
        {
            foreach (DataType type in types)
            {
                data.Add(op, type);
            }
        }

        return data;
    }

    public static TheoryData<string, long[], long[]> BroadcastCases()
    {
        var data = new TheoryData<string, long[], long[]>();
        foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            foreach (int n in new[] { 1, 7, 8, 9, 17, 33 })
            {
                data.Add(op, [3, n], [3, n]);
                data.Add(op, [2, 3, n], [n]);
                data.Add(op, [2, 1, n], [3, 1]);
                data.Add(op, [], [2, n]);
                data.Add(op, [n, 1, 4], [1, 5, 1]);
            }
        }

        return data;
    }
}
