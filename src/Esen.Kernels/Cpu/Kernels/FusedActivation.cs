using System.Numerics;
using System.Numerics.Tensors;

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

    /// <summary>values[i] = act(values[i] + bias), vectorised; the epilogue of the GEMM and convolution kernels.</summary>
    internal void Apply(Span<float> values, float bias)
    {
        if (bias != 0f)
        {
            TensorPrimitives.Add(values, bias, values);
        }

        switch (Kind)
        {
            case ActivationKind.None:
                break;
            case ActivationKind.Relu:
                TensorPrimitives.Max(values, 0f, values);
                break;
            case ActivationKind.LeakyRelu:
                LeakyRelu(values, Alpha);
                break;
            case ActivationKind.Clip:
                TensorPrimitives.Max(values, Alpha, values);
                TensorPrimitives.Min(values, Beta, values);
                break;
            case ActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(values, values);
                break;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(values, values);
                break;
            case ActivationKind.HardSigmoid:
                TensorPrimitives.Multiply(values, Alpha, values);
                TensorPrimitives.Add(values, Beta, values);
                TensorPrimitives.Max(values, 0f, values);
                TensorPrimitives.Min(values, 1f, values);
                break;
            default:
                throw new InvalidOperationException($"unknown activation {Kind}");
        }
    }

    private static void LeakyRelu(Span<float> values, float slope)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var zero = Vector<float>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values[i..]);
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, zero), v, v * slope).CopyTo(values[i..]);
            }
        }

        for (; i < values.Length; i++)
        {
            values[i] = values[i] >= 0f ? values[i] : slope * values[i];
        }
    }
}
