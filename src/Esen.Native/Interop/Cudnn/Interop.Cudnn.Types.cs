using System.Runtime.InteropServices;
using Esen.Native.Cudnn;

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
