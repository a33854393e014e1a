using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu;

/// <summary>
/// How a Conv or Gemm node carries a fused activation: attributes <c>esen_activation</c> (the ONNX
/// op name: Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid), <c>esen_activation_alpha</c> and
/// <c>esen_activation_beta</c>. They are Esen's own; the activation-fusion rewrite sets them.
/// </summary>
public static class FusedActivations
{
    /// <summary>Attribute naming the fused activation.</summary>
    public const string KindAttribute = "esen_activation";

    /// <summary>Attribute holding the activation's alpha (LeakyRelu slope, Clip minimum, HardSigmoid slope).</summary>
    public const string AlphaAttribute = "esen_activation_alpha";

    /// <summary>Attribute holding the activation's beta (Clip maximum, HardSigmoid offset).</summary>
    public const string BetaAttribute = "esen_activation_beta";

    /// <summary>The activation fused into <paramref name="node"/>, or none.</summary>
    /// <exception cref="GraphException">The attribute names an unknown activation.</exception>
    public static FusedActivation Of(Node node)
    {
        string kind = node.GetString(KindAttribute, string.Empty);
        if (kind.Length == 0)
        {
            return FusedActivation.None;
        }

        float alpha = node.GetFloat(AlphaAttribute, 0f), beta = node.GetFloat(BetaAttribute, 0f);
        return new FusedActivation(Parse(kind) ?? throw new GraphException($"{node.Describe()}: unknown fused activation '{kind}'"), alpha, beta);
    }

    /// <summary>The kind for an ONNX activation op name, or null when it is not fusable.</summary>
    public static ActivationKind? Parse(string opType) => opType switch
    {
        "Relu" => ActivationKind.Relu,
        "LeakyRelu" => ActivationKind.LeakyRelu,
        "Clip" => ActivationKind.Clip,
        "Sigmoid" => ActivationKind.Sigmoid,
        "Tanh" => ActivationKind.Tanh,
        "HardSigmoid" => ActivationKind.HardSigmoid,
        _ => null,
    };
}
