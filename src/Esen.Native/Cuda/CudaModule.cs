using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>A module loaded into one context from PTX; its kernels are looked up once and cached.</summary>
public sealed class CudaModule : IDisposable
{
    // Large enough for ptxas diagnostics of a whole kernel file; the JIT truncates beyond it.
    private const int ErrorLogBytes = 16 * 1024;

    private readonly ConcurrentDictionary<string, CudaKernel> _kernels = new(StringComparer.Ordinal);

    private CudaModule(CudaContext context, SafeCudaModuleHandle handle, string name)
    {
        Context = context;
        Handle = handle;
        Name = name;
    }

    /// <summary>The context the module is loaded into.</summary>
    public CudaContext Context { get; }

    /// <summary>The name given at load (used in error messages).</summary>
    public string Name { get; }

    internal SafeCudaModuleHandle Handle { get; }

    /// <summary>
    /// JIT-compiles <paramref name="ptx"/> for the context's device. A failure throws a
    /// <see cref="CudaException"/> whose message contains the JIT error log.
    /// </summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the wrapper on success.")]
    public static CudaModule LoadPtx(CudaContext context, string ptx, string name = "ptx")
    {
        // The driver reads the image as a NUL-terminated string.
        byte[] image = new byte[Encoding.UTF8.GetByteCount(ptx) + 1];
        Encoding.UTF8.GetBytes(ptx, image);
        byte[] log = new byte[ErrorLogBytes];
        using (context.Push())
        {
            CUresult status = Interop.Interop.Cuda.cuModuleLoadDataEx(out SafeCudaModuleHandle handle, image, log, out int logLength);
            if (status != CUresult.CUDA_SUCCESS)
            {
                handle.Dispose();
                string jitLog = Encoding.UTF8.GetString(log, 0, logLength).TrimEnd('\0', '\n', ' ');
                CudaException.Throw(status, $"cuModuleLoadDataEx({name})", $"JIT error log: {(jitLog.Length == 0 ? "(empty)" : jitLog)}");
            }

            handle.SetContext(context.Handle);
            return new CudaModule(context, handle, name);
        }
    }

    /// <summary>The kernel with the given (mangled or <c>extern "C"</c>) name; cached per module.</summary>
    public CudaKernel GetKernel(string kernelName) => _kernels.GetOrAdd(kernelName, Lookup);

    /// <summary>Unloads the module; its kernels become unusable.</summary>
    public void Dispose() => Handle.Dispose();

    private CudaKernel Lookup(string kernelName)
    {
        using (Context.Push())
        {
            CUresult status = Interop.Interop.Cuda.cuModuleGetFunction(out IntPtr function, Handle, kernelName);
            if (status != CUresult.CUDA_SUCCESS)
            {
                CudaException.Throw(status, $"cuModuleGetFunction({Name}, \"{kernelName}\")", null);
            }

            return new CudaKernel(this, function, kernelName);
        }
    }
}
