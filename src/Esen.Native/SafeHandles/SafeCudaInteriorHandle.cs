using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>
/// A handle that lives inside a CUDA context (memory, stream, event, module, library handles). It holds
/// a reference on its context so the context outlives it, and makes the context current around the
/// destroy call, so release works from any thread, including the finalizer thread.
/// </summary>
public abstract class SafeCudaInteriorHandle : SafeHandle
{
    private SafeCudaContextHandle? _context;

    /// <summary>Creates an invalid handle.</summary>
    protected SafeCudaInteriorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Binds the handle to the context it was created in; call once, right after creation.</summary>
    internal void SetContext(SafeCudaContextHandle context)
    {
        if (_context is not null)
        {
            throw new InvalidOperationException("The handle is already bound to a context.");
        }

        bool added = false;
        context.DangerousAddRef(ref added);
        _context = context;
    }

    /// <summary>Destroys the native object; the owning context is current. Must not throw.</summary>
    private protected abstract bool Destroy(IntPtr nativeHandle);

    /// <inheritdoc/>
    protected sealed override bool ReleaseHandle()
    {
        SafeCudaContextHandle? context = _context;
        if (context is null)
        {
            return Destroy(handle);
        }

        bool pushed = Interop.Interop.Cuda.cuCtxPushCurrent(context.DangerousGetHandle()) == CUresult.CUDA_SUCCESS;
        try
        {
            return Destroy(handle);
        }
        finally
        {
            if (pushed)
            {
                _ = Interop.Interop.Cuda.cuCtxPopCurrent(out _);
            }

            context.DangerousRelease();
        }
    }
}
