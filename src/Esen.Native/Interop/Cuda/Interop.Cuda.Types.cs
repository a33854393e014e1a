using System.Runtime.InteropServices;

namespace Esen.Native.Interop;

#pragma warning disable CA1707 // C names kept
#pragma warning disable CA1008 // enums mirror cuda.h, which has no "None" member in every enum

/// <summary>
/// CUDA driver API status codes (cuda.h <c>CUresult</c>); the subset Esen names. Values from the CUDA
/// 12.4 cuda.h (<c>cudaError_enum</c>) and gpu-facts §1.3.
/// </summary>
internal enum CUresult
{
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_DEINITIALIZED = 4,
    CUDA_ERROR_STUB_LIBRARY = 34,
    CUDA_ERROR_DEVICE_UNAVAILABLE = 46,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_INVALID_PTX = 218,
    CUDA_ERROR_JIT_COMPILER_NOT_FOUND = 221,
    CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
    CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY = 224,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_PERMITTED = 800,
    CUDA_ERROR_NOT_SUPPORTED = 801,
    CUDA_ERROR_MPS_CONNECTION_FAILED = 805,
    CUDA_ERROR_MPS_MAX_CLIENTS_REACHED = 807,
    CUDA_ERROR_INVALID_RESOURCE_TYPE = 914,
    CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION = 915,
    CUDA_ERROR_UNKNOWN = 999,
}

/// <summary><c>CUdevice_attribute</c>: the attributes Esen reads (values from cuda.h, gpu-facts §1.3).</summary>
internal enum CUdevice_attribute
{
    CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13,
    CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36,
    CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37,
    CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    CU_DEVICE_ATTRIBUTE_MPS_ENABLED = 133,
}

/// <summary><c>CUjit_option</c> (cuda.h): the options used for loading PTX with its error log.</summary>
internal enum CUjit_option
{
    CU_JIT_MAX_REGISTERS = 0,
    CU_JIT_THREADS_PER_BLOCK = 1,
    CU_JIT_WALL_TIME = 2,
    CU_JIT_INFO_LOG_BUFFER = 3,
    CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
    CU_JIT_ERROR_LOG_BUFFER = 5,
    CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
}

/// <summary><c>CUexecAffinityType</c> (cuda.h, CUDA ≥ 11.4).</summary>
internal enum CUexecAffinityType
{
    CU_EXEC_AFFINITY_TYPE_SM_COUNT = 0,
}

/// <summary><c>CUdevResourceType</c> (cuda.h, CUDA ≥ 12.4).</summary>
internal enum CUdevResourceType
{
    CU_DEV_RESOURCE_TYPE_INVALID = 0,
    CU_DEV_RESOURCE_TYPE_SM = 1,
}

/// <summary>
/// <c>CUstreamCaptureMode</c> (cuda.h, CUDA ≥ 10.1): which other threads' unsafe calls (allocations, synchronous
/// copies) invalidate a capture. Thread-local: only the capturing thread's.
/// </summary>
internal enum CUstreamCaptureMode
{
    CU_STREAM_CAPTURE_MODE_GLOBAL = 0,
    CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
    CU_STREAM_CAPTURE_MODE_RELAXED = 2,
}

/// <summary>Flag values from cuda.h used by the bindings.</summary>
internal static class CudaFlags
{
    /// <summary><c>CU_STREAM_NON_BLOCKING</c>: no implicit synchronisation with the legacy stream.</summary>
    internal const uint CU_STREAM_NON_BLOCKING = 0x1;

    /// <summary><c>CU_EVENT_DEFAULT</c>.</summary>
    internal const uint CU_EVENT_DEFAULT = 0x0;

    /// <summary><c>CU_EVENT_DISABLE_TIMING</c>.</summary>
    internal const uint CU_EVENT_DISABLE_TIMING = 0x2;

    /// <summary>
    /// <c>CU_MEMHOSTALLOC_PORTABLE</c> (0x01): the page-locked memory counts as pinned for every context, so a buffer
    /// made in one member's context can stage copies of another's.
    /// </summary>
    internal const uint CU_MEMHOSTALLOC_PORTABLE = 0x01;

    /// <summary><c>CU_CTX_SCHED_AUTO</c>.</summary>
    internal const uint CU_CTX_SCHED_AUTO = 0x0;

    /// <summary><c>CU_GREEN_CTX_DEFAULT_STREAM</c>: required by <c>cuGreenCtxCreate</c>.</summary>
    internal const uint CU_GREEN_CTX_DEFAULT_STREAM = 0x1;

    /// <summary>First driver version with <c>cuCtxCreate_v4</c> (12.5).</summary>
    internal const int CtxCreateV4MinimumDriver = 12050;

    /// <summary>First driver version with green contexts (12.4).</summary>
    internal const int GreenContextMinimumDriver = 12040;

    /// <summary>First driver version with <c>cuGreenCtxStreamCreate</c> (12.5).</summary>
    internal const int GreenContextStreamMinimumDriver = 12050;
}

/// <summary><c>CUexecAffinityParam</c>: a type tag and a one-member union; 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CUexecAffinityParam
{
    internal CUexecAffinityType type;

    /// <summary><c>param.smCount.val</c>.</summary>
    internal uint smCount;
}

/// <summary><c>CUctxCreateParams</c> (CUDA ≥ 12.5): 24 bytes on x64 (pointer, int, padding, pointer).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CUctxCreateParams
{
    internal CUexecAffinityParam* execAffinityParams;
    internal int numExecAffinityParams;
    internal IntPtr cigParams;
}

/// <summary>
/// <c>CUdevResource</c>: always 144 bytes; <c>type</c> at 0 and the SM member of the union at 96
/// (12.4–13.0: 92 bytes of padding after the type; 13.1+ adds <c>nextResource</c> at 136). The
/// 13.0+ fields read as zero on 12.x drivers because the struct is zero-initialised (gpu-facts §1.4).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct CUdevResource
{
    [FieldOffset(0)]
    internal CUdevResourceType type;

    /// <summary><c>sm.smCount</c>.</summary>
    [FieldOffset(96)]
    internal uint smCount;

    /// <summary><c>sm.minSmPartitionSize</c> (CUDA ≥ 13.0; zero before).</summary>
    [FieldOffset(100)]
    internal uint minSmPartitionSize;

    /// <summary><c>sm.smCoscheduledAlignment</c> (CUDA ≥ 13.0; zero before).</summary>
    [FieldOffset(104)]
    internal uint smCoscheduledAlignment;

    /// <summary><c>sm.flags</c> (CUDA ≥ 13.1).</summary>
    [FieldOffset(108)]
    internal uint flags;

    /// <summary><c>nextResource</c> (CUDA ≥ 13.1).</summary>
    [FieldOffset(136)]
    internal IntPtr nextResource;
}
#pragma warning restore CA1008
#pragma warning restore CA1707
