using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned cuDNN handle (<c>cudnnDestroy</c>), destroyed with its context current.</summary>
public sealed class SafeCudnnHandle : SafeCudaInteriorHandle
{
    /// <inheritdoc/>
    private protected override bool Destroy(IntPtr nativeHandle) =>
        Interop.Interop.Cudnn.cudnnDestroy(nativeHandle) == cudnnStatus_t.CUDNN_STATUS_SUCCESS;
}
