using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    [SkippableTheory]
    [InlineData(new long[] { 2, 3, 4 }, new[] { 2, 0, 1 })]
    [InlineData(new long[] { 17, 9 }, new[] { 1, 0 })]
    [InlineData(new long[] { 2, 3, 4, 5 }, new[] { 0, 2, 3, 1 })]
    public void Transpose_Permutes(long[] dims, int[] perm)
    {
        Tensor x = RandomTensor(61, dims);
        Tensor y = RunNode("Transpose", [("x", x)], new() { ["perm"] = AttributeValue.Ints(perm.Select(p => (long)p).ToArray()) })["y"];
        Assert.Equal(new TensorShape(perm.Select(p => dims[p]).ToArray()), y.Shape);
        Close(Reference.Transpose(x.Floats, dims, perm), y, "Transpose");
    }

    [SkippableTheory]
    [InlineData("Transpose")]
    [InlineData("Slice")]
    [InlineData("Concat")]
    public void DataMovement_OfInt64_MovesWholeElements(string op)
    {
        // 105 elements: more than ExecutionSchedule.MaxSpecializedElements, so the values move at run time. Element i
        // holds Value(i), with distinct high and low words; the expected output lists which element each position reads.
        long[] dims = [3, 5, 7];
        static long Value(long i) => (i << 33) + i - 50;
        Tensor x = Tensor.FromInt64s(new TensorShape(dims), [.. Enumerable.Range(0, 105).Select(i => Value(i))]);
        float[] index = [.. Enumerable.Range(0, 105).Select(i => (float)i)];
        (Tensor y, IEnumerable<float> read) = op switch
        {
            "Transpose" => (RunNode("Transpose", [("x", x)], new() { ["perm"] = AttributeValue.Ints(2, 0, 1) })["y"], Reference.Transpose(index, dims, [2, 0, 1])),
            "Slice" => (
                RunNode("Slice", [("x", x), ("starts", Tensor.Vector([1L])), ("ends", Tensor.Vector([5L])), ("axes", Tensor.Vector([1L])), ("steps", Tensor.Vector([2L]))],
                    initializers: ["starts", "ends", "axes", "steps"])["y"],
                from i0 in Enumerable.Range(0, 3) from i1 in new[] { 1, 3 } from i2 in Enumerable.Range(0, 7) select (float)Reference.Ravel([i0, i1, i2], dims)),
            _ => (
                RunNode("Concat", [("a", x), ("b", x)], new() { ["axis"] = AttributeValue.Int(1) })["y"],
                from i0 in Enumerable.Range(0, 3) from i1 in Enumerable.Range(0, 10) from i2 in Enumerable.Range(0, 7) select (float)Reference.Ravel([i0, i1 % 5, i2], dims)),
        };
        Assert.Equal(DataType.Int64, y.DataType);
        Assert.Equal(read.Select(i => Value((long)i)), y.Int64s);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Concat_AlongAxis(int axis)
    {
        Tensor a = RandomTensor(62, 2, 3, 4), b = RandomTensor(63, 2, 3, 4);
        Tensor y = RunNode("Concat", [("a", a), ("b", b)], new() { ["axis"] = AttributeValue.Int(axis) })["y"];
        int ax = axis < 0 ? axis + 3 : axis;
        long[] yDims = [2, 3, 4];
        yDims[ax] *= 2;
        var expected = new float[48];
        for (int i = 0; i < 48; i++)
        {
            int[] index = Reference.Unravel(i, yDims);
            bool second = index[ax] >= 2 + (ax == 0 ? 0 : ax == 1 ? 1 : 2);
            int half = (int)(yDims[ax] / 2);
            index[ax] -= second ? half : 0;
            expected[i] = (second ? b : a).Floats[Reference.Ravel(index, [2, 3, 4])];
        }

        Close(expected, y, $"Concat axis {axis}");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void Concat_OfComputedInputs_AlongTheChannels(int batch)
    {
        // At batch 1 the producers write straight into the Concat's output (ExecutionSchedule); at batch 2 it copies.
        Fixture.RequireDevice();
        var g = new GraphBuilder("concat-computed", batch: batch);
        string a = g.Input("a", batch, 3, 5), b = g.Input("b", batch, 2, 5);
        g.Output(g.Concat(1, [g.Relu(a), g.Tanh(b)], name: "y"));
        Tensor ta = RandomTensor(65, batch, 3, 5), tb = RandomTensor(66, batch, 2, 5);
        using IExecutor executor = Fixture.Create(g.Build());
        Tensor y = executor.Run(new Dictionary<string, Tensor> { ["a"] = ta, ["b"] = tb })["y"];
        float[] expected = Enumerable.Range(0, batch).SelectMany(n =>
            ta.Floats.Skip(n * 15).Take(15).Select(v => Math.Max(v, 0f)).Concat(tb.Floats.Skip(n * 10).Take(10).Select(MathF.Tanh))).ToArray();
        Close(expected, y, $"Concat of Relu and Tanh, batch {batch}");
    }

    [SkippableTheory]
    [InlineData(new long[] { 1 }, new long[] { 7 }, new long[] { 1 }, new long[] { 2 })]
    [InlineData(new long[] { -1 }, new long[] { -100 }, new long[] { 1 }, new long[] { -1 })]
    [InlineData(new long[] { 0, 1 }, new long[] { 2, 1000 }, new long[] { 0, 2 }, new long[] { 1, 3 })]
    public void Slice_StartsEndsAxesSteps(long[] starts, long[] ends, long[] axes, long[] steps)
    {
        long[] dims = [3, 9, 5];
        Tensor x = RandomTensor(64, dims);
        Tensor y = RunNode("Slice", [("x", x), ("starts", Tensor.Vector(starts)), ("ends", Tensor.Vector(ends)), ("axes", Tensor.Vector(axes)), ("steps", Tensor.Vector(steps))],
            initializers: ["starts", "ends", "axes", "steps"])["y"];

        // Reference: enumerate the kept indices per axis with Python's slice rules.
        var kept = dims.Select(d => Enumerable.Range(0, (int)d).ToList()).ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = (int)axes[i];
            long size = dims[axis], step = steps[i];
            long start = starts[i] < 0 ? starts[i] + size : starts[i], end = ends[i] < 0 ? ends[i] + size : ends[i];
            start = step > 0 ? Math.Clamp(start, 0, size) : Math.Clamp(start, -1, size - 1);
            end = step > 0 ? Math.Clamp(end, 0, size) : Math.Clamp(end, -1, size - 1);
            kept[axis] = [];
            for (long j = start; step > 0 ? j < end : j > end; j += step)
            {
                kept[axis].Add((int)j);
            }
        }

        var expected = new List<float>();
        foreach (int i0 in kept[0])
        {
            foreach (int i1 in kept[1])
            {
                foreach (int i2 in kept[2])
                {
                    expected.Add(x.Floats[Reference.Ravel([i0, i1, i2], dims)]);
                }
            }
        }

        Assert.Equal(new TensorShape(kept.Select(k => (long)k.Count).ToArray()), y.Shape);
        Close([.. expected], y, "Slice");
    }

    [SkippableFact]
    public void Int64DataMovement_TransposeSliceConcat_MoveWholeValues()
    {
        // int64 x [5, 20]: 100 values, more than a plan specialises on, so each op runs on the executor's device.
        // Values whose high and low words differ: a move of half a value would show.
        var random = new Random(20261206);
        long[] x = [.. Enumerable.Range(0, 100).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))];
        long[] z = [.. Enumerable.Range(0, 65).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))];
        Tensor tx = Tensor.FromInt64s(new TensorShape(5, 20), x), tz = Tensor.FromInt64s(new TensorShape(5, 13), z);

        Tensor transposed = RunNode("Transpose", [("x", tx)], new() { ["perm"] = AttributeValue.Ints(1, 0) })["y"];
        Assert.Equal(new TensorShape(20, 5), transposed.Shape);
        Assert.Equal([.. Enumerable.Range(0, 100).Select(i => x[((i % 5) * 20) + (i / 5)])], transposed.Int64s);

        // Columns 18, 15, …, 3 of rows 4, 2, 0.
        Tensor sliced = RunNode("Slice", [("x", tx), ("starts", Tensor.Vector(-1, 18)), ("ends", Tensor.Vector(-100, 0)), ("axes", Tensor.Vector(0, 1)), ("steps", Tensor.Vector(-2, -3))],
            initializers: ["starts", "ends", "axes", "steps"])["y"];
        Assert.Equal(new TensorShape(3, 6), sliced.Shape);
        Assert.Equal([.. new[] { 4, 2, 0 }.SelectMany(r => new[] { 18, 15, 12, 9, 6, 3 }.Select(c => x[(r * 20) + c]))], sliced.Int64s);

        Tensor joined = RunNode("Concat", [("x", tx), ("z", tz)], new() { ["axis"] = AttributeValue.Int(1) })["y"];
        Assert.Equal(new TensorShape(5, 33), joined.Shape);
        Assert.Equal([.. Enumerable.Range(0, 5).SelectMany(r => x.Skip(r * 20).Take(20).Concat(z.Skip(r * 13).Take(13)))], joined.Int64s);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Gather_WithNegativeIndices(int axis)
    {
        long[] dims = [4, 5, 3];
        Tensor x = RandomTensor(65, dims);
        Tensor indices = Tensor.FromInt64s(new TensorShape(2, 2), [0, -1, 2, 1]);
        Tensor y = RunNode("Gather", [("x", x), ("i", indices)], new() { ["axis"] = AttributeValue.Int(axis) })["y"];
        int ax = axis < 0 ? axis + 3 : axis;
        long[] yDims = [.. dims[..ax], 2, 2, .. dims[(ax + 1)..]];
        var expected = new float[yDims.Aggregate(1L, (p, d) => p * d)];
        for (int i = 0; i < expected.Length; i++)
        {
            int[] o = Reference.Unravel(i, yDims);
            long index = indices.Int64s[(o[ax] * 2) + o[ax + 1]];
            int[] source = [.. o[..ax], (int)(index < 0 ? index + dims[ax] : index), .. o[(ax + 2)..]];
            expected[i] = x.Floats[Reference.Ravel(source, dims)];
        }

        Close(expected, y, $"Gather axis {axis}");
    }

    [SkippableFact]
    public void Gather_IndexOutOfRange_NamesTheNode()
    {
        var e = Assert.Throws<GraphException>(() => RunNode("Gather", [("x", RandomTensor(66, 3, 2)), ("i", Tensor.Vector(3))]));
        Assert.Contains("node", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ShapeOps_ReshapeFlattenSqueezeUnsqueezeKeepData()
    {
        Tensor x = RandomTensor(67, 2, 1, 3, 4);
        (string Op, (string, Tensor)[] Inputs, Dictionary<string, AttributeValue> Attributes, long[] Dims, int Opset)[] cases =
        [
            ("Reshape", [("x", x), ("s", Tensor.Vector(0, -1, 2))], [], [2, 6, 2], 17),
            ("Reshape", [("x", x), ("s", Tensor.Vector(4, 0, 6))], new() { ["allowzero"] = AttributeValue.Int(0) }, [4, 1, 6], 14),
            ("Flatten", [("x", x)], new() { ["axis"] = AttributeValue.Int(2) }, [2, 12], 17),
            ("Flatten", [("x", x)], new() { ["axis"] = AttributeValue.Int(0) }, [1, 24], 17),
            ("Squeeze", [("x", x), ("s", Tensor.Vector(1))], [], [2, 3, 4], 13),
            ("Squeeze", [("x", x)], new() { ["axes"] = AttributeValue.Ints(-3) }, [2, 3, 4], 11),
            ("Unsqueeze", [("x", x), ("s", Tensor.Vector(0, -1))], [], [1, 2, 1, 3, 4, 1], 13),
            ("Unsqueeze", [("x", x)], new() { ["axes"] = AttributeValue.Ints(4) }, [2, 1, 3, 4, 1], 11),
        ];
        foreach ((string op, (string, Tensor)[] inputs, Dictionary<string, AttributeValue> attributes, long[] dims, int opset) in cases)
        {
            Tensor y = RunNode(op, inputs, attributes, opset: opset, initializers: ["s"])["y"];
            Assert.Equal(new TensorShape(dims), y.Shape);
            Assert.Equal(x.Floats, y.Floats);
        }
    }

    [SkippableFact]
    public void ShapeCastAndConstant_ProduceValues()
    {
        Tensor x = F([3], [1.9f, -2.7f, 3f]);
        Assert.Equal([5L], RunNode("Shape", [("x", RandomTensor(68, 3, 5, 7))], new() { ["start"] = AttributeValue.Int(-2), ["end"] = AttributeValue.Int(-1) })["y"].Int64s);
        Assert.Equal([1L, -2L, 3L], RunNode("Cast", [("x", x)], new() { ["to"] = AttributeValue.Int(7) })["y"].Int64s);
        Assert.Equal([4f, -5f], RunNode("Cast", [("x", Tensor.Vector(4, -5))], new() { ["to"] = AttributeValue.Int(1) })["y"].Floats);
        Assert.Equal([2f, 3f], RunNode("Constant", [], new() { ["value"] = AttributeValue.FromTensor(F([2], [2f, 3f])) })["y"].Floats);
    }

    /// <summary>
    /// Split as each opset gives the lengths: the attribute (opset 11), the input with a zero-length piece (13), equal parts
    /// (13), and num_outputs with a shorter last piece (18); each output against a brute-force slice of the input.
    /// </summary>
    [SkippableTheory]
    [InlineData(11, 1, new long[] { 2, 3, 1 }, 0)]
    [InlineData(13, -1, new long[] { 1, 0, 2 }, 0)]
    [InlineData(13, 1, new long[0], 0)]
    [InlineData(18, 1, new long[0], 3)]
    public void Split_MatchesSlices(int opset, long axis, long[] split, long numOutputs)
    {
        long[] dims = opset == 18 ? [2, 7, 3] : [2, 6, 3];
        Tensor x = RandomTensor(41, dims);
        int rank = dims.Length, a = (int)((axis + rank) % rank);
        long[] sizes = split.Length > 0 ? split
            : numOutputs > 0 ? [3, 3, 1]
            : [2, 2, 2];
        var attributes = new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(axis) };
        (string, Tensor)[] inputs = [("x", x)];
        if (opset < 13 && split.Length > 0)
        {
            attributes["split"] = AttributeValue.Ints(split);
        }
        else if (split.Length > 0)
        {
            inputs = [("x", x), ("split", Tensor.Vector(split))];
        }

        if (numOutputs > 0)
        {
            attributes["num_outputs"] = AttributeValue.Int(numOutputs);
        }

        string[] outputs = [.. sizes.Select((_, i) => $"y{i}")];
        IReadOnlyDictionary<string, Tensor> result = RunNode("Split", inputs, attributes, outputs, opset, initializers: ["split"]);
        long start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            long[] pieceDims = [.. dims.Select((d, k) => k == a ? sizes[i] : d)];
            var expected = new List<float>();
            for (long p = 0; p < pieceDims[0] * pieceDims[1] * pieceDims[2]; p++)
            {
                long[] c = [p / (pieceDims[1] * pieceDims[2]), p / pieceDims[2] % pieceDims[1], p % pieceDims[2]];
                c[a] += start;
                expected.Add(x.Floats[(((c[0] * dims[1]) + c[1]) * dims[2]) + c[2]]);
            }

            Assert.Equal(new TensorShape(pieceDims), result[outputs[i]].Shape);
            Assert.Equal(expected, result[outputs[i]].Floats);
            start += sizes[i];
        }
    }
}
