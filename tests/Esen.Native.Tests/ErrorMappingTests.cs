using System.Runtime.InteropServices;
using Esen.Native.Errors;
using Esen.Native.Interop;

namespace Esen.Native.Tests;

/// <summary>Status → exception mapping with fake status codes (no library call needs to succeed).</summary>
public class ErrorMappingTests
{
    private static CUresult FakeCudaCall(int status) => (CUresult)status;

    [Fact]
    public void Cuda_failure_names_the_call_and_the_status()
    {
        CudaException ex = Assert.Throws<CudaException>(() => CudaException.ThrowIfFailed(FakeCudaCall(2)));

        Assert.Contains("FakeCudaCall(2)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA_ERROR_OUT_OF_MEMORY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(2)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Status);
        Assert.Equal("CUDA driver", ex.Library);
        Assert.Equal("CUDA_ERROR_OUT_OF_MEMORY", ex.ErrorName);
        Assert.IsAssignableFrom<EsenNativeException>(ex);
    }

    [Fact]
    public void Cuda_success_does_not_throw()
    {
        CudaException.ThrowIfFailed(FakeCudaCall(0));

        Assert.Equal(CUresult.CUDA_SUCCESS, FakeCudaCall(0));
    }

    [Fact]
    public void Unknown_cuda_status_falls_back_to_its_number()
    {
        CudaException ex = Assert.Throws<CudaException>(() => CudaException.ThrowIfFailed(FakeCudaCall(12345)));

        Assert.Contains("12345", ex.Message, StringComparison.Ordinal);
        Assert.Equal(12345, ex.Status);
    }

    [Fact]
    public void Cuda_detail_follows_the_driver_message()
    {
        CudaException ex = CudaException.Create(CUresult.CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY, "cuCtxCreate_v4(smCount: 20)",
            Cuda.CudaContext.AffinityHint(CUresult.CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY));

        Assert.Contains("cuCtxCreate_v4(smCount: 20)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(224)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nvidia-cuda-mps-control -d", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_create_disposes_the_half_made_handle_before_throwing()
    {
        using var handle = new CountingHandle();

        Assert.Throws<CudaException>(() => CudaException.ThrowIfFailed(FakeCudaCall(1), handle));

        Assert.True(handle.IsClosed);
        Assert.Equal(1, handle.Releases);
    }

    [Fact]
    public void Cublas_failure_names_the_call_and_the_status()
    {
        CublasException ex = Assert.Throws<CublasException>(() => CublasException.ThrowIfFailed((cublasStatus_t)13));

        Assert.Contains("(cublasStatus_t)13", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CUBLAS_STATUS_EXECUTION_FAILED (13)", ex.Message, StringComparison.Ordinal);
        Assert.Equal("cuBLAS", ex.Library);
        Assert.Equal(13, ex.Status);
    }

    [Fact]
    public void Cudnn_failure_names_the_call_and_the_status()
    {
        CudnnException ex = Assert.Throws<CudnnException>(() => CudnnException.ThrowIfFailed((cudnnStatus_t)2000));

        Assert.Contains("CUDNN_STATUS_BAD_PARAM (2000)", ex.Message, StringComparison.Ordinal);
        Assert.Equal("cuDNN", ex.Library);
        Assert.Equal(2000, ex.Status);
    }

    [Fact]
    public void Unknown_cudnn_status_falls_back_to_its_number()
    {
        CudnnException ex = Assert.Throws<CudnnException>(() => CudnnException.ThrowIfFailed((cudnnStatus_t)4242));

        Assert.Contains("cudnnStatus_t 4242", ex.Message, StringComparison.Ordinal);
    }

    private sealed class CountingHandle : SafeHandle
    {
        public CountingHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(1);
        }

        public int Releases { get; private set; }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Releases++;
            return true;
        }
    }
}
