using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>cuDNN 9: handle and library information (cudnn_graph.h; gpu-facts §1.6).</summary>
    internal static partial class Cudnn
    {
        /// <summary>cuDNN 9 encodes major*10000 + minor*100 + patch (cudnn_version.h).</summary>
        [LibraryImport(Libraries.Cudnn)]
        internal static partial nuint cudnnGetVersion();

        /// <summary><c>const char* cudnnGetErrorString(cudnnStatus_t)</c>; the string is static.</summary>
        [LibraryImport(Libraries.Cudnn)]
        internal static partial IntPtr cudnnGetErrorString(cudnnStatus_t status);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnCreate(out SafeCudnnHandle handle);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnDestroy(IntPtr handle);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetStream(SafeCudnnHandle handle, SafeCudaStreamHandle streamId);
    }
}
