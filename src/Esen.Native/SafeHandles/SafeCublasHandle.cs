using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned cuBLAS handle (<c>cublasDestroy_v2</c>), destroyed with its context current.</summary>
public sealed class SafeCublasHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cublas.cublasDestroy(nativeHandle) == cublasStatus_t.CUBLAS_STATUS_SUCCESS;
}
