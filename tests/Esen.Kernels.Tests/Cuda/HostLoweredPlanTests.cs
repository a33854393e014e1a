using Esen.Kernels.Cpu;
using Esen.Kernels.Cpu.Ops;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Tests.Conformance;
using Esen.Kernels.Tests.DeviceKernels;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The strongest check available without a GPU: the lowered CUDA plan executed on the host
/// (<see cref="CudaHostExecutor"/>: the kernels built from the same .cu sources, cuBLAS and cuDNN replaced
/// by their documented definitions) must give the CPU executor's outputs, on both convolution paths.
/// </summary>
public class HostLoweredPlanTests
{
    [SkippableTheory]
    [MemberData(nameof(CudaLoweringTests.GraphNames), MemberType = typeof(CudaLoweringTests))]
    public void LoweredPlan_OnTheHost_MatchesTheCpuExecutor(string name)
    {
        LayerGraph graph = CudaLoweringTests.Graph(name);
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        AssertMatchesCpu(graph, inputs, name, new CudaExecutorOptions { Optimize = false, UseCudnn = false });
        AssertMatchesCpu(graph, inputs, name, new CudaExecutorOptions { Optimize = false });
    }

    [SkippableTheory]
    [InlineData("mnist-cntk", false, false)]
    [InlineData("cifar10-cnn", false, false)]
    [InlineData("iris-mlp", false, false)]
    [InlineData("mnist-cntk", true, false)]
    [InlineData("cifar10-cnn", true, false)]
    [InlineData("iris-mlp", true, false)]
    [InlineData("mnist-cntk", true, true)]
    [InlineData("cifar10-cnn", true, true)]
    public void LoweredPlan_OfARealModel_MatchesTheCpuExecutor(string folder, bool optimize, bool cudnn) =>
        AssertModelMatchesCpu(folder, new CudaExecutorOptions { Optimize = optimize, UseCudnn = cudnn });

    [SkippableTheory]
    [MemberData(nameof(CudaLoweringTests.GraphNames), MemberType = typeof(CudaLoweringTests))]
    public void LoweredPlan_OfTheRewrittenGraph_MatchesTheCpuExecutor(string name)
    {
        // What CudaExecutor plans by default: BatchNorm folded, activations in the Conv/Gemm epilogues.
        LayerGraph graph = CudaLoweringTests.Graph(name);
        AssertMatchesCpu(graph, CudaTestGraphs.Inputs(graph), name, new CudaExecutorOptions());
    }

    [SkippableFact]
    public void GatherIndexOutOfRange_AtRunTime_FailsNamingTheNode_AsOnTheCpu()
    {
        // The token table has 7 rows: 7 and −8 are outside [−7, 7).
        LayerGraph graph = CudaTestGraphs.Embedding();
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        inputs["ids"] = Tensor.FromInt64s(new TensorShape(2, 40), [.. Enumerable.Range(0, 78).Select(i => (long)(i % 7)), 7, -8]);
        KernelToolchain.RequireClangPlusPlus();
        using var host = new CudaHostExecutor(graph, new CudaExecutorOptions { Optimize = false });
        var error = Assert.Throws<GraphException>(() => host.Run(inputs));
        Assert.StartsWith("Gather node 'tokens': an index is out of range for a dimension of 7", error.Message, StringComparison.Ordinal);

        using var cpu = new CpuExecutor(graph);
        Assert.StartsWith("Gather node 'tokens': index 7", Assert.Throws<GraphException>(() => cpu.Run(inputs)).Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Int64DivisionByZero_AtRunTime_FailsNamingTheNode_AsOnTheCpu()
    {
        // An id of −3 makes the divisor ids + 3 of 'quotient' zero; the other quotient's divisors stay in [−13, −1].
        LayerGraph graph = CudaTestGraphs.ShapeArithmetic();
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        long[] ids = [.. inputs["ids"].Int64s];
        ids[57] = -3;
        inputs["ids"] = Tensor.FromInt64s(new TensorShape(2, 40), ids);
        const string Expected = "Div node 'quotient': integer division by zero, or of the type's minimum (−2⁶³ for int64) by −1";
        Assert.StartsWith(Expected, Assert.Throws<GraphException>(() => LoweredPlanHarness.Run(graph, inputs)).Message, StringComparison.Ordinal);

        using var cpu = new CpuExecutor(graph);
        Assert.Equal(Expected, Assert.Throws<GraphException>(() => cpu.Run(inputs)).Message);
    }

    [SkippableFact]
    public void TwoFaultingNodes_TheFirstInStreamOrderIsNamed_AsOnTheCpu()
    {
        // ids / ids meets the zero ids; ids / (ids − ids) divides by zero everywhere, later in the stream.
        var g = new GraphBuilder("two_faults");
        string ids = g.Input("ids", DataType.Int64, new TensorShape(2, 40));
        g.Output(g.Div(ids, ids, name: "first"));
        g.Output(g.Div(ids, g.Sub(ids, ids, name: "zeros"), name: "second"));
        LayerGraph graph = g.Build();
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        Assert.Contains(0L, inputs["ids"].Int64s);

        Assert.StartsWith("Div node 'first':", Assert.Throws<GraphException>(() => LoweredPlanHarness.Run(graph, inputs)).Message, StringComparison.Ordinal);
        using var cpu = new CpuExecutor(graph);
        Assert.StartsWith("Div node 'first':", Assert.Throws<GraphException>(() => cpu.Run(inputs)).Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(new long[] { 4, -1, 3 }, new long[] { 3, -4 })]
    [InlineData(new long[] { 0, 12, 1 }, new long[] { -1 })]
    public void SmallInt64Inputs_SpecialiseThePlan_AsOnTheCpu(long[] shape, long[] indices)
    {
        // A Reshape's shape and a Gather's indices given as graph inputs: the plan is made for their values.
        var graph = new LayerGraph(
            "int64_inputs",
            [new ValueInfo("x", DataType.Float32, new TensorShape(2, 3, 4)), new ValueInfo("shape", DataType.Int64, new TensorShape(3)),
             new ValueInfo("i", DataType.Int64, new TensorShape(indices.Length))],
            [new ValueInfo("y", DataType.Float32, TensorShape.Scalar), new ValueInfo("z", DataType.Float32, TensorShape.Scalar)],
            [new Node("reshape", "Reshape", ["x", "shape"], ["r"]), new Node("relu", "Relu", ["r"], ["y"]),
             new Node("gather", "Gather", ["x", "i"], ["z"], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(2) })],
            new Dictionary<string, Tensor>(),
            LayerGraph.DefaultOpset);
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.SeededRandom(new TensorShape(2, 3, 4), 71, 1f), ["shape"] = Tensor.Vector(shape), ["i"] = Tensor.Vector(indices),
        };
        AssertMatchesCpu(graph, inputs, $"shape [{string.Join(',', shape)}]", new CudaExecutorOptions { Optimize = false });
    }

    // About 80 s on the host (one thread per CUDA thread, a naive GEMM): a sweep, not needed for the small-model checks above.
    [SkippableFact]
    [Trait("Category", "Slow")]
    public void LoweredPlan_OfSqueezeNet_MatchesTheCpuExecutor() => AssertModelMatchesCpu("squeezenet1.1-fp32", new CudaExecutorOptions { Optimize = false, UseCudnn = false });

    // SqueezeNet 1.1 exported in float16 (every weight, input and output): each float32-only op runs on float32 copies
    // on both executors, so they differ by their float32 kernels' rounding carried through float16 results (as ONNX
    // Runtime and the CPU executor do, docs/graph.md: a few float16 units in the last place). Twenty-six layers of
    // that drift move the top class of the test image by a few percent: 0.2559 on ONNX Runtime 1.32.0, 0.2551 on
    // the CPU executor, 0.2612 on this plan (2026-12-06), hence rtol 3e-2.
    [SkippableFact]
    [Trait("Category", "Slow")]
    public void LoweredPlan_OfFloat16SqueezeNet_MatchesTheCpuExecutor()
    {
        KernelToolchain.RequireClangPlusPlus();
        string directory = Requires.SharedDirectory("models/squeezenet1.1-fp32");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "original-SqueezeNet_fp16.onnx"));
        Tensor image = OnnxTestCase.ReadTensors(new OnnxTestCase(directory).DataSets.First(), "input")[0];
        var inputs = new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = CpuOps.Cast(image, DataType.Float16) };
        using var host = new CudaHostExecutor(graph);
        IReadOnlyDictionary<string, Tensor> actual = host.Run(inputs);
        using var cpu = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });
        IReadOnlyDictionary<string, Tensor> expected = cpu.Run(inputs);
        foreach (ValueInfo output in graph.Outputs)
        {
            Assert.Equal(DataType.Float16, actual[output.Name].DataType);
            TensorAssert.Close(
                CpuOps.Cast(expected[output.Name], DataType.Float32), CpuOps.Cast(actual[output.Name], DataType.Float32), rtol: 3e-2, atol: 1e-3, $"float16 SqueezeNet output '{output.Name}'");
        }
    }

    private static void AssertModelMatchesCpu(string folder, CudaExecutorOptions options)
    {
        string directory = Requires.SharedDirectory($"models/{folder}");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        IReadOnlyList<Tensor> data = OnnxTestCase.ReadTensors(new OnnxTestCase(directory).DataSets.First(), "input");
        AssertMatchesCpu(graph, graph.Inputs.Select((v, i) => KeyValuePair.Create(v.Name, data[i])).ToDictionary(), folder, options);
    }

    private static void AssertMatchesCpu(LayerGraph graph, Dictionary<string, Tensor> inputs, string what, CudaExecutorOptions options)
    {
        KernelToolchain.RequireClangPlusPlus();
        using var host = new CudaHostExecutor(graph, options);
        IReadOnlyDictionary<string, Tensor> actual = host.Run(inputs);
        using var cpu = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });
        IReadOnlyDictionary<string, Tensor> expected = cpu.Run(inputs);
        foreach (ValueInfo output in graph.Outputs)
        {
            TensorAssert.Close(expected[output.Name], actual[output.Name], rtol: 1e-4, atol: 1e-5, $"{what} ({(options.UseCudnn ? "cuDNN" : "im2col")}) output '{output.Name}'");
        }
    }
}
