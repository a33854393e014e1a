using Esen.Kernels.Graph;

namespace Esen.Kernels.Ops;

/// <summary>The activation a Conv or Gemm kernel applies in its epilogue, after the bias.</summary>
public enum ActivationKind
{
    /// <summary>y = x.</summary>
    None,

    /// <summary>y = max(x, 0).</summary>
    Relu,

    /// <summary>y = x ≥ 0 ? x : Alpha·x.</summary>
    LeakyRelu,

    /// <summary>y = min(max(x, Alpha), Beta).</summary>
    Clip,

    /// <summary>y = 1 / (1 + e^−x).</summary>
    Sigmoid,

    /// <summary>y = tanh(x).</summary>
    Tanh,

    /// <summary>y = max(0, min(1, Alpha·x + Beta)).</summary>
    HardSigmoid,
}

/// <summary>An activation with its parameters (ONNX attribute meanings): a node of its own, or fused into the epilogue of a Conv or Gemm.</summary>
/// <param name="Kind">Which function.</param>
/// <param name="Alpha">LeakyRelu slope, Clip minimum, HardSigmoid slope.</param>
/// <param name="Beta">Clip maximum, HardSigmoid offset.</param>
public readonly record struct FusedActivation(ActivationKind Kind, float Alpha = 0f, float Beta = 0f)
{
    /// <summary>No activation.</summary>
    public static FusedActivation None => default;
}

/// <summary>
/// The activation ops' description, read once for every layer that needs it (shape inference, both
/// executors, the fusion rewrite, the cost analysis): which ops are activations, their attributes with
/// ONNX's defaults, and how a Conv or Gemm node carries a fused one — attributes <c>esen_activation</c>
/// (the ONNX op name), <c>esen_activation_alpha</c> and <c>esen_activation_beta</c>, Esen's own, set by
/// the activation-fusion rewrite.
/// </summary>
public static class Activations
{
    /// <summary>Attribute naming the fused activation.</summary>
    public const string KindAttribute = "esen_activation";

    /// <summary>Attribute holding the activation's alpha (LeakyRelu slope, Clip minimum, HardSigmoid slope).</summary>
    public const string AlphaAttribute = "esen_activation_alpha";

    /// <summary>Attribute holding the activation's beta (Clip maximum, HardSigmoid offset).</summary>
    public const string BetaAttribute = "esen_activation_beta";

    // ONNX operator defaults: LeakyRelu alpha (opset 6+), HardSigmoid alpha and beta (opset 6+).
    private const float LeakyReluAlpha = 0.01f;
    private const float HardSigmoidAlpha = 0.2f;
    private const float HardSigmoidBeta = 0.5f;

    /// <summary>The kind for an ONNX activation op name, or null when the op is not an activation.</summary>
    public static ActivationKind? KindOf(string opType) => opType switch
    {
        "Relu" => ActivationKind.Relu,
        "LeakyRelu" => ActivationKind.LeakyRelu,
        "Clip" => ActivationKind.Clip,
        "Sigmoid" => ActivationKind.Sigmoid,
        "Tanh" => ActivationKind.Tanh,
        "HardSigmoid" => ActivationKind.HardSigmoid,
        _ => null,
    };

    /// <summary>
    /// The activation an activation node computes. Clip's bounds are attributes before opset 11 and
    /// optional inputs after; an input bound is read with <paramref name="constantOf"/>, and when it is
    /// not known before run time the result is null.
    /// </summary>
    /// <param name="node">A node whose op is an activation (<see cref="KindOf"/> is not null).</param>
    /// <param name="constantOf">The value of a graph value known before run time, or null.</param>
    /// <exception cref="ArgumentException">The node is not an activation.</exception>
    public static FusedActivation? Of(Node node, Func<string, Tensor?> constantOf)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(constantOf);
        ActivationKind kind = KindOf(node.OpType) ?? throw new ArgumentException($"{node.Describe()} is not an activation", nameof(node));
        switch (kind)
        {
            case ActivationKind.LeakyRelu:
                return new FusedActivation(kind, node.GetFloat("alpha", LeakyReluAlpha));
            case ActivationKind.HardSigmoid:
                return new FusedActivation(kind, node.GetFloat("alpha", HardSigmoidAlpha), node.GetFloat("beta", HardSigmoidBeta));
            case ActivationKind.Clip:
                (float minAttribute, float maxAttribute) = ClipAttributes(node);
                float? min = ClipBound(node, 1, minAttribute, constantOf);
                float? max = ClipBound(node, 2, maxAttribute, constantOf);
                return min is float lower && max is float upper ? new FusedActivation(kind, lower, upper) : null;
            default:
                return new FusedActivation(kind);
        }
    }

    /// <summary>Clip's bounds as attributes (before opset 11), unbounded where absent.</summary>
    public static (float Min, float Max) ClipAttributes(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return (node.GetFloat("min", float.NegativeInfinity), node.GetFloat("max", float.PositiveInfinity));
    }

    /// <summary>The activation fused into a Conv or Gemm <paramref name="node"/>, or none.</summary>
    /// <exception cref="GraphException">The attribute names an unknown activation.</exception>
    public static FusedActivation FusedInto(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        string kind = node.GetString(KindAttribute, string.Empty);
        if (kind.Length == 0)
        {
            return FusedActivation.None;
        }

        float alpha = node.GetFloat(AlphaAttribute, 0f), beta = node.GetFloat(BetaAttribute, 0f);
        return new FusedActivation(KindOf(kind) ?? throw new GraphException($"{node.Describe()}: unknown fused activation '{kind}'"), alpha, beta);
    }

    /// <summary>The attributes that fuse <paramref name="activation"/> (computed by op <paramref name="opType"/>) into a Conv or Gemm.</summary>
    public static Dictionary<string, AttributeValue> FusionAttributes(string opType, FusedActivation activation) => new()
    {
        [KindAttribute] = AttributeValue.String(opType),
        [AlphaAttribute] = AttributeValue.Float(activation.Alpha),
        [BetaAttribute] = AttributeValue.Float(activation.Beta),
    };

    private static float? ClipBound(Node node, int input, float attribute, Func<string, Tensor?> constantOf)
    {
        if (!node.HasInput(input))
        {
            return attribute;
        }

        return constantOf(node.Inputs[input]) is { DataType: DataType.Float32, ElementCount: 1 } bound ? bound.Floats[0] : null;
    }
}
