using Xunit;

namespace Esen.TestUtilities;

/// <summary>
/// The relative L2 error ‖actual − expected‖₂ / ‖expected‖₂ over a whole output, the measure GPU
/// results are held to against the CPU executor (the bounds are <c>GpuMath.CpuRelativeL2Tolerance</c>).
/// </summary>
public static class RelativeL2
{
    /// <summary>‖actual − expected‖₂ / ‖expected‖₂ (the absolute L2 error when expected is all zero).</summary>
    public static double Of(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
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
    public static void AssertAtMost(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double bound, string what)
    {
        double error = Of(expected, actual);
        Assert.True(error <= bound, $"{what}: relative L2 error {error:E2} exceeds {bound:E0}");
    }
}
