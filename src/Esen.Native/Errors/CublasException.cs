using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.Errors;

/// <summary>A cuBLAS call failed; the message names the call, the status and cuBLAS's own text.</summary>
public sealed class CublasException : EsenNativeException
{
    internal const string LibraryName = "cuBLAS";

    private CublasException(int status, string message)
        : base(LibraryName, status, message)
    {
    }

    /// <summary>Throws when <paramref name="status"/> is not <c>CUBLAS_STATUS_SUCCESS</c>.</summary>
    internal static void ThrowIfFailed(cublasStatus_t status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != cublasStatus_t.CUBLAS_STATUS_SUCCESS)
        {
            Throw(status, call);
        }
    }

    /// <summary>Throws when a create call failed, disposing the handle it may have half-filled first.</summary>
    internal static void ThrowIfFailed(cublasStatus_t status, SafeHandle created, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != cublasStatus_t.CUBLAS_STATUS_SUCCESS)
        {
            created.Dispose();
            Throw(status, call);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(cublasStatus_t status, string call) => throw Create(status, call);

    /// <summary>Builds the exception for a failed call.</summary>
    internal static CublasException Create(cublasStatus_t status, string call)
    {
        string name = Enum.IsDefined(status) ? status.ToString() : $"cublasStatus_t {(int)status}";
        return new CublasException((int)status, $"{call} failed with {name} ({(int)status}): {Describe(status)}");
    }

    private static string Describe(cublasStatus_t status)
    {
        try
        {
            return DescribeWithLibrary(status);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return "no description (cuBLAS is not loadable)";
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string DescribeWithLibrary(cublasStatus_t status) =>
        Marshal.PtrToStringUTF8(Interop.Interop.Cublas.cublasGetStatusString(status)) ?? "no description";
}
