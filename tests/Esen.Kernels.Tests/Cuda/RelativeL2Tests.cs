using Esen.Kernels.Cuda;
using Esen.TestUtilities;
using Xunit.Sdk;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The measure the GPU tests compare with, checked here since those tests skip without a GPU.</summary>
public class RelativeL2Tests
{
    [Fact]
    public void Of_IsTheErrorNormOverTheExpectedNorm()
    {
        float[] expected = [3f, -4f];

        Assert.Equal(0, RelativeL2.Of(expected, expected));

        // ‖(0.03, 0.04)‖ / ‖(3, −4)‖ = 0.05 / 5.
        Assert.Equal(1e-2, RelativeL2.Of(expected, [3.03f, -3.96f]), 1e-6);
    }

    [Fact]
    public void AssertAtMost_FailsAboveTheBoundAndOnNaN()
    {
        float[] expected = [.. Enumerable.Range(0, 64).Select(i => MathF.Sin(i))];
        float[] tf32Like = [.. expected.Select(v => v * (1 + 2e-3f))];
        double fp32 = new GpuMath(GpuPrecision.Fp32).CpuRelativeL2Tolerance, tf32 = new GpuMath(GpuPrecision.Tf32).CpuRelativeL2Tolerance;

        RelativeL2.AssertAtMost(expected, tf32Like, tf32, "tf32");
        Assert.Throws<TrueException>(() => RelativeL2.AssertAtMost(expected, tf32Like, fp32, "fp32"));
        Assert.Throws<TrueException>(() => RelativeL2.AssertAtMost(expected, [.. expected.Select((v, i) => i == 5 ? float.NaN : v)], 1, "nan"));
    }
}
