using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;

namespace Esen.Kernels.Tests.Graph;

public class GraphSlicerTests
{
    [Theory]
    [InlineData(new double[] { 1, 1, 1, 1 }, 2, new[] { 0, 2, 4 })]
    [InlineData(new double[] { 1, 1, 1, 1 }, 1, new[] { 0, 4 })]
    [InlineData(new double[] { 1, 2, 3, 4 }, 2, new[] { 0, 3, 4 })]
    // The heavy first item reaches both thresholds: the middle part is empty.
    [InlineData(new double[] { 10, 1, 1 }, 3, new[] { 0, 1, 1, 3 })]
    // More parts than items: the last parts are empty.
    [InlineData(new double[] { 1, 1 }, 4, new[] { 0, 1, 1, 2, 2 })]
    public void EqualWorkBoundaries_EndEachPartWhereTheRunningTotalReachesItsShare(double[] weights, int slices, int[] expected)
    {
        Assert.Equal(expected, GraphSlicer.EqualWorkBoundaries(weights, slices));
    }

    [Fact]
    public void EqualWorkBoundaries_RefusesNoSlicesAndNegativeWeights()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphSlicer.EqualWorkBoundaries([1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphSlicer.EqualWorkBoundaries([1.0, -1.0], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphSlicer.EqualWorkBoundaries([double.NaN], 1));
    }

    [Theory]
    [InlineData("resnet18", 2)]
    [InlineData("resnet18", 4)]
    [InlineData("mobilenetv2", 3)]
    [InlineData("densenet121", 3)]
    public void Slices_RunInOrder_ComputeWhatTheWholeGraphComputes(string architecture, int slices)
    {
        LayerGraph graph = Small(ModelZoo.Build(architecture, new ZooOptions(Seed: 7)));
        int[] boundaries = [.. Enumerable.Range(0, slices + 1).Select(s => graph.Nodes.Count * s / slices)];
        var random = new Random(11);
        Tensor input = Tensor.FromFloats(new TensorShape(2, 3, 32, 32), [.. Enumerable.Range(0, 2 * 3 * 32 * 32).Select(_ => (float)random.NextDouble())]);

        IReadOnlyList<LayerGraph?> parts = GraphSlicer.Slice(graph, boundaries);

        Assert.Equal(slices, parts.Count);
        Assert.Equal(graph.Nodes, parts.SelectMany(p => p!.Nodes));
        // Each boundary value crosses once: a part's inputs are the graph's or an earlier part's outputs.
        var available = new HashSet<string>(graph.Inputs.Select(i => i.Name));
        foreach (LayerGraph part in parts.OfType<LayerGraph>())
        {
            Assert.All(part.Inputs, i => Assert.Contains(i.Name, available));
            available.UnionWith(part.Outputs.Select(o => o.Name));
        }

        var values = new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = input };
        foreach (LayerGraph part in parts.OfType<LayerGraph>())
        {
            using var executor = new CpuExecutor(part, new CpuExecutorOptions { Threads = 1 });
            foreach ((string name, Tensor value) in executor.Run(part.Inputs.ToDictionary(i => i.Name, i => values[i.Name])))
            {
                values[name] = value;
            }
        }

        using var whole = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });
        Tensor expected = whole.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = input })[graph.Outputs[0].Name];
        TensorAssert.Close(expected, values[graph.Outputs[0].Name], rtol: 1e-4, atol: 1e-5, $"{architecture} in {slices} slices");
    }

    [Fact]
    public void Slice_LeavesAnEmptyPartNull_AndRefusesBoundariesThatDoNotCoverTheGraph()
    {
        LayerGraph graph = Small(ModelZoo.Build("resnet18"));
        int n = graph.Nodes.Count;

        IReadOnlyList<LayerGraph?> parts = GraphSlicer.Slice(graph, [0, 5, 5, n]);

        Assert.NotNull(parts[0]);
        Assert.Null(parts[1]);
        Assert.Equal(n - 5, parts[2]!.Nodes.Count);
        Assert.Throws<ArgumentException>(() => GraphSlicer.Slice(graph, [0, n - 1]));
        Assert.Throws<ArgumentException>(() => GraphSlicer.Slice(graph, [0, 6, 5, n]));
    }

    // The zoo CNNs at 32×32, small enough to run here in milliseconds.
    private static LayerGraph Small(LayerGraph graph) =>
        new(graph.Name, [graph.Inputs[0] with { Shape = new TensorShape(TensorShape.Dynamic, 3, 32, 32) }], graph.Outputs, graph.Nodes, graph.Initializers, graph.Opset);
}
