using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>
/// An owned CUDA context: a created context (destroyed with <c>cuCtxDestroy_v2</c>), a retained primary
/// context (released with <c>cuDevicePrimaryCtxRelease_v2</c>), or the context view of a green context
/// (which keeps the green context alive and releases it).
/// </summary>
public sealed class SafeCudaContextHandle : SafeHandle
{
    private readonly int _primaryDevice = -1;
    private readonly SafeCudaGreenContextHandle? _greenContext;

    /// <summary>Creates an invalid handle; the interop layer fills it in for created contexts.</summary>
    public SafeCudaContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    private SafeCudaContextHandle(IntPtr context, int primaryDevice, SafeCudaGreenContextHandle? greenContext)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(context);
        _primaryDevice = primaryDevice;
        _greenContext = greenContext;
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>True for a device's primary context.</summary>
    internal bool IsPrimary => _primaryDevice >= 0;

    /// <summary>Wraps a primary context that <c>cuDevicePrimaryCtxRetain</c> returned for <paramref name="device"/>.</summary>
    internal static SafeCudaContextHandle ForPrimary(IntPtr context, int device) => new(context, device, null);

    /// <summary>Wraps the context view of <paramref name="greenContext"/>, which it keeps alive.</summary>
    internal static SafeCudaContextHandle ForGreenContext(IntPtr context, SafeCudaGreenContextHandle greenContext)
    {
        bool added = false;
        greenContext.DangerousAddRef(ref added);
        return new SafeCudaContextHandle(context, -1, greenContext);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        if (_greenContext is not null)
        {
            _greenContext.DangerousRelease();
            return true;
        }

        CUresult status = IsPrimary
            ? Interop.Interop.Cuda.cuDevicePrimaryCtxRelease(_primaryDevice)
            : Interop.Interop.Cuda.cuCtxDestroy(handle);
        return status == CUresult.CUDA_SUCCESS;
    }
}
