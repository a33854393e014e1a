namespace Esen.Native.Cudnn;

// Public cuDNN 9 enums with their header values (cudnn_graph.h, cudnn_cnn.h; gpu-facts §1.6).
#pragma warning disable CA1008 // values mirror the headers; not every enum has a zero member

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
/// <summary><c>cudnnActivationMode_t</c> (cudnn_ops.h).</summary>
public enum CudnnActivationMode
{
    /// <summary>CUDNN_ACTIVATION_SIGMOID.</summary>
    Sigmoid = 0,

    /// <summary>CUDNN_ACTIVATION_RELU.</summary>
    Relu = 1,

    /// <summary>CUDNN_ACTIVATION_TANH.</summary>
    Tanh = 2,

    /// <summary>CUDNN_ACTIVATION_CLIPPED_RELU.</summary>
    ClippedRelu = 3,

    /// <summary>CUDNN_ACTIVATION_ELU.</summary>
    Elu = 4,

    /// <summary>CUDNN_ACTIVATION_IDENTITY: only for <c>cudnnConvolutionBiasActivationForward</c>.</summary>
    Identity = 5,

    /// <summary>CUDNN_ACTIVATION_SWISH.</summary>
    Swish = 6,
}

/// <summary><c>cudnnNanPropagation_t</c> (cudnn_graph.h).</summary>
public enum CudnnNanPropagation
{
    /// <summary>CUDNN_NOT_PROPAGATE_NAN.</summary>
    NotPropagateNan = 0,

    /// <summary>CUDNN_PROPAGATE_NAN.</summary>
    PropagateNan = 1,
}
#pragma warning restore CA1008
