using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned created stream (<c>cuStreamDestroy_v2</c>); never the legacy default stream (handle 0).</summary>
public sealed class SafeCudaStreamHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuStreamDestroy(nativeHandle) == CUresult.CUDA_SUCCESS;
}
