using System.Text.Json;
using Esen.Kernels.Graph;
using Esen.Native.Errors;
using Esen.Solver.Devices;
using Esen.Solver.Formats;
using Esen.Solver.Profiles;

namespace Esen.Runtime;

/// <summary>What went wrong, in the terms a host acts on: fix the input, change the problem, or the machine.</summary>
public enum EsenErrorKind
{
    /// <summary>A file, field, tensor or argument is malformed or does not fit (the message names it).</summary>
    BadInput,

    /// <summary>The problem has no feasible plan (the message says which device and why).</summary>
    Infeasible,

    /// <summary>A device, mechanism, native library or solver backend is missing or failed.</summary>
    Unavailable,
}

/// <summary>
/// The one error type of Esen's public entry points (<see cref="EnsembleSession"/>): a message
/// that names the file, field, tensor or device, and a <see cref="Kind"/> a host maps to its own codes
/// (the <c>esen</c> command to exit codes, a server to HTTP and gRPC statuses). <see cref="KindOf"/>
/// classifies the specific exceptions of the layers below, so the mapping lives in one place.
/// </summary>
public sealed class EsenException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EsenException(EsenErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>What went wrong.</summary>
    public EsenErrorKind Kind { get; }

    /// <summary>
    /// The kind of <paramref name="exception"/> when it is one Esen's layers throw for bad input, an
    /// infeasible problem or an unavailable device; null for anything else (a bug, which the host
    /// reports as such).
    /// </summary>
    public static EsenErrorKind? KindOf(Exception exception) => exception switch
    {
        EsenException esen => esen.Kind,

        // Malformed files (spec, problem, device list, profile store), graphs and tensors, and
        // arguments checked at the API boundary.
        JsonFormatException or JsonException or DeviceFileException or GraphException or FormatException
            or ArgumentException or KeyNotFoundException or InvalidDataException or FileNotFoundException
            or DirectoryNotFoundException or UnauthorizedAccessException => EsenErrorKind.BadInput,

        // A device, mechanism or library that is not there, a driver, cuBLAS or cuDNN failure while
        // running (out of device memory, say), or a profile store or output file that cannot be used.
        NotSupportedException or EsenNativeException or DllNotFoundException or ProfileStoreException or IOException => EsenErrorKind.Unavailable,
        _ => null,
    };

    /// <summary><paramref name="exception"/> as an <see cref="EsenException"/> when <see cref="KindOf"/> knows it; null otherwise.</summary>
    public static EsenException? From(Exception exception) =>
        exception as EsenException ?? (KindOf(exception) is { } kind ? new EsenException(kind, exception.Message, exception) : null);
}
