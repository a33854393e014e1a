using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>
    /// CUDA driver API: stream capture and graphs (cuda.h). cuda.h maps <c>cuStreamBeginCapture</c> to the
    /// <c>_v2</c> export, which takes the capture mode, and (CUDA ≥ 12) <c>cuGraphInstantiate</c> to
    /// <c>cuGraphInstantiateWithFlags</c>: <c>CUresult cuGraphInstantiateWithFlags(CUgraphExec *phGraphExec,
    /// CUgraph hGraph, unsigned long long flags)</c>.
    /// </summary>
    internal static partial class Cuda
    {
        /// <summary><c>CUresult cuStreamBeginCapture_v2(CUstream hStream, CUstreamCaptureMode mode)</c>.</summary>
        [LibraryImport(Libraries.Cuda, EntryPoint = "cuStreamBeginCapture_v2")]
        internal static partial CUresult cuStreamBeginCapture(SafeCudaStreamHandle hStream, CUstreamCaptureMode mode);

        /// <summary><c>CUresult cuStreamEndCapture(CUstream hStream, CUgraph *phGraph)</c>; ends the capture even when it fails.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuStreamEndCapture(SafeCudaStreamHandle hStream, out SafeCudaGraphHandle phGraph);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGraphInstantiateWithFlags(out SafeCudaGraphExecHandle phGraphExec, SafeCudaGraphHandle hGraph, ulong flags);

        /// <summary><c>CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream)</c>.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGraphLaunch(SafeCudaGraphExecHandle hGraphExec, SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGraphDestroy(IntPtr hGraph);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGraphExecDestroy(IntPtr hGraphExec);
    }
}
