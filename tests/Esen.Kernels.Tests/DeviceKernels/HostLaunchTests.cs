using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>The host launcher rejects argument buffers that do not fit the kernel's parameter list.</summary>
public sealed class HostLaunchTests
{
    [SkippableFact]
    public void ArgsOfAnotherSignature_AreRejectedBySize()
    {
        var mislabelled = new PtxKernel<CudaKernelArgs.Copy>("normalization", "esen_layer_norm");

        Assert.Equal(2, HostKernels.LaunchStatus(mislabelled, grid: 1, block: 32, default));
    }

    [SkippableFact]
    public void UnknownKernelAndBadBlock_AreRejected()
    {
        Assert.Equal(1, HostKernels.LaunchStatus(new PtxKernel<CudaKernelArgs.Copy>("layout", "esen_gemm"), 1, 32, default));
        Assert.Equal(3, HostKernels.LaunchStatus(PtxKernels.Copy, grid: 1, block: 1025, default));
    }
}
