using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// Every interop signature is blittable by construction; the generator marshals SafeHandles itself.
[assembly: DisableRuntimeMarshalling]
[assembly: DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
