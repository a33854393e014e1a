using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>
    /// CUDA driver API: device memory (cuda.h; the exported symbols carry <c>_v2</c>). The async copies
    /// take raw host pointers: the memory must stay valid (and should be page-locked) until the stream
    /// reaches the copy, which a span cannot promise.
    /// </summary>
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemAlloc_v2")]
        internal static partial CUresult cuMemAlloc(out SafeDeviceMemoryHandle dptr, nuint bytesize);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemFree_v2")]
        internal static partial CUresult cuMemFree(ulong dptr);

        /// <summary>
        /// <c>CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags)</c> (cuda.h): page-locked host
        /// memory the GPU's copy engines read and write directly, so an async copy from or to it is truly asynchronous.
        /// </summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuMemHostAlloc(out SafePinnedHostMemoryHandle pp, nuint bytesize, uint flags);

        /// <summary><c>CUresult cuMemFreeHost(void *p)</c>.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuMemFreeHost(IntPtr p);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemGetInfo_v2")]
        internal static partial CUresult cuMemGetInfo(out nuint free, out nuint total);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemcpyHtoD_v2")]
        private static unsafe partial CUresult cuMemcpyHtoD(ulong dstDevice, void* srcHost, nuint byteCount);

        internal static unsafe CUresult cuMemcpyHtoD(ulong dstDevice, ReadOnlySpan<byte> source)
        {
            fixed (byte* p = source)
            {
                return cuMemcpyHtoD(dstDevice, p, (nuint)source.Length);
            }
        }

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemcpyDtoH_v2")]
        private static unsafe partial CUresult cuMemcpyDtoH(void* dstHost, ulong srcDevice, nuint byteCount);

        internal static unsafe CUresult cuMemcpyDtoH(Span<byte> destination, ulong srcDevice)
        {
            fixed (byte* p = destination)
            {
                return cuMemcpyDtoH(p, srcDevice, (nuint)destination.Length);
            }
        }

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemcpyDtoD_v2")]
        internal static partial CUresult cuMemcpyDtoD(ulong dstDevice, ulong srcDevice, nuint byteCount);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemcpyHtoDAsync_v2")]
        internal static unsafe partial CUresult cuMemcpyHtoDAsync(ulong dstDevice, void* srcHost, nuint byteCount, SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemcpyDtoHAsync_v2")]
        internal static unsafe partial CUresult cuMemcpyDtoHAsync(void* dstHost, ulong srcDevice, nuint byteCount, SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemcpyDtoDAsync_v2")]
        internal static partial CUresult cuMemcpyDtoDAsync(ulong dstDevice, ulong srcDevice, nuint byteCount, SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemsetD8_v2")]
        internal static partial CUresult cuMemsetD8(ulong dstDevice, byte value, nuint count);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuMemsetD32_v2")]
        internal static partial CUresult cuMemsetD32(ulong dstDevice, uint value, nuint count);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuMemsetD8Async(ulong dstDevice, byte value, nuint count, SafeCudaStreamHandle hStream);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuMemsetD32Async(ulong dstDevice, uint value, nuint count, SafeCudaStreamHandle hStream);
    }
}
