using System.Runtime.InteropServices;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    internal static partial class Cuda
    {
        /// <summary><c>cuGetErrorName(CUresult, const char**)</c>; the string is static in the driver.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGetErrorName(CUresult error, out IntPtr pStr);

        /// <summary><c>cuGetErrorString(CUresult, const char**)</c>; the string is static in the driver.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGetErrorString(CUresult error, out IntPtr pStr);
    }
}
