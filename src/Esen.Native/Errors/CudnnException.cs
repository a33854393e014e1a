using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.Errors;

/// <summary>A cuDNN call failed; the message names the call, the status and cuDNN's own text.</summary>
public sealed class CudnnException : EsenNativeException
{
    internal const string LibraryName = "cuDNN";

    private CudnnException(int status, string message)
        : base(LibraryName, status, message)
    {
    }

    /// <summary>Throws when <paramref name="status"/> is not <c>CUDNN_STATUS_SUCCESS</c>.</summary>
    internal static void ThrowIfFailed(cudnnStatus_t status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != cudnnStatus_t.CUDNN_STATUS_SUCCESS)
        {
            Throw(status, call);
        }
    }

    /// <summary>Throws when a create call failed, disposing the handle it may have half-filled first.</summary>
    internal static void ThrowIfFailed(cudnnStatus_t status, SafeHandle created, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != cudnnStatus_t.CUDNN_STATUS_SUCCESS)
        {
            created.Dispose();
            Throw(status, call);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(cudnnStatus_t status, string call) => throw Create(status, call);

    /// <summary>Builds the exception for a failed call.</summary>
    internal static CudnnException Create(cudnnStatus_t status, string call)
    {
        string name = Enum.IsDefined(status) ? status.ToString() : $"cudnnStatus_t {(int)status}";
        return new CudnnException((int)status, $"{call} failed with {name} ({(int)status}): {Describe(status)}");
    }

    private static string Describe(cudnnStatus_t status)
    {
        try
        {
            return DescribeWithLibrary(status);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return "no description (cuDNN is not loadable)";
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string DescribeWithLibrary(cudnnStatus_t status) =>
        Marshal.PtrToStringUTF8(Interop.Interop.Cudnn.cudnnGetErrorString(status)) ?? "no description";
}
