using Xunit;

namespace Esen.TestUtilities;

/// <summary>
/// How close GPU outputs must be to the CPU executor's, as the relative L2 error
/// ‖actual − expected‖₂ / ‖expected‖₂ over a whole output (docs/cuda-executor.md, "Precision").
/// </summary>
public static class GpuTolerance
{
    /// <summary>
    /// fp32: cuDNN and cuBLAS compute in IEEE single precision like the CPU kernels, and only the order
    /// of the sums differs, which stays near 1e-6 relative even through deep networks.
    /// </summary>
    public const double Fp32RelativeL2 = 1e-4;

    /// <summary>
    /// tf32: tensor cores round both operands of every product to a 10-bit mantissa (unit roundoff
    /// 2⁻¹¹ ≈ 4.9e-4, so about 5e-4 relative per product) and every convolution and GEMM adds such an
    /// error; on an H200 MobileNetV2 came out 6.5e-3 from the CPU executor.
    /// </summary>
    public const double Tf32RelativeL2 = 1e-2;

    /// <summary>‖actual − expected‖₂ / ‖expected‖₂ (the absolute L2 error when expected is all zero).</summary>
    public static double RelativeL2(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.True(expected.Length == actual.Length, $"{actual.Length} elements, expected {expected.Length}");
        double error = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = (double)actual[i] - expected[i];
            error += difference * difference;
            norm += (double)expected[i] * expected[i];
        }

        return norm == 0 ? Math.Sqrt(error) : Math.Sqrt(error / norm);
    }

    /// <summary>Fails unless the relative L2 error is at most <paramref name="bound"/> (a NaN error fails too).</summary>
    public static void AssertRelativeL2(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double bound, string what)
    {
        double error = RelativeL2(expected, actual);
        Assert.True(error <= bound, $"{what}: relative L2 error {error:E2} exceeds {bound:E0}");
    }
}
