using Esen.Native.Interop;

namespace Esen.Native.Errors;

/// <summary>A native library could not be loaded; the message lists every name that was tried.</summary>
public sealed class NativeLibraryNotFoundException : DllNotFoundException
{
    /// <summary>Creates the exception from a failed load.</summary>
    public NativeLibraryNotFoundException(LibraryLoadResult result)
        : base($"{result.Library.DisplayName} could not be loaded (set {result.Library.EnvironmentVariable} to its path). Tried: {result.TriedNames}")
    {
        Result = result;
    }

    /// <summary>The failed load with its attempts.</summary>
    public LibraryLoadResult Result { get; }
}
