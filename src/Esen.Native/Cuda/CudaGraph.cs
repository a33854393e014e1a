using System.Diagnostics.CodeAnalysis;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>
/// An executable CUDA graph: work captured once from a stream (kernel launches, cuBLAS and cuDNN calls, copies,
/// memsets) and replayed with one <c>cuGraphLaunch</c>, which saves the per-launch host cost of every captured call.
/// Captured addresses are baked in: buffers (device and host) must stay where they were.
/// </summary>
public sealed class CudaGraph : IDisposable
{
    private CudaGraph(SafeCudaGraphExecHandle handle)
    {
        Handle = handle;
    }

    internal SafeCudaGraphExecHandle Handle { get; }

    /// <summary>
    /// Captures what <paramref name="record"/> queues on <paramref name="stream"/> (nothing runs) and instantiates it.
    /// Thread-local capture mode: only this thread's unsafe calls (an allocation, a synchronous copy) break the capture,
    /// so other members capturing or running on their own threads do not interfere. The capture always ends, also when
    /// <paramref name="record"/> or the driver fails; the stream can then be used as before.
    /// </summary>
    /// <exception cref="CudaException">The capture was invalidated or the graph cannot be instantiated.</exception>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handles are disposed on failure and owned by the wrapper on success.")]
    public static CudaGraph Capture(CudaStream stream, Action record)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(record);
        using (stream.Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuStreamBeginCapture(stream.Handle, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
            SafeCudaGraphHandle graph;
            try
            {
                record();
            }
            catch
            {
                _ = Interop.Interop.Cuda.cuStreamEndCapture(stream.Handle, out graph);
                graph.Dispose();
                throw;
            }

            CUresult ended = Interop.Interop.Cuda.cuStreamEndCapture(stream.Handle, out graph);
            using (graph)
            {
                CudaException.ThrowIfFailed(ended, graph, "cuStreamEndCapture");
                graph.SetContext(stream.Context.Handle);
                CUresult status = Interop.Interop.Cuda.cuGraphInstantiateWithFlags(out SafeCudaGraphExecHandle exec, graph, 0);
                CudaException.ThrowIfFailed(status, exec, "cuGraphInstantiateWithFlags");
                exec.SetContext(stream.Context.Handle);
                return new CudaGraph(exec);
            }
        }
    }

    /// <summary>Queues one replay of the graph on <paramref name="stream"/>.</summary>
    public void Launch(CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuGraphLaunch(Handle, stream.Handle));
    }

    /// <summary>Destroys the executable graph.</summary>
    public void Dispose() => Handle.Dispose();
}
