using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Cublas;
using Esen.Native.Cudnn;
using Esen.Native.Interop;

namespace Esen.Native.Tests;

/// <summary>Struct sizes and enum values checked against the C headers (gpu-facts §1.3–§1.6).</summary>
public class InteropLayoutTests
{
    [Fact]
    public void Exec_affinity_param_is_8_bytes() => AssertBlittableSize<CUexecAffinityParam>(8);

    [Fact]
    public void Ctx_create_params_is_24_bytes_with_pointer_int_pad_pointer() => AssertBlittableSize<CUctxCreateParams>(24);

    [Fact]
    public void Dev_resource_is_144_bytes() => AssertBlittableSize<CUdevResource>(144);

    [Fact]
    public void Conv_forward_algo_perf_is_48_bytes() => AssertBlittableSize<cudnnConvolutionFwdAlgoPerf_t>(48);

    [Fact]
    public void Dev_resource_fields_sit_where_cuda_h_puts_them()
    {
        var resource = default(CUdevResource);

        Assert.Equal(0, Offset(ref resource, ref Unsafe.As<CUdevResourceType, byte>(ref resource.type)));
        Assert.Equal(96, Offset(ref resource, ref Unsafe.As<uint, byte>(ref resource.smCount)));
        Assert.Equal(100, Offset(ref resource, ref Unsafe.As<uint, byte>(ref resource.minSmPartitionSize)));
        Assert.Equal(104, Offset(ref resource, ref Unsafe.As<uint, byte>(ref resource.smCoscheduledAlignment)));
        Assert.Equal(108, Offset(ref resource, ref Unsafe.As<uint, byte>(ref resource.flags)));
        Assert.Equal(136, Offset(ref resource, ref Unsafe.As<IntPtr, byte>(ref resource.nextResource)));
    }

    [Fact]
    public void Ctx_create_params_put_the_cig_pointer_after_padding()
    {
        Assert.Equal(0, (int)Marshal.OffsetOf<CUctxCreateParams>(nameof(CUctxCreateParams.execAffinityParams)));
        Assert.Equal(8, (int)Marshal.OffsetOf<CUctxCreateParams>(nameof(CUctxCreateParams.numExecAffinityParams)));
        Assert.Equal(16, (int)Marshal.OffsetOf<CUctxCreateParams>(nameof(CUctxCreateParams.cigParams)));
    }

    [Fact]
    public void Algo_perf_memory_is_aligned_to_8()
    {
        Assert.Equal(16, (int)Marshal.OffsetOf<cudnnConvolutionFwdAlgoPerf_t>(nameof(cudnnConvolutionFwdAlgoPerf_t.memory)));
        Assert.Equal(24, (int)Marshal.OffsetOf<cudnnConvolutionFwdAlgoPerf_t>(nameof(cudnnConvolutionFwdAlgoPerf_t.determinism)));

        // The executor keeps only algorithms whose reported math type its precision admits.
        Assert.Equal(28, (int)Marshal.OffsetOf<cudnnConvolutionFwdAlgoPerf_t>(nameof(cudnnConvolutionFwdAlgoPerf_t.mathType)));
    }

    [Fact]
    public void Cuda_status_codes_match_cuda_h()
    {
        Assert.Equal(0, (int)CUresult.CUDA_SUCCESS);
        Assert.Equal(2, (int)CUresult.CUDA_ERROR_OUT_OF_MEMORY);
        Assert.Equal(100, (int)CUresult.CUDA_ERROR_NO_DEVICE);
        Assert.Equal(218, (int)CUresult.CUDA_ERROR_INVALID_PTX);
        Assert.Equal(224, (int)CUresult.CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY);
        Assert.Equal(600, (int)CUresult.CUDA_ERROR_NOT_READY);
        Assert.Equal(805, (int)CUresult.CUDA_ERROR_MPS_CONNECTION_FAILED);
        Assert.Equal(914, (int)CUresult.CUDA_ERROR_INVALID_RESOURCE_TYPE);
        Assert.Equal(915, (int)CUresult.CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION);
        Assert.Equal(999, (int)CUresult.CUDA_ERROR_UNKNOWN);
    }

    [Fact]
    public void Cuda_constants_match_cuda_h()
    {
        Assert.Equal(0, (int)CUexecAffinityType.CU_EXEC_AFFINITY_TYPE_SM_COUNT);
        Assert.Equal(16, (int)CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        Assert.Equal(75, (int)CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        Assert.Equal(76, (int)CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        Assert.Equal(133, (int)CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MPS_ENABLED);
        Assert.Equal(5, (int)CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
        Assert.Equal(6, (int)CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
        Assert.Equal(1, (int)CUdevResourceType.CU_DEV_RESOURCE_TYPE_SM);
        Assert.Equal(1u, CudaFlags.CU_STREAM_NON_BLOCKING);
        Assert.Equal(1u, CudaFlags.CU_GREEN_CTX_DEFAULT_STREAM);
        Assert.Equal(12050, CudaFlags.CtxCreateV4MinimumDriver);
    }

    [Fact]
    public void Cublas_enums_match_cublas_api_h()
    {
        Assert.Equal(0, (int)cublasStatus_t.CUBLAS_STATUS_SUCCESS);
        Assert.Equal(15, (int)cublasStatus_t.CUBLAS_STATUS_NOT_SUPPORTED);
        Assert.Equal(0, (int)CublasOperation.None);
        Assert.Equal(1, (int)CublasOperation.Transpose);
        Assert.Equal(2, (int)CublasOperation.ConjugateTranspose);
        Assert.Equal(0, (int)CublasMath.Default);
        Assert.Equal(2, (int)CublasMath.Pedantic);
        Assert.Equal(3, (int)CublasMath.Tf32TensorOp);
        Assert.Equal(16, (int)CublasMath.DisallowReducedPrecisionReduction);
        Assert.Equal(68, (int)CublasComputeType.Compute32F);
        Assert.Equal(69, (int)CublasComputeType.Compute32FPedantic);
        Assert.Equal(77, (int)CublasComputeType.Compute32FFastTf32);
        Assert.Equal(0, (int)CudaDataType.R32F);
        Assert.Equal(2, (int)CudaDataType.R16F);
        Assert.Equal(14, (int)CudaDataType.R16BF);
        Assert.Equal(-1, (int)CublasGemmAlgo.Default);
    }

    [Fact]
    public void Cudnn_enums_match_the_cudnn_9_headers()
    {
        Assert.Equal(0, (int)cudnnStatus_t.CUDNN_STATUS_SUCCESS);
        Assert.Equal(1001, (int)cudnnStatus_t.CUDNN_STATUS_NOT_INITIALIZED);
        Assert.Equal(2000, (int)cudnnStatus_t.CUDNN_STATUS_BAD_PARAM);
        Assert.Equal(3000, (int)cudnnStatus_t.CUDNN_STATUS_NOT_SUPPORTED);
        Assert.Equal(0, (int)CudnnDataType.Float);
        Assert.Equal(2, (int)CudnnDataType.Half);
        Assert.Equal(9, (int)CudnnDataType.BFloat16);
        Assert.Equal(0, (int)CudnnTensorFormat.Nchw);
        Assert.Equal(1, (int)CudnnTensorFormat.Nhwc);
        Assert.Equal(1, (int)CudnnConvolutionMode.CrossCorrelation);
        Assert.Equal(0, (int)CudnnMathType.Default);
        Assert.Equal(1, (int)CudnnMathType.TensorOp);
        Assert.Equal(2, (int)CudnnMathType.TensorOpAllowConversion);
        Assert.Equal(3, (int)CudnnMathType.Fma);
        Assert.Equal(6, (int)CudnnConvolutionForwardAlgorithm.Winograd);
        Assert.Equal(7, (int)CudnnConvolutionForwardAlgorithm.WinogradNonfused);
        Assert.Equal(1, (int)CudnnActivationMode.Relu);
        Assert.Equal(5, (int)CudnnActivationMode.Identity);
        Assert.Equal(0, (int)CudnnNanPropagation.NotPropagateNan);
        Assert.Equal(1, (int)CudnnNanPropagation.PropagateNan);
    }

    private static void AssertBlittableSize<T>(int expected)
        where T : unmanaged
    {
        Assert.Equal(expected, Unsafe.SizeOf<T>());
        Assert.Equal(Unsafe.SizeOf<T>(), Marshal.SizeOf<T>());
    }

    private static int Offset(ref CUdevResource resource, ref byte field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<CUdevResource, byte>(ref resource), ref field);
}
