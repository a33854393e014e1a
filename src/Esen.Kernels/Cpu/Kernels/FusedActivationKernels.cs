using System.Numerics;
using System.Numerics.Tensors;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>The CPU's epilogue of a <see cref="FusedActivation"/>.</summary>
internal static class FusedActivationKernels
{
    /// <summary>values[i] = act(values[i] + bias), vectorised; the epilogue of the GEMM and convolution kernels.</summary>
    internal static void Apply(this FusedActivation activation, Span<float> values, float bias)
    {
        if (bias != 0f)
        {
            TensorPrimitives.Add(values, bias, values);
        }

        switch (activation.Kind)
        {
            case ActivationKind.None:
                break;
            case ActivationKind.Relu:
                TensorPrimitives.Max(values, 0f, values);
                break;
            case ActivationKind.LeakyRelu:
                LeakyRelu(values, activation.Alpha);
                break;
            case ActivationKind.Clip:
                TensorPrimitives.Max(values, activation.Alpha, values);
                TensorPrimitives.Min(values, activation.Beta, values);
                break;
            case ActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(values, values);
                break;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(values, values);
                break;
            case ActivationKind.HardSigmoid:
                TensorPrimitives.Multiply(values, activation.Alpha, values);
                TensorPrimitives.Add(values, activation.Beta, values);
                TensorPrimitives.Max(values, 0f, values);
                TensorPrimitives.Min(values, 1f, values);
                break;
            default:
                throw new InvalidOperationException($"unknown activation {activation.Kind}");
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
