using System.Runtime.InteropServices;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    internal static partial class Cbc
    {
        /// <summary><c>const char* Cbc_getVersion(void)</c>; the string is static in the library.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial IntPtr Cbc_getVersion();
    }
}
