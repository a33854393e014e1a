using Esen.TestUtilities;
using Xunit.Sdk;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The measure the GPU tests compare with, checked here since those tests skip without a GPU.</summary>
public class GpuToleranceTests
{
    [Fact]
    public void RelativeL2_IsTheErrorNormOverTheExpectedNorm()
    {
        float[] expected = [3f, -4f];

        Assert.Equal(0, GpuTolerance.RelativeL2(expected, expected));

        // ‖(0.03, 0.04)‖ / ‖(3, −4)‖ = 0.05 / 5.
        Assert.Equal(1e-2, GpuTolerance.RelativeL2(expected, [3.03f, -3.96f]), 1e-6);
    }

    [Fact]
    public void AssertRelativeL2_FailsAboveTheBoundAndOnNaN()
    {
        float[] expected = [.. Enumerable.Range(0, 64).Select(i => MathF.Sin(i))];
        float[] tf32Like = [.. expected.Select(v => v * (1 + 2e-3f))];

        GpuTolerance.AssertRelativeL2(expected, tf32Like, GpuTolerance.Tf32RelativeL2, "tf32");
        Assert.Throws<TrueException>(() => GpuTolerance.AssertRelativeL2(expected, tf32Like, GpuTolerance.Fp32RelativeL2, "fp32"));
        Assert.Throws<TrueException>(() => GpuTolerance.AssertRelativeL2(expected, [.. expected.Select((v, i) => i == 5 ? float.NaN : v)], 1, "nan"));
    }
}
