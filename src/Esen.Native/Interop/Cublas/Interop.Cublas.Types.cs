namespace Esen.Native.Interop;

#pragma warning disable CA1707 // C names kept
#pragma warning disable CA1008 // enums mirror the headers

/// <summary><c>cublasStatus_t</c> (cublas_api.h, CUDA 12/13).</summary>
internal enum cublasStatus_t
{
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16,
}

/// <summary><c>cublasOperation_t</c> (cublas_api.h; gpu-facts §1.5).</summary>
public enum CublasOperation
{
    /// <summary><c>CUBLAS_OP_N</c>.</summary>
    None = 0,

    /// <summary><c>CUBLAS_OP_T</c>.</summary>
    Transpose = 1,

    /// <summary><c>CUBLAS_OP_C</c>.</summary>
    ConjugateTranspose = 2,
}

/// <summary><c>cublasMath_t</c> (cublas_api.h; gpu-facts §1.5).</summary>
public enum CublasMath
{
    /// <summary><c>CUBLAS_DEFAULT_MATH</c>.</summary>
    Default = 0,

    /// <summary><c>CUBLAS_PEDANTIC_MATH</c>.</summary>
    Pedantic = 2,

    /// <summary><c>CUBLAS_TF32_TENSOR_OP_MATH</c>.</summary>
    Tf32TensorOp = 3,

    /// <summary><c>CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION</c> (a flag added to a mode).</summary>
    DisallowReducedPrecisionReduction = 16,
}

/// <summary><c>cublasComputeType_t</c> (cublas_api.h; gpu-facts §1.5).</summary>
public enum CublasComputeType
{
    /// <summary><c>CUBLAS_COMPUTE_16F</c>.</summary>
    Compute16F = 64,

    /// <summary><c>CUBLAS_COMPUTE_16F_PEDANTIC</c>.</summary>
    Compute16FPedantic = 65,

    /// <summary><c>CUBLAS_COMPUTE_32F</c>.</summary>
    Compute32F = 68,

    /// <summary><c>CUBLAS_COMPUTE_32F_PEDANTIC</c>.</summary>
    Compute32FPedantic = 69,

    /// <summary><c>CUBLAS_COMPUTE_64F</c>.</summary>
    Compute64F = 70,

    /// <summary><c>CUBLAS_COMPUTE_32I</c>.</summary>
    Compute32I = 72,

    /// <summary><c>CUBLAS_COMPUTE_32F_FAST_16F</c>.</summary>
    Compute32FFast16F = 74,

    /// <summary><c>CUBLAS_COMPUTE_32F_FAST_16BF</c>.</summary>
    Compute32FFast16BF = 75,

    /// <summary><c>CUBLAS_COMPUTE_32F_FAST_TF32</c>.</summary>
    Compute32FFastTf32 = 77,
}

/// <summary><c>cudaDataType</c> (library_types.h; gpu-facts §1.5).</summary>
public enum CudaDataType
{
    /// <summary><c>CUDA_R_32F</c>.</summary>
    R32F = 0,

    /// <summary><c>CUDA_R_64F</c>.</summary>
    R64F = 1,

    /// <summary><c>CUDA_R_16F</c>.</summary>
    R16F = 2,

    /// <summary><c>CUDA_R_8I</c>.</summary>
    R8I = 3,

    /// <summary><c>CUDA_R_32I</c>.</summary>
    R32I = 10,

    /// <summary><c>CUDA_R_16BF</c>.</summary>
    R16BF = 14,
}

/// <summary><c>cublasGemmAlgo_t</c> (cublas_api.h; gpu-facts §1.5).</summary>
public enum CublasGemmAlgo
{
    /// <summary><c>CUBLAS_GEMM_DEFAULT</c>.</summary>
    Default = -1,

    /// <summary><c>CUBLAS_GEMM_DEFAULT_TENSOR_OP</c>.</summary>
    DefaultTensorOp = 99,
}

/// <summary><c>libraryPropertyType</c> (library_types.h).</summary>
internal enum libraryPropertyType
{
    MAJOR_VERSION = 0,
    MINOR_VERSION = 1,
    PATCH_LEVEL = 2,
}
#pragma warning restore CA1008
#pragma warning restore CA1707
