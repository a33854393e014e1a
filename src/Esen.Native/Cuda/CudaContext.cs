using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>
/// A CUDA context: the device's primary context (the default), a context limited to an SM count
/// (MPS execution affinity), or the context of a green context. Work is issued on its streams.
/// </summary>
public sealed class CudaContext : IDisposable
{
    private CudaContext(CudaDevice device, SafeCudaContextHandle handle)
    {
        Device = device;
        Handle = handle;
    }

    /// <summary>The device the context belongs to.</summary>
    public CudaDevice Device { get; }

    /// <summary>Whether this is the device's primary context (<see cref="RetainPrimary"/>): one per device and process, whichever wrapper holds it.</summary>
    public bool IsPrimary => Handle.IsPrimary;

    internal SafeCudaContextHandle Handle { get; }

    /// <summary>Retains the device's primary context (shared with the CUDA runtime, cuBLAS and cuDNN).</summary>
    public static CudaContext RetainPrimary(CudaDevice device)
    {
        _ = CudaDriver.Version;
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDevicePrimaryCtxRetain(out IntPtr context, device.Ordinal));
        return new CudaContext(device, SafeCudaContextHandle.ForPrimary(context, device.Ordinal));
    }

    /// <summary>
    /// Creates a context limited to <paramref name="smCount"/> SMs (execution affinity; Volta+ under MPS).
    /// Uses <c>cuCtxCreate_v4</c> on drivers ≥ 12.5 and <c>cuCtxCreate_v3</c> before. The driver rounds
    /// the count up; read the grant with <see cref="ExecAffinitySmCount"/>.
    /// </summary>
    public static CudaContext CreateWithSmCount(CudaDevice device, int smCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(smCount);
        int driver = CudaDriver.Version;
        CUresult status = CreateWithAffinity(device, (uint)smCount, driver, out SafeCudaContextHandle handle);
        if (status != CUresult.CUDA_SUCCESS)
        {
            handle.Dispose();
            CudaException.Throw(status, $"cuCtxCreate_{(driver >= CudaFlags.CtxCreateV4MinimumDriver ? "v4" : "v3")}(smCount: {smCount})", AffinityHint(status));
        }

        // cuCtxCreate makes the new context current; leave the caller's stack as it was.
        _ = Interop.Interop.Cuda.cuCtxPopCurrent(out _);
        return new CudaContext(device, handle);
    }

    internal static CudaContext FromGreenContext(CudaDevice device, SafeCudaGreenContextHandle greenContext)
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuCtxFromGreenCtx(out IntPtr context, greenContext));
        return new CudaContext(device, SafeCudaContextHandle.ForGreenContext(context, greenContext));
    }

    /// <summary>The hint added to a failed affinity context creation, by status.</summary>
    internal static string? AffinityHint(CUresult status) => status switch
    {
        CUresult.CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY =>
            "Execution affinity needs a Volta or newer GPU with the MPS control daemon running (nvidia-cuda-mps-control -d) before this process starts",
        CUresult.CUDA_ERROR_MPS_CONNECTION_FAILED =>
            "The MPS server could not be reached; check CUDA_MPS_PIPE_DIRECTORY and that nvidia-cuda-mps-control -d runs as this user",
        CUresult.CUDA_ERROR_MPS_MAX_CLIENTS_REACHED =>
            "The MPS server has no client slot left (48 or 60 contexts per device); reuse contexts from a pool",
        _ => null,
    };

    private static unsafe CUresult CreateWithAffinity(CudaDevice device, uint smCount, int driver, out SafeCudaContextHandle handle)
    {
        CUexecAffinityParam affinity = new() { type = CUexecAffinityType.CU_EXEC_AFFINITY_TYPE_SM_COUNT, smCount = smCount };
        if (driver >= CudaFlags.CtxCreateV4MinimumDriver)
        {
            var parameters = new CUctxCreateParams { execAffinityParams = &affinity, numExecAffinityParams = 1 };
            return Interop.Interop.Cuda.cuCtxCreate_v4(out handle, ref parameters, CudaFlags.CU_CTX_SCHED_AUTO, device.Ordinal);
        }

        return Interop.Interop.Cuda.cuCtxCreate_v3(out handle, new ReadOnlySpan<CUexecAffinityParam>(in affinity), CudaFlags.CU_CTX_SCHED_AUTO, device.Ordinal);
    }

    /// <summary>Makes the context current on this thread until the scope is disposed.</summary>
    public ContextScope Push()
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuCtxPushCurrent(Handle));
        return default;
    }

    /// <summary>Waits for all work in the context (use stream synchronisation on hot paths).</summary>
    public void Synchronize()
    {
        using (Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuCtxSynchronize());
        }
    }

    /// <summary>The SM count of the context's execution affinity, as granted by the driver.</summary>
    public int ExecAffinitySmCount()
    {
        using (Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuCtxGetExecAffinity(
                out CUexecAffinityParam affinity, CUexecAffinityType.CU_EXEC_AFFINITY_TYPE_SM_COUNT));
            return (int)affinity.smCount;
        }
    }

    /// <summary>The SMs this context may use, read from its device resource (CUDA ≥ 12.4).</summary>
    public int ResourceSmCount()
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuCtxGetDevResource(
            Handle, out CUdevResource resource, CUdevResourceType.CU_DEV_RESOURCE_TYPE_SM));
        return (int)resource.smCount;
    }

    /// <summary>Allocates <paramref name="length"/> uninitialised elements of device memory.</summary>
    public DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged => DeviceBuffer<T>.Allocate(this, length);

    /// <summary>Creates a non-blocking stream in this context.</summary>
    public CudaStream CreateStream() => CudaStream.Create(this);

    /// <summary>Releases or destroys the context once every child handle is gone.</summary>
    public void Dispose() => Handle.Dispose();

    /// <summary>Pops the context pushed by <see cref="Push"/>.</summary>
#pragma warning disable CA1815 // a scope token is only disposed, never compared
    public readonly struct ContextScope : IDisposable
    {
        /// <summary>Pops the current context.</summary>
        public void Dispose() => _ = Interop.Interop.Cuda.cuCtxPopCurrent(out _);
    }
#pragma warning restore CA1815
}
