namespace Esen.Kernels.Cpu.Kernels;

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

/// <summary>An epilogue activation with its parameters (ONNX attribute meanings).</summary>
/// <param name="Kind">Which function.</param>
/// <param name="Alpha">LeakyRelu slope, Clip minimum, HardSigmoid slope.</param>
/// <param name="Beta">Clip maximum, HardSigmoid offset.</param>
public readonly record struct FusedActivation(ActivationKind Kind, float Alpha = 0f, float Beta = 0f)
{
    /// <summary>No activation.</summary>
    public static FusedActivation None => default;
}
