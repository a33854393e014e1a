using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Esen.Native.Cuda;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cublas;

/// <summary>
/// A cuBLAS handle bound for life to one created stream (so it can never issue work on the legacy
/// default stream) and to that stream's context, which is made current around every call.
/// Matrices are column-major: for row-major C = A·B compute Cᵀ = Bᵀ·Aᵀ, i.e. pass (B, A) with m = N, n = M.
/// </summary>
public sealed class CublasHandle : IDisposable
{
    private readonly SafeCublasHandle _handle;

    private CublasHandle(CudaStream stream, SafeCublasHandle handle)
    {
        Stream = stream;
        _handle = handle;
    }

    /// <summary>The stream every call of this handle is queued on.</summary>
    public CudaStream Stream { get; }

    /// <summary>The cuBLAS version (e.g. 120402 for 12.4.2), read without a GPU; null when cuBLAS cannot be loaded.</summary>
    public static int? LibraryVersion()
    {
        try
        {
            return ReadVersion();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates a handle in <paramref name="stream"/>'s context and binds it to the stream.</summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the wrapper on success.")]
    public static CublasHandle Create(CudaStream stream)
    {
        using (stream.Context.Push())
        {
            cublasStatus_t status = Interop.Interop.Cublas.cublasCreate(out SafeCublasHandle handle);
            CublasException.ThrowIfFailed(status, handle, "cublasCreate_v2");
            handle.SetContext(stream.Context.Handle);
            var blas = new CublasHandle(stream, handle);
            CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasSetStream(handle, stream.Handle));
            return blas;
        }
    }

    /// <summary>The SM count cuBLAS tunes its kernels for; 0 means the whole device (the default).</summary>
    public int SmCountTarget
    {
        get
        {
            using (Stream.Context.Push())
            {
                CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasGetSmCountTarget(_handle, out int target));
                return target;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            using (Stream.Context.Push())
            {
                CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasSetSmCountTarget(_handle, value));
            }
        }
    }

    /// <summary>
    /// The workspace cuBLAS should be given on a device of compute capability <paramref name="computeMajor"/>.x: cuBLAS's
    /// documentation recommends 32 MiB on Hopper (9.0) and later and 4 MiB on earlier GPUs ("cublasSetWorkspace()").
    /// </summary>
    public static long RecommendedWorkspaceBytes(int computeMajor) => computeMajor >= 9 ? 32L << 20 : 4L << 20;

    /// <summary>
    /// Makes cuBLAS use <paramref name="bytes"/> at <paramref name="workspace"/> instead of memory it allocates itself
    /// (<c>cublasSetWorkspace_v2</c>); a CUDA graph capture needs that. The buffer must outlive the handle's use of it.
    /// </summary>
    public void SetWorkspace(DevicePtr workspace, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        using (Stream.Context.Push())
        {
            CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasSetWorkspace(_handle, workspace.Address, (nuint)bytes));
        }
    }

    /// <summary>Sets the math mode (e.g. TF32 tensor cores).</summary>
    public void SetMathMode(CublasMath mode)
    {
        using (Stream.Context.Push())
        {
            CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasSetMathMode(_handle, mode));
        }
    }

    /// <summary>C = alpha·op(A)·op(B) + beta·C in FP32, column-major (<c>cublasSgemm_v2</c>).</summary>
    public void Sgemm(
        CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, DevicePtr a, int lda, DevicePtr b, int ldb, float beta, DevicePtr c, int ldc)
    {
        using (Stream.Context.Push())
        {
            CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasSgemm(
                _handle, transA, transB, m, n, k, alpha, a.Address, lda, b.Address, ldb, beta, c.Address, ldc));
        }
    }

    /// <summary>Mixed-precision GEMM (<c>cublasGemmEx</c>); alpha and beta are float, so use a 32F compute type.</summary>
    public void GemmEx(
        CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, DevicePtr a, CudaDataType aType, int lda, DevicePtr b, CudaDataType bType, int ldb,
        float beta, DevicePtr c, CudaDataType cType, int ldc,
        CublasComputeType computeType = CublasComputeType.Compute32F, CublasGemmAlgo algo = CublasGemmAlgo.Default)
    {
        RequireFloatScaling(computeType);
        using (Stream.Context.Push())
        {
            CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasGemmEx(
                _handle, transA, transB, m, n, k, alpha, a.Address, aType, lda, b.Address, bType, ldb,
                beta, c.Address, cType, ldc, computeType, algo));
        }
    }

    /// <summary>A batch of equally strided GEMMs (<c>cublasGemmStridedBatchedEx</c>); strides in elements.</summary>
    public void GemmStridedBatchedEx(
        CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, DevicePtr a, CudaDataType aType, int lda, long strideA,
        DevicePtr b, CudaDataType bType, int ldb, long strideB,
        float beta, DevicePtr c, CudaDataType cType, int ldc, long strideC, int batchCount,
        CublasComputeType computeType = CublasComputeType.Compute32F, CublasGemmAlgo algo = CublasGemmAlgo.Default)
    {
        RequireFloatScaling(computeType);
        using (Stream.Context.Push())
        {
            CublasException.ThrowIfFailed(Interop.Interop.Cublas.cublasGemmStridedBatchedEx(
                _handle, transA, transB, m, n, k, alpha, a.Address, aType, lda, strideA, b.Address, bType, ldb, strideB,
                beta, c.Address, cType, ldc, strideC, batchCount, computeType, algo));
        }
    }

    /// <summary>Destroys the handle (with its context current).</summary>
    public void Dispose() => _handle.Dispose();

    // The scaling factors are passed as host floats, which cuBLAS reads as the compute type's scalar.
    private static void RequireFloatScaling(CublasComputeType computeType)
    {
        if (computeType is not (CublasComputeType.Compute32F or CublasComputeType.Compute32FPedantic
            or CublasComputeType.Compute32FFast16F or CublasComputeType.Compute32FFast16BF or CublasComputeType.Compute32FFastTf32))
        {
            throw new ArgumentException($"{computeType} needs non-float alpha/beta; only the 32F compute types are supported.", nameof(computeType));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int? ReadVersion()
    {
        if (Interop.Interop.Cublas.cublasGetProperty(libraryPropertyType.MAJOR_VERSION, out int major) != cublasStatus_t.CUBLAS_STATUS_SUCCESS
            || Interop.Interop.Cublas.cublasGetProperty(libraryPropertyType.MINOR_VERSION, out int minor) != cublasStatus_t.CUBLAS_STATUS_SUCCESS
            || Interop.Interop.Cublas.cublasGetProperty(libraryPropertyType.PATCH_LEVEL, out int patch) != cublasStatus_t.CUBLAS_STATUS_SUCCESS)
        {
            return null;
        }

        // cuBLAS's own encoding (CUBLAS_VERSION): major*10000 + minor*100 + patch.
        return (major * 10000) + (minor * 100) + patch;
    }
}
