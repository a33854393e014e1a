using System.Runtime.InteropServices;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuInit(uint flags);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDriverGetVersion(out int driverVersion);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDeviceGetCount(out int count);
    }
}
