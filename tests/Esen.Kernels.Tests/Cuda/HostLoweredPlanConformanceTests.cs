using Esen.Kernels.Cuda;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.DeviceKernels;
using Esen.Kernels.Tests.Execution;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The lowered CUDA plan run on the host (<see cref="LoweredPlanHarness"/>) as an executor, on the rewritten graph as
/// <see cref="CudaExecutor"/> plans it by default. It plans on every run.
/// </summary>
public sealed class HostLoweredPlanExecutor(LayerGraph graph) : IExecutor
{
    public LayerGraph Graph { get; } = graph;

    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs) => LoweredPlanHarness.Run(Graph, inputs, optimize: true);

    public void Dispose()
    {
    }
}

/// <summary>The host-run CUDA plan; it needs clang-19 for the host build of the kernels.</summary>
public sealed class HostLoweredPlanFixture : IExecutorFixture
{
    public IExecutor Create(LayerGraph graph) => new HostLoweredPlanExecutor(graph);

    public void RequireDevice() => KernelToolchain.RequireClangPlusPlus();
}

/// <summary>
/// The executor conformance suite, ONNX node cases included, through the CUDA lowering and the host-built kernels: every
/// op form the suite holds plans on CUDA and gives the reference's numbers, checked without a GPU.
/// </summary>
public sealed class HostLoweredPlanConformanceTests(HostLoweredPlanFixture fixture)
    : ExecutorConformanceTests<HostLoweredPlanFixture>(fixture);
