namespace Esen.Native.Errors;

/// <summary>A native library call failed: which library, the status it returned, and its own message.</summary>
public class EsenNativeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EsenNativeException(string library, int status, string message)
        : base(message)
    {
        Library = library;
        Status = status;
    }

    /// <summary>The library's display name ("CUDA driver", "cuBLAS", ...).</summary>
    public string Library { get; }

    /// <summary>The raw status code the call returned.</summary>
    public int Status { get; }
}
