using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned captured graph (<c>cuGraphDestroy</c>); only needed until it is instantiated.</summary>
public sealed class SafeCudaGraphHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuGraphDestroy(nativeHandle) == CUresult.CUDA_SUCCESS;
}

/// <summary>An owned executable graph (<c>cuGraphExecDestroy</c>), instantiated in its context.</summary>
public sealed class SafeCudaGraphExecHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuGraphExecDestroy(nativeHandle) == CUresult.CUDA_SUCCESS;
}
