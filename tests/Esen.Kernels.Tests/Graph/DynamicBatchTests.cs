using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Zoo;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Graph;

/// <summary>
/// <see cref="LayerGraph.WithDynamicBatch"/>: a graph exported for batch 1 run at other batches. The
/// oracle is the original graph run once per sample: row i of a batched run must equal the batch-1 run
/// of sample i.
/// </summary>
public class DynamicBatchTests
{
    private const double Rtol = 1e-4, Atol = 1e-5;

    [SkippableFact]
    public void SqueezeNet_Batch3_MatchesThreeBatch1Runs()
    {
        string directory = Requires.SharedDirectory("models/squeezenet1.1-fp32");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        Assert.Equal(new TensorShape(1, 3, 224, 224), graph.Inputs[0].Shape);
        AssertRowsMatchSingleRuns(graph, batch: 3, seed: 20261122);
    }

    [Fact]
    public void FlattenAndReshapeWithZeroOrMinusOne_FollowTheBatch()
    {
        var b = new GraphBuilder("follows");
        string x = b.Input("x", 1, 2, 4, 4);
        string conv = b.Relu(b.Conv(x, 3, kernel: 3, pad: 1));
        string flat = b.Flatten(conv);
        string copied = b.Reshape(b.Reshape(flat, [0, 3, -1]), [0, -1]);
        b.Output(b.Softmax(b.Gemm(b.Add(flat, copied), 5)));
        AssertRowsMatchSingleRuns(b.Build(), batch: 4, seed: 7);
    }

    [Fact]
    public void ShapeGatherConcatReshape_UsesTheBoundBatch()
    {
        // The exported pattern x.view(x.size(0), -1): shape arithmetic that inference evaluates at the bound batch.
        var b = new GraphBuilder("shape-chain");
        string x = b.Input("x", 1, 2, 3, 3);
        string conv = b.Conv(x, 4, kernel: 3, pad: 1);
        string batch = b.Gather(b.Op("Shape", [conv]), b.Ints("first", 0));
        string shape = b.Concat(0, [batch, b.Ints("rest", -1)]);
        b.Output(b.Gemm(b.Op("Reshape", [conv, shape], name: "view"), 6));
        AssertRowsMatchSingleRuns(b.Build(), batch: 3, seed: 11);
    }

    [Theory]
    [InlineData(new long[] { 1, -1 })]
    [InlineData(new long[] { -1 })]
    public void ReshapeFoldingTheBatchAway_FailsAtPlanningNamingTheNode(long[] target)
    {
        // At batch 3, [1,-1] gives [1,144] and the softmax would mix samples; Esen refuses instead.
        var b = new GraphBuilder("hard-coded");
        string x = b.Input("x", 1, 3, 4, 4);
        b.Output(b.Softmax(b.Reshape(x, target, name: "to_row")));
        LayerGraph graph = b.Build().WithDynamicBatch();
        using var executor = new CpuExecutor(graph);
        var e = Assert.Throws<GraphException>(() => executor.Run(Inputs(graph, 3, seed: 1)));
        Assert.Contains("Reshape node 'to_row'", e.Message, StringComparison.Ordinal);
        Assert.Contains("output 'to_row'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'to_row.shape' = [{string.Join(',', target)}]", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch 3", e.Message, StringComparison.Ordinal);
        Assert.Single(executor.Run(Inputs(graph, 1, seed: 1)));
    }

    [Fact]
    public void ReshapeToFixedBatchShape_FailsNamingNodeAndConstant()
    {
        // MNIST's pattern: Reshape to [1,256] (no -1) cannot hold 3 samples.
        var b = new GraphBuilder("fixed");
        string x = b.Input("x", 1, 16, 4, 4);
        b.Output(b.Gemm(b.Reshape(x, [1, 256], name: "flatten"), 10));
        LayerGraph graph = b.Build().WithDynamicBatch();
        var e = Assert.Throws<GraphException>(() => ShapeInference.Infer(graph, batch: 3));
        Assert.Contains("Reshape node 'flatten'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'flatten.shape' = [1,256]", e.Message, StringComparison.Ordinal);
        Assert.Contains("at batch 3; the graph was exported for batch 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GatherOfSampleZero_FailsInsteadOfReturningOneRow()
    {
        // x[0] in an export at batch 1: at batch 3 it would silently answer for the first sample only.
        var b = new GraphBuilder("first-sample");
        string x = b.Input("x", 1, 4);
        b.Output(b.Relu(b.Gather(x, b.Ints("zero", 0), name: "first")));
        LayerGraph graph = b.Build().WithDynamicBatch();
        var e = Assert.Throws<GraphException>(() => ShapeInference.Infer(graph, batch: 3));
        Assert.StartsWith("Gather node 'first': input 'x' [3,4] carries the batch, but output 'first' [1,4] does not depend on it", e.Message, StringComparison.Ordinal);
        Assert.Contains("'zero' = [0]", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Mnist_Batch8_RefusedLikeOnnxRuntime()
    {
        string directory = Requires.SharedDirectory("models/mnist-cntk");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "model.onnx")).WithDynamicBatch();
        var e = Assert.Throws<GraphException>(() => ShapeInference.Infer(graph, batch: 8));
        Assert.Contains("Reshape node", e.Message, StringComparison.Ordinal);
        Assert.Contains("= [1,256]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithDynamicBatch_ChangesOnlyFixedLeadingDimensions()
    {
        var b = new GraphBuilder("mixed");
        string x = b.Input("x", 1, 4);
        string scale = b.Input("scale", 4);
        b.Output(b.Mul(x, scale));
        LayerGraph graph = b.Build();
        LayerGraph dynamic = graph.WithDynamicBatch();

        Assert.Null(graph.ExportedBatch);
        Assert.Equal(1, dynamic.ExportedBatch);
        Assert.Equal(new TensorShape(TensorShape.Dynamic, 4), dynamic.Inputs[0].Shape);
        Assert.Equal(new TensorShape(4), dynamic.Inputs[1].Shape);
        Assert.Equal(new TensorShape(TensorShape.Dynamic, 4), dynamic.Outputs[0].Shape);
        Assert.Same(dynamic, dynamic.WithDynamicBatch());
        Assert.Equal(1, GraphRewrites.Optimize(dynamic).ExportedBatch);
        Assert.Equal(new TensorShape(5, 4), ShapeInference.Infer(dynamic, batch: 5)[dynamic.Outputs[0].Name].Shape);
    }

    [Fact]
    public void ForBatch_ConvertsOnlyWhenTheDeclaredBatchDiffers()
    {
        var b = new GraphBuilder("declared");
        b.Output(b.Relu(b.Input("x", 2, 4)));
        LayerGraph graph = b.Build();
        Assert.Same(graph, graph.ForBatch(2));
        LayerGraph dynamic = graph.ForBatch(5);
        Assert.Equal(2, dynamic.ExportedBatch);
        Assert.Same(dynamic, dynamic.ForBatch(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.ForBatch(0));
    }

    [Fact]
    public void Analyze_AtABatchTheFileDoesNotTake_RefusedRatherThanIgnored()
    {
        var b = new GraphBuilder("fixed");
        b.Output(b.Relu(b.Input("x", 1, 4)));
        LayerGraph graph = b.Build();
        var e = Assert.Throws<GraphException>(() => GraphCostAnalyzer.Analyze(graph, batch: 8));
        Assert.Contains("graph input 'x' [1,4] fixes the batch at 1, not 8", e.Message, StringComparison.Ordinal);
        Assert.Equal(8 * GraphCostAnalyzer.Analyze(graph).Flops, GraphCostAnalyzer.Analyze(graph.ForBatch(8), batch: 8).Flops);
    }

    [Fact]
    public void WithDynamicBatch_DifferentFixedLeadingDimensions_Refused()
    {
        var b = new GraphBuilder("ambiguous");
        string x = b.Input("x", 1, 4);
        string y = b.Input("y", 2, 4);
        b.Output(b.Add(x, y));
        var e = Assert.Throws<GraphException>(() => b.Build().WithDynamicBatch());
        Assert.Contains("'x' [1,4] and 'y' [2,4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZooModels_AlreadyDynamic_AreReturnedUnchanged()
    {
        foreach (string name in ModelZoo.Names)
        {
            LayerGraph graph = ModelZoo.Build(name);
            Assert.Same(graph, graph.WithDynamicBatch());
            Assert.Null(graph.ExportedBatch);
        }
    }

    private static void AssertRowsMatchSingleRuns(LayerGraph exported, int batch, int seed)
    {
        LayerGraph dynamic = exported.WithDynamicBatch();
        IReadOnlyDictionary<string, Tensor> batched;
        using (var executor = new CpuExecutor(dynamic))
        {
            batched = executor.Run(Inputs(dynamic, batch, seed));
        }

        using var single = new CpuExecutor(exported);
        IReadOnlyDictionary<string, Tensor> inputs = Inputs(dynamic, batch, seed);
        for (int row = 0; row < batch; row++)
        {
            IReadOnlyDictionary<string, Tensor> expected = single.Run(inputs.ToDictionary(p => p.Key, p => Row(p.Value, row)));
            foreach (ValueInfo output in exported.Outputs)
            {
                Tensor actual = batched[output.Name];
                Assert.Equal(batch, actual.Shape[0]);
                TensorAssert.Close(expected[output.Name], Row(actual, row), Rtol, Atol, $"{exported.Name} output '{output.Name}' row {row}");
            }
        }
    }

    private static Dictionary<string, Tensor> Inputs(LayerGraph graph, long batch, int seed) =>
        graph.Inputs.ToDictionary(i => i.Name, i => Tensor.FromFloats(i.Shape.WithBatch(batch), Tensor.SeededRandom(i.Shape.WithBatch(batch), seed, 1f).Floats));

    private static Tensor Row(Tensor tensor, int row)
    {
        var shape = new TensorShape([1, .. tensor.Shape.Dimensions[1..]]);
        int size = (int)shape.ElementCount;
        return Tensor.FromFloats(shape, tensor.Floats.AsSpan(row * size, size).ToArray());
    }
}
