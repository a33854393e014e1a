using System.Text;
using Esen.Kernels.Graph;

namespace Esen.Serving.Tests;

/// <summary>JSON tensor numbers become the float nearest to the decimal written (IEEE 754 round to nearest, ties to even).</summary>
public sealed class JsonTensorDataTests
{
    [Theory]
    // 1 + 2^-24 is the midpoint of 1 and the next float, 1 + 2^-23. A decimal 6e-19 above it is nearer the upper
    // float; read as a double first it would become the midpoint itself and then round to even, to 1.
    [InlineData("1.000000059604644776", 0x3F800001)]
    // The midpoint itself rounds to even: 1.
    [InlineData("1.000000059604644775390625", 0x3F800000)]
    [InlineData("-0.0", unchecked((int)0x80000000))]
    [InlineData("3.4028234663852886e38", 0x7F7FFFFF)]
    public void Numbers_RoundOnceToTheNearestFloat(string number, int expectedBits)
    {
        string json = $$"""{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 1], "data": [{{number}}]}]}""";

        DecodedRequest request = InferenceProtocol.Decode(Encoding.UTF8.GetBytes(json), null, "x", new TensorShape(1), maxElements: 16);

        Assert.Equal(expectedBits, BitConverter.SingleToInt32Bits(request.Input.Floats[0]));
    }
}
