using Esen.Kernels.Cuda;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.Execution;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The CUDA executor on device 0; every test skips with the probe's reason where there is no GPU.</summary>
public sealed class CudaExecutorFixture : IExecutorFixture
{
    public IExecutor Create(LayerGraph graph) => new CudaExecutor(graph);

    public void RequireDevice() => Requires.CudaDevice();
}

/// <summary>The executor conformance suite, run against the CUDA executor.</summary>
[Trait("Category", "Gpu")]
public sealed class CudaExecutorConformanceTests(CudaExecutorFixture fixture)
    : ExecutorConformanceTests<CudaExecutorFixture>(fixture);

/// <summary>Whole graphs on the GPU against the CPU executor, with cuDNN and with the im2col path.</summary>
[Trait("Category", "Gpu")]
public class CudaExecutorGraphTests
{
    [SkippableTheory]
    [InlineData("cnn", true)]
    [InlineData("cnn", false)]
    [InlineData("attention", true)]
    [InlineData("matmul", true)]
    public void Graph_OnTheGpu_MatchesTheCpuExecutor(string name, bool useCudnn)
    {
        Requires.CudaDevice();
        LayerGraph graph = CudaLoweringTests.Graph(name);
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        using var gpu = new CudaExecutor(graph, new CudaExecutorOptions { UseCudnn = useCudnn });
        using var cpu = new Esen.Kernels.Cpu.CpuExecutor(graph);
        IReadOnlyDictionary<string, Tensor> expected = cpu.Run(inputs);

        // Twice: the second run reuses the plan, its buffers and the loaded modules.
        for (int run = 0; run < 2; run++)
        {
            IReadOnlyDictionary<string, Tensor> actual = gpu.Run(inputs);
            foreach (ValueInfo output in graph.Outputs)
            {
                TensorAssert.Close(expected[output.Name], actual[output.Name], rtol: 1e-3, atol: 1e-4, $"{name} run {run} output '{output.Name}'");
            }
        }
    }

    [SkippableFact]
    public void UnsupportedOp_FailsInPrepare_BeforeAnyRun()
    {
        Requires.CudaDevice();
        var g = new GraphBuilder("erf");
        g.Output(g.Erf(g.Input("x", 2, 4), name: "erf_7"));
        using var gpu = new CudaExecutor(g.Build());
        var error = Assert.Throws<UnsupportedModelException>(() => gpu.Prepare(new Dictionary<string, TensorShape> { ["x"] = new(2, 4) }));
        Assert.Contains("Erf node 'erf_7'", error.Message, StringComparison.Ordinal);
    }
}
