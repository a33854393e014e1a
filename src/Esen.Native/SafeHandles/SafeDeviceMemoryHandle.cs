using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned device memory (<c>cuMemFree_v2</c>); the handle value is the CUdeviceptr.</summary>
public sealed class SafeDeviceMemoryHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuMemFree((ulong)nativeHandle) == CUresult.CUDA_SUCCESS;
}
