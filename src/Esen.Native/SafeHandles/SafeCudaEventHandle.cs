using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned event (<c>cuEventDestroy_v2</c>).</summary>
public sealed class SafeCudaEventHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuEventDestroy(nativeHandle) == CUresult.CUDA_SUCCESS;
}
