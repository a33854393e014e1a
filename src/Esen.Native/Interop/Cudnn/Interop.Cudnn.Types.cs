using System.Runtime.InteropServices;

namespace Esen.Native.Interop;

#pragma warning disable CA1707 // C names kept
#pragma warning disable CA1008 // enums mirror the headers

/// <summary>
/// <c>cudnnStatus_t</c> as renumbered in cuDNN 9 (cudnn_graph.h: 0 success, 1xxx initialisation,
/// 2xxx bad parameter, 3xxx not supported, 4xxx internal, 5xxx execution failed).
/// </summary>
internal enum cudnnStatus_t
{
    CUDNN_STATUS_SUCCESS = 0,
    CUDNN_STATUS_NOT_INITIALIZED = 1001,
    CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH = 1002,
    CUDNN_STATUS_BAD_PARAM = 2000,
    CUDNN_STATUS_BAD_PARAM_NULL_POINTER = 2002,
    CUDNN_STATUS_NOT_SUPPORTED = 3000,
    CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH = 3007,
    CUDNN_STATUS_INTERNAL_ERROR = 4000,
    CUDNN_STATUS_EXECUTION_FAILED = 5000,
}

/// <summary><c>cudnnDataType_t</c> (cudnn_graph.h; gpu-facts §1.6).</summary>
public enum CudnnDataType
{
    /// <summary><c>CUDNN_DATA_FLOAT</c>.</summary>
    Float = 0,

    /// <summary><c>CUDNN_DATA_DOUBLE</c>.</summary>
    Double = 1,

    /// <summary><c>CUDNN_DATA_HALF</c>.</summary>
    Half = 2,

    /// <summary><c>CUDNN_DATA_INT8</c>.</summary>
    Int8 = 3,

    /// <summary><c>CUDNN_DATA_INT32</c>.</summary>
    Int32 = 4,

    /// <summary><c>CUDNN_DATA_UINT8</c>.</summary>
    UInt8 = 6,

    /// <summary><c>CUDNN_DATA_BFLOAT16</c>.</summary>
    BFloat16 = 9,

    /// <summary><c>CUDNN_DATA_INT64</c>.</summary>
    Int64 = 10,
}

/// <summary><c>cudnnTensorFormat_t</c> (cudnn_graph.h; gpu-facts §1.6).</summary>
public enum CudnnTensorFormat
{
    /// <summary><c>CUDNN_TENSOR_NCHW</c>.</summary>
    Nchw = 0,

    /// <summary><c>CUDNN_TENSOR_NHWC</c>.</summary>
    Nhwc = 1,

    /// <summary><c>CUDNN_TENSOR_NCHW_VECT_C</c>.</summary>
    NchwVectC = 2,
}

/// <summary><c>cudnnConvolutionMode_t</c> (cudnn_cnn.h; gpu-facts §1.6).</summary>
public enum CudnnConvolutionMode
{
    /// <summary><c>CUDNN_CONVOLUTION</c> (flipped kernel).</summary>
    Convolution = 0,

    /// <summary><c>CUDNN_CROSS_CORRELATION</c> (what ONNX Conv means).</summary>
    CrossCorrelation = 1,
}

/// <summary><c>cudnnMathType_t</c> (cudnn_graph.h; gpu-facts §1.6).</summary>
public enum CudnnMathType
{
    /// <summary><c>CUDNN_DEFAULT_MATH</c>.</summary>
    Default = 0,

    /// <summary><c>CUDNN_TENSOR_OP_MATH</c>.</summary>
    TensorOp = 1,

    /// <summary><c>CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION</c>.</summary>
    TensorOpAllowConversion = 2,

    /// <summary><c>CUDNN_FMA_MATH</c>.</summary>
    Fma = 3,
}

/// <summary><c>cudnnConvolutionFwdAlgo_t</c> (cudnn_cnn.h; gpu-facts §1.6).</summary>
public enum CudnnConvolutionForwardAlgorithm
{
    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM</c>.</summary>
    ImplicitGemm = 0,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM</c>.</summary>
    ImplicitPrecompGemm = 1,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_GEMM</c>.</summary>
    Gemm = 2,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_DIRECT</c>.</summary>
    Direct = 3,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_FFT</c>.</summary>
    Fft = 4,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING</c>.</summary>
    FftTiling = 5,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD</c>.</summary>
    Winograd = 6,

    /// <summary><c>CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED</c>.</summary>
    WinogradNonfused = 7,
}

/// <summary>
/// <c>cudnnConvolutionFwdAlgoPerf_t</c> (cudnn_cnn.h): algo, status, time, memory, determinism,
/// mathType, reserved[3]; 48 bytes on x64 (padding before the size_t).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct cudnnConvolutionFwdAlgoPerf_t
{
    internal CudnnConvolutionForwardAlgorithm algo;
    internal cudnnStatus_t status;
    internal float time;
    internal nuint memory;
    internal int determinism;
    internal CudnnMathType mathType;
    internal int reserved0;
    internal int reserved1;
    internal int reserved2;
}
#pragma warning restore CA1008
#pragma warning restore CA1707
