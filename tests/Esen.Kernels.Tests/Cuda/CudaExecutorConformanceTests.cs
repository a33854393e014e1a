using Esen.Kernels.Cuda;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.Execution;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The CUDA executor on device 0; every test skips with the probe's reason where there is no GPU.</summary>
public sealed class CudaExecutorFixture : IExecutorFixture
{
    /// <summary>The ops every CUDA plan refuses: If on a run-time condition, and LSTM.</summary>
    public static IReadOnlySet<string> CudaRefusedOps { get; } = new HashSet<string>(["If", "LSTM"], StringComparer.Ordinal);

    public IExecutor Create(LayerGraph graph) => new CudaExecutor(graph);

    public void RequireDevice() => Requires.CudaDevice();

    public IReadOnlySet<string> RefusedOps => CudaExecutorFixture.CudaRefusedOps;
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
    [InlineData("cnn", true, GpuPrecision.Fp32)]
    [InlineData("cnn", false, GpuPrecision.Fp32)]
    [InlineData("attention", true, GpuPrecision.Fp32)]
    [InlineData("matmul", true, GpuPrecision.Fp32)]
    [InlineData("embedding", true, GpuPrecision.Fp32)]
    [InlineData("clip", true, GpuPrecision.Fp32)]
    [InlineData("pools", true, GpuPrecision.Fp32)]
    [InlineData("int64", true, GpuPrecision.Fp32)]
    [InlineData("cnn", true, GpuPrecision.Tf32)]
    [InlineData("cnn", false, GpuPrecision.Tf32)]
    [InlineData("attention", true, GpuPrecision.Tf32)]
    public void Graph_OnTheGpu_MatchesTheCpuExecutor(string name, bool useCudnn, GpuPrecision precision)
    {
        Requires.CudaDevice();
        LayerGraph graph = CudaLoweringTests.Graph(name);
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        using var gpu = new CudaExecutor(graph, new CudaExecutorOptions { UseCudnn = useCudnn, Precision = precision });
        using var cpu = new Esen.Kernels.Cpu.CpuExecutor(graph);
        IReadOnlyDictionary<string, Tensor> expected = cpu.Run(inputs);
        double bound = new GpuMath(precision).CpuRelativeL2Tolerance;

        // Three times: the second run reuses the plan, its buffers and the loaded modules and captures the plan as a
        // CUDA graph (CudaGraphPolicy), the third replays the graph.
        for (int run = 0; run < 3; run++)
        {
            IReadOnlyDictionary<string, Tensor> actual = gpu.Run(inputs);
            foreach (ValueInfo output in graph.Outputs)
            {
                string what = $"{name} {precision.ToName()} run {run} output '{output.Name}'";
                if (output.DataType == DataType.Int64)
                {
                    Assert.True(expected[output.Name].Int64s.AsSpan().SequenceEqual(actual[output.Name].Int64s), what);
                    continue;
                }

                RelativeL2.AssertAtMost(expected[output.Name].Floats, actual[output.Name].Floats, bound, what);
            }
        }
    }

    [SkippableFact]
    public void Conv3D_PreparesAndRuns_MatchingTheCpuExecutor()
    {
        Requires.CudaDevice();
        LayerGraph graph = CudaLoweringTests.Conv3D();
        using var gpu = new CudaExecutor(graph);
        gpu.Prepare(CudaTestGraphs.Shapes(graph));
        using var cpu = new Esen.Kernels.Cpu.CpuExecutor(graph);
        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        string y = graph.Outputs[0].Name;
        RelativeL2.AssertAtMost(cpu.Run(inputs)[y].Floats, gpu.Run(inputs)[y].Floats, new GpuMath(GpuPrecision.Fp32).CpuRelativeL2Tolerance, "conv3d");
    }
}
