using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Execution;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Pipeline;

public sealed class CpuRuntimeTests
{
    [Theory]
    [InlineData(CombineRule.Mean)]
    [InlineData(CombineRule.Vote)]
    public async Task RealGraphs_CombinedOutputsEqualTheMembersRunOneByOneOnTheCpuExecutor(CombineRule rule)
    {
        LayerGraph[] graphs = [SmallCnn("a", 1, 8), SmallCnn("b", 2, 12), SmallCnn("c", 3, 4)];
        var spec = new EnsembleSpec(
            "cnn.json", EnsembleKind.Ensemble, rule, null, DeviceSpec.Cpu,
            [.. graphs.Select((g, i) => new MemberSpec(g.Name, null, "small-cnn", i + 1))],
            null, new BatchingSpec(4, 1), "equal");
        var random = new Random(5);
        Tensor[] inputs = [.. Enumerable.Range(0, 10).Select(_ => Tensor.FromFloats(new TensorShape(1, 3, 16, 16), [.. Enumerable.Range(0, 768).Select(_ => random.NextSingle())]))];

        Tensor[] answers;
        await using (var runtime = EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new CpuRunnerFactory((_, i) => graphs[i])))
        {
            answers = await Task.WhenAll(inputs.Select(x => runtime.InferAsync(x)));
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            Tensor[] alone = [.. graphs.Select(g => RunAlone(g, inputs[i]))];
            Tensor expected = Combiner.Combine(rule, alone, [1, 1, 1]);
            Assert.Equal(expected.Shape, answers[i].Shape);
            for (int j = 0; j < expected.Floats.Length; j++)
            {
                // Batched and single-input GEMMs may block the sums differently.
                Assert.Equal(expected.Floats[j], answers[i].Floats[j], 1e-4f);
            }
        }
    }

    [Fact]
    public void CpuRunnerFactory_RefusesCudaMembersNamingTheDevice()
    {
        var spec = new EnsembleSpec(
            "gpu.json", EnsembleKind.Ensemble, CombineRule.Mean, null, new DeviceSpec(DeviceKind.Cuda, 0),
            [new MemberSpec("a", null, "small-cnn")], null, BatchingSpec.Default, "equal");

        var ex = Assert.Throws<NotSupportedException>(() => EnsembleRuntime.Create(spec, RuntimePlan.Equal(spec), new CpuRunnerFactory((_, _) => SmallCnn("a", 1, 4))));

        Assert.Contains("cuda:0", ex.Message, StringComparison.Ordinal);
    }

    private static Tensor RunAlone(LayerGraph graph, Tensor input)
    {
        using var executor = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = input })[graph.Outputs[0].Name];
    }

    private static LayerGraph SmallCnn(string name, int seed, int channels)
    {
        var b = new GraphBuilder(name, seed);
        string x = b.Input("x", TensorShape.Dynamic, 3, 16, 16);
        x = b.Relu(b.Conv(x, outChannels: channels, kernel: 3, pad: 1));
        x = b.Gemm(b.Flatten(b.GlobalAveragePool(x)), 10);
        b.Output(x);
        return b.Build();
    }
}
