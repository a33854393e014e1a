using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.DeviceKernels;
using Esen.Kernels.Tests.Execution;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The CUDA executor's plan run on the host (<see cref="CudaHostExecutor"/>) with its defaults: the rewritten graph,
/// convolutions through the emulated cuDNN. It needs clang-19 for the host build of the kernels.
/// </summary>
public sealed class HostLoweredPlanFixture : IExecutorFixture
{
    public IExecutor Create(LayerGraph graph) => new CudaHostExecutor(graph);

    public void RequireDevice() => KernelToolchain.RequireClangPlusPlus();

    public IReadOnlySet<string> RefusedOps => CudaExecutorFixture.CudaRefusedOps;
}

/// <summary>As <see cref="HostLoweredPlanFixture"/>, with every convolution on the im2col + GEMM path.</summary>
public sealed class HostLoweredIm2colPlanFixture : IExecutorFixture
{
    public IExecutor Create(LayerGraph graph) => new CudaHostExecutor(graph, new CudaExecutorOptions { UseCudnn = false });

    public void RequireDevice() => KernelToolchain.RequireClangPlusPlus();

    public IReadOnlySet<string> RefusedOps => CudaExecutorFixture.CudaRefusedOps;
}

/// <summary>
/// The executor conformance suite, ONNX node cases included, through the CUDA lowering and the host-built kernels: every
/// op form the suite holds plans on CUDA and gives the reference's numbers, checked without a GPU.
/// </summary>
public sealed class HostLoweredPlanConformanceTests(HostLoweredPlanFixture fixture)
    : ExecutorConformanceTests<HostLoweredPlanFixture>(fixture);

/// <summary>The conformance suite on the host-run plan with convolutions as im2col + GEMM.</summary>
public sealed class HostLoweredIm2colPlanConformanceTests(HostLoweredIm2colPlanFixture fixture)
    : ExecutorConformanceTests<HostLoweredIm2colPlanFixture>(fixture);
