using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned green context (<c>cuGreenCtxDestroy</c>).</summary>
public sealed class SafeCudaGreenContextHandle : SafeHandle
{
    /// <summary>Creates an invalid handle; the interop layer fills it in.</summary>
    public SafeCudaGreenContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        Interop.Interop.Cuda.cuGreenCtxDestroy(handle) == CUresult.CUDA_SUCCESS;
}
