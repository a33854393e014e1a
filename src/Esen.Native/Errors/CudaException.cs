using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.Errors;

/// <summary>A CUDA driver API call failed; the message names the call, the error and the driver's text.</summary>
public sealed class CudaException : EsenNativeException
{
    internal const string LibraryName = "CUDA driver";

    private CudaException(int status, string errorName, string message)
        : base(LibraryName, status, message)
    {
        ErrorName = errorName;
    }

    /// <summary>The driver's name for the status (e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>).</summary>
    public string ErrorName { get; }

    /// <summary>Throws when <paramref name="status"/> is not <c>CUDA_SUCCESS</c>.</summary>
    internal static void ThrowIfFailed(CUresult status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CUresult.CUDA_SUCCESS)
        {
            Throw(status, call, null);
        }
    }

    /// <summary>Throws when a create call failed, disposing the handle it may have half-filled first.</summary>
    internal static void ThrowIfFailed(CUresult status, SafeHandle created, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != CUresult.CUDA_SUCCESS)
        {
            created.Dispose();
            Throw(status, call, null);
        }
    }

    /// <summary>Throws for a failed call, with extra text (a JIT log, a hint) after the driver's message.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Throw(CUresult status, string call, string? detail) => throw Create(status, call, detail);

    /// <summary>Builds the exception for a failed call.</summary>
    internal static CudaException Create(CUresult status, string call, string? detail)
    {
        (string name, string description) = Describe(status);
        string message = $"{call} failed with {name} ({(int)status}): {description}";
        return new CudaException((int)status, name, detail is null ? message : $"{message}. {detail}");
    }

    /// <summary>The driver's name and description for a status, or a fallback when the driver cannot be called.</summary>
    internal static (string Name, string Description) Describe(CUresult status)
    {
        string fallbackName = Enum.IsDefined(status) ? status.ToString() : $"CUresult {(int)status}";
        try
        {
            return DescribeWithDriver(status, fallbackName);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return (fallbackName, "no description (the CUDA driver is not loadable)");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (string, string) DescribeWithDriver(CUresult status, string fallbackName)
    {
        string name = Interop.Interop.Cuda.cuGetErrorName(status, out IntPtr namePointer) == CUresult.CUDA_SUCCESS
            ? Marshal.PtrToStringUTF8(namePointer) ?? fallbackName
            : fallbackName;
        string description = Interop.Interop.Cuda.cuGetErrorString(status, out IntPtr textPointer) == CUresult.CUDA_SUCCESS
            ? Marshal.PtrToStringUTF8(textPointer) ?? "no description"
            : "unknown status for this driver";
        return (name, description);
    }
}
