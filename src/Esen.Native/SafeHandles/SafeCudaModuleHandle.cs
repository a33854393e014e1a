using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned loaded module (<c>cuModuleUnload</c>).</summary>
public sealed class SafeCudaModuleHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cuda.cuModuleUnload(nativeHandle) == CUresult.CUDA_SUCCESS;
}
