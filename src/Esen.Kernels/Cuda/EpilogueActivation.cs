using Esen.Kernels.Ops;

namespace Esen.Kernels.Cuda;

/// <summary>
/// The activation codes of <c>esen_bias_activation</c> (kernels/activation.cu): the values of
/// <see cref="ActivationKind"/>, plus GELU and erf, which only the CUDA epilogue has.
/// </summary>
internal enum EpilogueActivation
{
    None = ActivationKind.None,
    Relu = ActivationKind.Relu,
    LeakyRelu = ActivationKind.LeakyRelu,
    Clip = ActivationKind.Clip,
    Sigmoid = ActivationKind.Sigmoid,
    Tanh = ActivationKind.Tanh,
    HardSigmoid = ActivationKind.HardSigmoid,

    /// <summary>0.5·x·(1 + erf(x/√2)) (ONNX Gelu, approximate = "none").</summary>
    Gelu = 7,

    /// <summary>erf(x) (ONNX Erf).</summary>
    Erf = 8,
}
