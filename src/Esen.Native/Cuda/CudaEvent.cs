using System.Diagnostics.CodeAnalysis;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>A CUDA event: a marker in a stream, for ordering streams and timing GPU work.</summary>
public sealed class CudaEvent : IDisposable
{
    private CudaEvent(SafeCudaEventHandle handle)
    {
        Handle = handle;
    }

    internal SafeCudaEventHandle Handle { get; }

    /// <summary>Creates an event; timing events cost more to record, so disable timing when only ordering.</summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the wrapper on success.")]
    public static CudaEvent Create(CudaContext context, bool timing = true)
    {
        using (context.Push())
        {
            CUresult status = Interop.Interop.Cuda.cuEventCreate(
                out SafeCudaEventHandle handle, timing ? CudaFlags.CU_EVENT_DEFAULT : CudaFlags.CU_EVENT_DISABLE_TIMING);
            CudaException.ThrowIfFailed(status, handle, "cuEventCreate");
            handle.SetContext(context.Handle);
            return new CudaEvent(handle);
        }
    }

    /// <summary>Records the event at the current end of <paramref name="stream"/>.</summary>
    public void Record(CudaStream stream) =>
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuEventRecord(Handle, stream.Handle));

    /// <summary>Blocks until the work before the recorded event has finished.</summary>
    public void Synchronize() => CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuEventSynchronize(Handle));

    /// <summary>GPU time between two recorded, completed timing events, in milliseconds.</summary>
    public static float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuEventElapsedTime(out float milliseconds, start.Handle, end.Handle));
        return milliseconds;
    }

    /// <summary>Destroys the event.</summary>
    public void Dispose() => Handle.Dispose();
}
