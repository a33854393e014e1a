using System.Numerics.Tensors;

namespace Esen.Kernels.Cpu.Ops;

internal static partial class CpuOps
{
    /// <summary>
    /// Inference batch normalisation: y = (x − mean)/√(var + ε)·scale + bias per channel, computed as
    /// a multiply and an add per element with a = scale/√(var + ε), b = bias − mean·a.
    /// </summary>
    public static void BatchNormalization(
        ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int plane,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        for (int c = 0; c < channels; c++)
        {
            float a = scale[c] / MathF.Sqrt(variance[c] + epsilon);
            float b = bias[c] - (mean[c] * a);
            for (int n = 0; n < batch; n++)
            {
                int start = ((n * channels) + c) * plane;
                Span<float> destination = y.Slice(start, plane);
                TensorPrimitives.Multiply(x.Slice(start, plane), a, destination);
                TensorPrimitives.Add(destination, b, destination);
            }
        }
    }

    /// <summary>
    /// Softmax over the middle dimension of a [outer, axis, inner] view: y = e^(x − max) / Σ e^(x − max).
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y, int outer, int axis, int inner)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> row = x.Slice(o * axis, axis);
                Span<float> outRow = y.Slice(o * axis, axis);

                // Subtracting the maximum keeps e^x finite for large inputs.
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), outRow);
                TensorPrimitives.Exp(outRow, outRow);
                TensorPrimitives.Divide(outRow, TensorPrimitives.Sum(outRow), outRow);
            }

            return;
        }

        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = (o * axis * inner) + i;
                float max = float.NegativeInfinity;
                for (int a = 0; a < axis; a++)
                {
                    max = MathF.Max(max, x[start + (a * inner)]);
                }

                float sum = 0f;
                for (int a = 0; a < axis; a++)
                {
                    float e = MathF.Exp(x[start + (a * inner)] - max);
                    y[start + (a * inner)] = e;
                    sum += e;
                }

                for (int a = 0; a < axis; a++)
                {
                    y[start + (a * inner)] /= sum;
                }
            }
        }
    }

    /// <summary>
    /// Layer normalisation of each of <paramref name="rows"/> rows of <paramref name="cols"/> elements:
    /// y = (x − mean)/√(var + ε)·scale + bias, with scale and bias already expanded to a row. The mean and
    /// 1/√(var + ε) of each row go to <paramref name="means"/> and <paramref name="invStdDevs"/> when not empty.
    /// </summary>
    public static void LayerNormalization(
        ReadOnlySpan<float> x, Span<float> y, int rows, int cols, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float epsilon, Span<float> means, Span<float> invStdDevs)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * cols, cols);
            Span<float> outRow = y.Slice(r * cols, cols);
            double sum = 0;
            foreach (float v in row)
            {
                sum += v;
            }

            float mean = (float)(sum / cols);
            double squares = 0;
            foreach (float v in row)
            {
                double d = v - mean;
                squares += d * d;
            }

            float inv = (float)(1.0 / Math.Sqrt((squares / cols) + epsilon));
            TensorPrimitives.Subtract(row, mean, outRow);
            TensorPrimitives.Multiply(outRow, inv, outRow);
            if (!scale.IsEmpty)
            {
                TensorPrimitives.Multiply(outRow, scale, outRow);
            }

            if (!bias.IsEmpty)
            {
                TensorPrimitives.Add(outRow, bias, outRow);
            }

            if (!means.IsEmpty)
            {
                means[r] = mean;
            }

            if (!invStdDevs.IsEmpty)
            {
                invStdDevs[r] = inv;
            }
        }
    }
}
