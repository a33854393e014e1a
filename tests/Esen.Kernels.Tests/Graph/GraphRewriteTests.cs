using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Ops;
using Esen.Kernels.Tests.Execution;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Graph;

public class GraphRewriteTests
{
    private static Dictionary<string, Tensor> RandomInputs(LayerGraph graph, int seed, long batch = 2) =>
        graph.Inputs.ToDictionary(i => i.Name, i =>
        {
            TensorShape shape = i.Shape.WithBatch(batch);
            return Tensor.FromFloats(shape, Reference.Random(new Random(seed), shape.ElementCount));
        });

    private static void AssertSameOutputs(LayerGraph original, LayerGraph rewritten, Dictionary<string, Tensor> inputs)
    {
        using var before = new CpuExecutor(original, new CpuExecutorOptions { Threads = 1 });
        using var after = new CpuExecutor(rewritten, new CpuExecutorOptions { Threads = 1 });
        IReadOnlyDictionary<string, Tensor> expected = before.Run(inputs), actual = after.Run(inputs);
        foreach (ValueInfo output in original.Outputs)
        {
            TensorAssert.Close(expected[output.Name], actual[output.Name], rtol: 1e-4, atol: 1e-5, output.Name);
        }
    }

    private static LayerGraph ConvBnReluNet()
    {
        var b = new GraphBuilder("convbn", seed: 7);
        string x = b.Input("x", TensorShape.Dynamic, 3, 9, 9);
        x = b.Relu(b.BatchNorm(b.Conv(x, 8, kernel: 3, pad: 1, bias: false)));
        x = b.Clip(b.BatchNorm(b.Conv(x, 8, kernel: 3, stride: 2, groups: 8)), 0f, 6f);
        x = b.Gemm(b.Flatten(b.GlobalAveragePool(x)), 5);
        b.Output(b.Sigmoid(x));
        return b.Build();
    }

    [Fact]
    public void FoldBatchNorm_RemovesBatchNormsWithEqualOutputs()
    {
        LayerGraph graph = ConvBnReluNet();
        LayerGraph folded = GraphRewrites.FoldBatchNormIntoConv(graph);
        Assert.DoesNotContain(folded.Nodes, n => n.OpType == "BatchNormalization");
        Assert.Equal(graph.Nodes.Count - 2, folded.Nodes.Count);
        AssertSameOutputs(graph, folded, RandomInputs(graph, 1));
    }

    [Fact]
    public void FuseActivations_MovesThemIntoConvAndGemmEpilogues()
    {
        LayerGraph graph = GraphRewrites.FoldBatchNormIntoConv(ConvBnReluNet());
        LayerGraph fused = GraphRewrites.FuseActivations(graph);
        Assert.DoesNotContain(fused.Nodes, n => n.OpType is "Relu" or "Clip" or "Sigmoid");
        Assert.Equal(["Relu", "Clip", "Sigmoid"], fused.Nodes.Where(n => n.Has(Activations.KindAttribute)).Select(n => n.GetString(Activations.KindAttribute, string.Empty)));
        AssertSameOutputs(graph, fused, RandomInputs(graph, 2));
    }

    /// <summary>
    /// A residual-style Add with a broadcast bias and its ReLU, an Add with LeakyRelu, and an Add also read by the
    /// graph's output: the first two fuse when the Add is float32, none otherwise, and the CPU executor (which
    /// plans with the rewrite) matches element-wise loops. The same-shape sum is long enough (144,000 floats,
    /// a last piece shorter than the rest) to be split over two threads.
    /// </summary>
    [Fact]
    public void FuseActivationsIntoAdd_FusesFloat32AddsReadOnlyByTheActivation()
    {
        var b = new GraphBuilder("adds");
        string x = b.Input("x", TensorShape.Dynamic, 3, 40, 600);
        string bias = b.Weight("bias", new TensorShape(3, 1, 1), 1f);
        string summed = b.Add(x, bias);
        b.Output(b.Relu(summed));
        b.Output(b.Op("LeakyRelu", [b.Add(x, x)], new Dictionary<string, AttributeValue> { ["alpha"] = AttributeValue.Float(0.25f) }));
        string shared = b.Add(x, x);
        b.Output(shared);
        b.Output(b.Relu(shared));
        LayerGraph graph = b.Build();

        LayerGraph fused = GraphRewrites.FuseActivationsIntoAdd(graph, _ => DataType.Float32);
        Assert.Equal(["Relu", "LeakyRelu"], fused.Nodes.Where(n => n.OpType == "Add" && n.Has(Activations.KindAttribute)).Select(n => n.GetString(Activations.KindAttribute, string.Empty)));
        Assert.Single(fused.Nodes, n => n.OpType == "Relu");
        Assert.Equal(graph.Nodes.Count, GraphRewrites.FuseActivationsIntoAdd(graph, _ => DataType.Float64).Nodes.Count);

        Tensor input = RandomInputs(graph, 6, batch: 2)["x"];
        float[] data = input.Floats, biases = graph.Initializers[bias].Floats;
        using var executor = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 2 });
        IReadOnlyDictionary<string, Tensor> outputs = executor.Run(new Dictionary<string, Tensor> { ["x"] = input });
        float[] relu = outputs[graph.Outputs[0].Name].Floats, leaky = outputs[graph.Outputs[1].Name].Floats;
        for (int i = 0; i < data.Length; i++)
        {
            int channel = i / 24000 % 3;
            Assert.Equal(MathF.Max(data[i] + biases[channel], 0f), relu[i]);
            float doubled = data[i] + data[i];
            Assert.Equal(doubled >= 0f ? doubled : 0.25f * doubled, leaky[i]);
        }

        Assert.Equal(outputs[graph.Outputs[2].Name].Floats.Select(v => MathF.Max(v, 0f)), outputs[graph.Outputs[3].Name].Floats);
    }

    [Fact]
    public void DropUnreadDropoutMasks_OmitsOnlyMasksNothingReads()
    {
        var b = new GraphBuilder("dropouts");
        string x = b.Input("x", TensorShape.Dynamic, 6);
        string[] unread = b.Node("Dropout", [b.Relu(x)], outputs: 2, name: "unread");
        string[] output = b.Node("Dropout", [b.Sigmoid(unread[0])], outputs: 2, name: "output");
        b.Output(output[0]);
        b.Output(output[1]);
        LayerGraph graph = b.Build();

        LayerGraph dropped = GraphRewrites.DropUnreadDropoutMasks(graph);

        Assert.Equal([unread[0]], dropped.Nodes.Single(n => n.Name == "unread").Outputs);
        Assert.Equal(output, dropped.Nodes.Single(n => n.Name == "output").Outputs);
        Dictionary<string, Tensor> inputs = RandomInputs(graph, 5);
        using var plain = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1, Optimize = false });
        using var rewritten = new CpuExecutor(dropped, new CpuExecutorOptions { Threads = 1, Optimize = false });
        IReadOnlyDictionary<string, Tensor> expected = plain.Run(inputs), actual = rewritten.Run(inputs);
        Assert.Equal(expected[output[0]].Floats, actual[output[0]].Floats);
        Assert.All(actual[output[1]].Elements<bool>(), Assert.True);
    }

    [Fact]
    public void FoldConstants_EvaluatesConstantSubgraphsButNotShapesOfInputs()
    {
        var b = new GraphBuilder("consts");
        string x = b.Input("x", TensorShape.Dynamic, 4);
        string w = b.Weight("w", new TensorShape(4), 1f);
        string scaled = b.Mul(w, b.Initializer("two", Tensor.Scalar(2f)));
        string shape = b.Op("Shape", [x]);
        string y = b.Add(x, b.Relu(scaled));
        b.Output(b.Op("Reshape", [y, shape]));
        LayerGraph graph = b.Build();
        LayerGraph folded = GraphRewrites.FoldConstants(graph);
        Assert.Equal(["Shape", "Add", "Reshape"], folded.Nodes.Select(n => n.OpType));
        AssertSameOutputs(graph, folded, RandomInputs(graph, 3, batch: 3));
        AssertSameOutputs(graph, folded, RandomInputs(graph, 4, batch: 5));
    }

    [SkippableFact]
    public void Optimize_CifarModel_KeepsOutputs()
    {
        string directory = Requires.SharedDirectory("models/cifar10-cnn");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        LayerGraph optimized = GraphRewrites.Optimize(graph);
        Assert.True(optimized.Nodes.Count < graph.Nodes.Count);
        Assert.DoesNotContain(optimized.Nodes, n => n.OpType == "Relu");
        var inputs = graph.Inputs.ToDictionary(i => i.Name, i => OnnxModel.LoadTensor(Path.Combine(directory, "test_data_set_0", "input_0.pb")).Tensor);
        AssertSameOutputs(graph, optimized, inputs);
    }
}
