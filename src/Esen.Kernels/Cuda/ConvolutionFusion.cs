using Esen.Kernels.Ops;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Cuda;

/// <summary>
/// When a cuDNN convolution takes its bias and activation in the same call (<c>cudnnConvolutionBiasActivationForward</c>)
/// instead of a separate bias-activation launch. Pure, so it is tested without a GPU. That call always adds a bias and
/// offers, of the activations a Conv node carries, ReLU and identity; cuDNN's documentation allows identity only with
/// <see cref="CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm"/> (ReLU with any algorithm). Everything else keeps the
/// epilogue launch after the convolution.
/// </summary>
internal static class ConvolutionFusion
{
    /// <summary>The activation cuDNN applies in the fused call, or null when the convolution is not fused.</summary>
    /// <param name="algorithm">The convolution's cuDNN algorithm.</param>
    /// <param name="activation">The activation fused into the Conv node (<see cref="ActivationKind.None"/> for none).</param>
    /// <param name="hasBias">Whether the Conv node has a bias input.</param>
    public static CudnnActivationMode? FusedActivation(CudnnConvolutionForwardAlgorithm algorithm, ActivationKind activation, bool hasBias) =>
        !hasBias ? null
        : activation == ActivationKind.Relu ? CudnnActivationMode.Relu
        : activation == ActivationKind.None && algorithm == CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm ? CudnnActivationMode.Identity
        : null;
}
