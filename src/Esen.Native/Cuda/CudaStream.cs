using System.Diagnostics.CodeAnalysis;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>
/// A created, non-blocking CUDA stream. There is no way to wrap the legacy default stream (handle 0):
/// every stream comes from <c>cuStreamCreate</c> or <c>cuGreenCtxStreamCreate</c>, so work issued
/// through Esen can never bypass a partition by landing on the default stream.
/// </summary>
public sealed class CudaStream : IDisposable
{
    internal CudaStream(CudaContext context, SafeCudaStreamHandle handle)
    {
        if (handle.IsInvalid || handle.IsClosed)
        {
            throw new ArgumentException(
                "A CudaStream must be a created stream; the legacy default stream (0) would bypass SM partitions.", nameof(handle));
        }

        Context = context;
        Handle = handle;
    }

    /// <summary>The context the stream belongs to.</summary>
    public CudaContext Context { get; }

    internal SafeCudaStreamHandle Handle { get; }

    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the wrapper on success.")]
    internal static CudaStream Create(CudaContext context)
    {
        using (context.Push())
        {
            CUresult status = Interop.Interop.Cuda.cuStreamCreate(out SafeCudaStreamHandle handle, CudaFlags.CU_STREAM_NON_BLOCKING);
            CudaException.ThrowIfFailed(status, handle, "cuStreamCreate(CU_STREAM_NON_BLOCKING)");
            handle.SetContext(context.Handle);
            return new CudaStream(context, handle);
        }
    }

    /// <summary>Blocks until all work queued on the stream has finished.</summary>
    public void Synchronize() => CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuStreamSynchronize(Handle));

    /// <summary>True when all queued work has finished (<c>cuStreamQuery</c>).</summary>
    public bool IsIdle()
    {
        CUresult status = Interop.Interop.Cuda.cuStreamQuery(Handle);
        if (status == CUresult.CUDA_ERROR_NOT_READY)
        {
            return false;
        }

        CudaException.ThrowIfFailed(status, "cuStreamQuery");
        return true;
    }

    /// <summary>Makes later work on this stream wait for <paramref name="cudaEvent"/> (no host block).</summary>
    public void Wait(CudaEvent cudaEvent) =>
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuStreamWaitEvent(Handle, cudaEvent.Handle, 0));

    /// <summary>Records <paramref name="cudaEvent"/> at the current end of this stream.</summary>
    public void Record(CudaEvent cudaEvent) => cudaEvent.Record(this);

    /// <summary>Destroys the stream once queued work is done (the driver defers it).</summary>
    public void Dispose() => Handle.Dispose();
}
