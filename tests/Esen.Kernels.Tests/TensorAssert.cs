using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests;

/// <summary>Tolerance comparisons of tensors: |actual − expected| ≤ atol + rtol·|expected| element-wise.</summary>
public static class TensorAssert
{
    public static void Close(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.True(expected.DataType == actual.DataType, $"{what}: type {actual.DataType}, expected {expected.DataType}");
        Assert.True(expected.Shape.ElementCount == actual.Shape.ElementCount, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        if (expected.DataType == DataType.Int64)
        {
            Assert.Equal(expected.Int64s, actual.Int64s);
            return;
        }

        Close(expected.Floats, actual.Floats, rtol, atol, what);
    }

    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) ? float.IsNaN(a) : (e == a || Math.Abs(a - e) <= atol + (rtol * Math.Abs(e))))
            {
                continue;
            }

            Assert.Fail($"{what}: element {i} is {a}, expected {e} (rtol {rtol}, atol {atol})");
        }
    }
}
