using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>Owned page-locked host memory (<c>cuMemFreeHost</c>); the handle value is the host address.</summary>
public sealed class SafePinnedHostMemoryHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuMemFreeHost(nativeHandle) == CUresult.CUDA_SUCCESS;
}
