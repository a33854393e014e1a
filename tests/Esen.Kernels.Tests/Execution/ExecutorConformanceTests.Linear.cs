using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    [SkippableTheory]
    [InlineData(1, 3, 8, 8, 4, 3, 1, 1, 1, 1)]
    [InlineData(2, 4, 9, 7, 6, 3, 2, 1, 1, 2)]
    [InlineData(1, 8, 17, 17, 8, 3, 1, 1, 1, 8)]
    [InlineData(1, 6, 16, 15, 12, 3, 2, 1, 1, 6)]
    [InlineData(2, 3, 11, 13, 5, 5, 1, 2, 2, 1)]
    [InlineData(1, 16, 7, 7, 33, 1, 1, 0, 1, 1)]
    [InlineData(1, 2, 33, 9, 3, 3, 3, 0, 3, 1)]
    public void Conv_GroupsPadsStridesDilations(int n, int c, int h, int w, int m, int k, int stride, int pad, int dilation, int groups)
    {
        Tensor x = RandomTensor(11, n, c, h, w), weights = RandomTensor(12, m, c / groups, k, k), bias = RandomTensor(13, m);
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["strides"] = AttributeValue.Ints(stride, stride),
            ["pads"] = AttributeValue.Ints(pad, pad + 1, pad, pad),
            ["dilations"] = AttributeValue.Ints(dilation, dilation),
            ["group"] = AttributeValue.Int(groups),
        };
        Tensor y = RunNode("Conv", [("x", x), ("w", weights), ("b", bias)], attributes, initializers: ["w", "b"])["y"];
        float[] expected = Reference.Conv2D(x.Floats, x.Shape.ToArray(), weights.Floats, weights.Shape.ToArray(), bias.Floats, stride, stride, pad, pad + 1, pad, pad, dilation, dilation, groups);
        Close(expected, y, $"Conv {x.Shape} k{k} s{stride} p{pad} d{dilation} g{groups}", atol: 1e-4);
    }

    [SkippableTheory]
    [InlineData("SAME_UPPER", 7, 2)]
    [InlineData("SAME_LOWER", 8, 2)]
    [InlineData("SAME_UPPER", 9, 1)]
    [InlineData("VALID", 9, 2)]
    public void Conv_AutoPad_MatchesExplicitPads(string autoPad, int size, int stride)
    {
        Tensor x = RandomTensor(21, 1, 2, size, size), weights = RandomTensor(22, 3, 2, 4, 4);
        Tensor y = RunNode("Conv", [("x", x), ("w", weights)], new()
        {
            ["auto_pad"] = AttributeValue.String(autoPad),
            ["strides"] = AttributeValue.Ints(stride, stride),
        })["y"];
        int outSize = autoPad == "VALID" ? ((size - 4) / stride) + 1 : (size + stride - 1) / stride;
        int total = autoPad == "VALID" ? 0 : Math.Max(0, ((outSize - 1) * stride) + 4 - size);
        int begin = autoPad == "SAME_LOWER" ? total - (total / 2) : total / 2;
        float[] expected = Reference.Conv2D(x.Floats, x.Shape.ToArray(), weights.Floats, weights.Shape.ToArray(), null, stride, stride, begin, begin, total - begin, total - begin, 1, 1, 1);
        Assert.Equal(new TensorShape(1, 3, outSize, outSize), y.Shape);
        Close(expected, y, $"Conv auto_pad {autoPad}", atol: 1e-4);
    }

    [SkippableTheory]
    [InlineData(1, 2, 3, 4, 4, 2, 1, 1, 1, 1, false)]
    [InlineData(2, 4, 5, 6, 7, 6, 3, 2, 1, 2, true)]
    [InlineData(1, 3, 7, 5, 6, 4, 2, 1, 2, 1, true)]
    [InlineData(1, 6, 4, 5, 5, 6, 3, 1, 1, 6, false)]
    [InlineData(2, 2, 6, 6, 6, 5, 1, 3, 2, 1, true)]
    public void Conv3D_GroupsPadsStridesDilations(int n, int c, int d, int h, int w, int m, int k, int stride, int dilation, int groups, bool withBias)
    {
        Tensor x = RandomTensor(14, n, c, d, h, w), weights = RandomTensor(15, m, c / groups, k, 2, k), bias = RandomTensor(16, m);
        int[] strides = [stride, 1, stride], pads = [1, 0, 2, 0, 1, 1], dilations = [dilation, 1, dilation];
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["strides"] = AttributeValue.Ints([.. strides.Select(v => (long)v)]),
            ["pads"] = AttributeValue.Ints([.. pads.Select(v => (long)v)]),
            ["dilations"] = AttributeValue.Ints([.. dilations.Select(v => (long)v)]),
            ["group"] = AttributeValue.Int(groups),
        };
        (string, Tensor)[] inputs = withBias ? [("x", x), ("w", weights), ("b", bias)] : [("x", x), ("w", weights)];
        Tensor y = RunNode("Conv", inputs, attributes, initializers: withBias ? ["w", "b"] : ["w"])["y"];
        float[] expected = Reference.Conv3D(x.Floats, x.Shape.ToArray(), weights.Floats, weights.Shape.ToArray(), withBias ? bias.Floats : null, strides, pads, dilations, groups);
        Close(expected, y, $"Conv3D {x.Shape} w{weights.Shape} s{stride} d{dilation} g{groups}", atol: 1e-4);
    }

    [SkippableTheory]
    [InlineData("SAME_UPPER", 2)]
    [InlineData("SAME_LOWER", 2)]
    [InlineData("VALID", 1)]
    public void Conv3D_AutoPad_MatchesExplicitPads(string autoPad, int stride)
    {
        Tensor x = RandomTensor(23, 1, 2, 5, 6, 7), weights = RandomTensor(24, 3, 2, 2, 3, 4);
        Tensor y = RunNode("Conv", [("x", x), ("w", weights)], new()
        {
            ["auto_pad"] = AttributeValue.String(autoPad),
            ["strides"] = AttributeValue.Ints(stride, stride, stride),
        })["y"];
        int[] input = [5, 6, 7], kernel = [2, 3, 4], pads = new int[6];
        for (int i = 0; i < 3 && autoPad != "VALID"; i++)
        {
            int total = Math.Max(0, ((((input[i] + stride - 1) / stride) - 1) * stride) + kernel[i] - input[i]);
            pads[i] = autoPad == "SAME_LOWER" ? total - (total / 2) : total / 2;
            pads[i + 3] = total - pads[i];
        }

        float[] expected = Reference.Conv3D(x.Floats, x.Shape.ToArray(), weights.Floats, weights.Shape.ToArray(), null, [stride, stride, stride], pads, [1, 1, 1], 1);
        Close(expected, y, $"Conv3D auto_pad {autoPad}", atol: 1e-4);
    }

    [SkippableTheory]
    [InlineData(1, 1, 1, false, false)]
    [InlineData(7, 9, 8, false, true)]
    [InlineData(16, 17, 15, true, false)]
    [InlineData(33, 8, 31, true, true)]
    public void Gemm_TransposesAlphaBetaAndBroadcastC(int m, int n, int k, bool transA, bool transB)
    {
        Tensor a = RandomTensor(31, transA ? [k, m] : [m, k]), b = RandomTensor(32, transB ? [n, k] : [k, n]);
        Tensor c = RandomTensor(33, 1, n);
        Tensor y = RunNode("Gemm", [("a", a), ("b", b), ("c", c)], new()
        {
            ["transA"] = AttributeValue.Int(transA ? 1 : 0),
            ["transB"] = AttributeValue.Int(transB ? 1 : 0),
            ["alpha"] = AttributeValue.Float(0.5f),
            ["beta"] = AttributeValue.Float(2f),
        })["y"];
        float[] product = Reference.MatMul(a.Floats, b.Floats, 1, m, k, n, transA, transB);
        float[] expected = product.Select((p, i) => (0.5f * p) + (2f * c.Floats[i % n])).ToArray();
        Close(expected, y, $"Gemm {m}x{n}x{k}", atol: 1e-4);
    }

    [SkippableTheory]
    [InlineData(new long[] { 2, 3, 7, 9 }, new long[] { 9, 8 })]
    [InlineData(new long[] { 2, 1, 5, 4 }, new long[] { 3, 4, 6 })]
    [InlineData(new long[] { 17 }, new long[] { 17, 5 })]
    [InlineData(new long[] { 3, 16, 8 }, new long[] { 8 })]
    [InlineData(new long[] { 4, 2, 3 }, new long[] { 4, 3, 33 })]
    public void MatMul_BatchedAndBroadcast(long[] aDims, long[] bDims)
    {
        Tensor a = RandomTensor(41, aDims), b = RandomTensor(42, bDims);
        Tensor y = RunNode("MatMul", [("a", a), ("b", b)])["y"];

        // Reference: promote 1-D operands, broadcast the batch dimensions, multiply each pair.
        long[] a2 = aDims.Length == 1 ? [1, aDims[0]] : aDims, b2 = bDims.Length == 1 ? [bDims[0], 1] : bDims;
        int m = (int)a2[^2], k = (int)a2[^1], n = (int)b2[^1];
        long[] batch = ShapeInference.Broadcast(new TensorShape(a2.AsSpan()[..^2]), new TensorShape(b2.AsSpan()[..^2]))!.ToArray();
        long count = batch.Aggregate(1L, (p, d) => p * d);
        var expected = new List<float>();
        for (long i = 0; i < count; i++)
        {
            int[] index = Reference.Unravel(i, batch);
            float[] Pick(float[] data, long[] dims, int rows, int cols)
            {
                long[] batchDims = dims[..^2];
                int lead = index.Length - batchDims.Length;
                long flat = Reference.Ravel(batchDims.Select((d, j) => d == 1 ? 0 : index[j + lead]).ToArray(), batchDims);
                return data.AsSpan((int)(flat * rows * cols), rows * cols).ToArray();
            }

            expected.AddRange(Reference.MatMul(Pick(a.Floats, a2, m, k), Pick(b.Floats, b2, k, n), 1, m, k, n));
        }

        Assert.Equal(expected.Count, (int)y.ElementCount);
        Close([.. expected], y, $"MatMul {a.Shape} x {b.Shape}", atol: 1e-4);
    }
}
