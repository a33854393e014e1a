using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>CUDA driver API: streams and events (cuda.h).</summary>
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuStreamCreate(out SafeCudaStreamHandle phStream, uint flags);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuStreamDestroy_v2")]
        internal static partial CUresult cuStreamDestroy(IntPtr hStream);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuStreamSynchronize(SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuStreamQuery(SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuStreamWaitEvent(SafeCudaStreamHandle hStream, SafeCudaEventHandle hEvent, uint flags);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuEventCreate(out SafeCudaEventHandle phEvent, uint flags);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuEventDestroy_v2")]
        internal static partial CUresult cuEventDestroy(IntPtr hEvent);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuEventRecord(SafeCudaEventHandle hEvent, SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuEventSynchronize(SafeCudaEventHandle hEvent);

        /// <summary>Milliseconds between two recorded events (resolution about 0.5 µs).</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuEventElapsedTime(out float pMilliseconds, SafeCudaEventHandle hStart, SafeCudaEventHandle hEnd);
    }
}
