using System.Runtime.InteropServices;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>CUDA driver API: initialisation and devices (cuda.h, gpu-facts §1.3).</summary>
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuInit(uint flags);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDriverGetVersion(out int driverVersion);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDeviceGetCount(out int count);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDeviceGet(out int device, int ordinal);

        [LibraryImport(Libraries.Cuda)]
        private static unsafe partial CUresult cuDeviceGetName(byte* name, int len, int dev);

        /// <summary><c>cuDeviceGetName</c> into a caller buffer (NUL-terminated on success).</summary>
        internal static unsafe CUresult cuDeviceGetName(Span<byte> name, int dev)
        {
            fixed (byte* p = name)
            {
                return cuDeviceGetName(p, name.Length, dev);
            }
        }

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDeviceGetAttribute(out int pi, CUdevice_attribute attrib, int dev);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuDeviceTotalMem_v2")]
        internal static partial CUresult cuDeviceTotalMem(out nuint bytes, int dev);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDeviceGetExecAffinitySupport(out int pi, CUexecAffinityType type, int dev);
    }
}
