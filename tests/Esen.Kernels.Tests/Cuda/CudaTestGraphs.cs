using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>Small seeded graphs that cover every op the CUDA lowering supports.</summary>
internal static class CudaTestGraphs
{
    /// <summary>Conv (plain and grouped, asymmetric pads) → activations → pooling (ceil mode, count_include_pad) → batch norm → global pooling → Gemm → softmax.</summary>
    public static LayerGraph Cnn()
    {
        var g = new GraphBuilder("cnn", seed: 11, batch: 2);
        string x = g.Input("x", 2, 3, 9, 8);
        string h = g.Relu(g.Conv(x, 8, 3, pad: 1, name: "conv0"), name: "relu0");
        h = g.MaxPool(h, kernel: 2, stride: 2, ceilMode: true, name: "pool0");
        h = g.Conv(h, 6, [3, 2], [1, 1], [1, 0, 0, 1], [1, 1], groups: 2, name: "conv1");
        h = g.BatchNorm(h, name: "bn1");
        h = g.LeakyRelu(h, 0.1f, name: "leaky1");
        // [2,6,4,4] → [2,6,3,3]: with ceil_mode the last window in each dimension reaches past the padding, and
        // count_include_pad divides by the part inside the padded input.
        h = g.AveragePool(h, kernel: 3, stride: 2, pad: 1, ceilMode: true, countIncludePad: true, name: "avg1");
        h = g.GlobalAveragePool(h, name: "gap");
        h = g.Flatten(h, name: "flat");
        h = g.Gemm(h, 5, name: "fc");
        g.Output(g.Softmax(h, name: "softmax"));
        return g.Build();
    }

    /// <summary>Transformer-style blocks: batched and broadcast MatMul, Transpose, broadcasting binary ops, GELU (Erf), softmax over every axis, Slice, Concat, LayerNorm with its mean and inverse-deviation outputs, Clip, Sigmoid, Tanh, HardSigmoid.</summary>
    public static LayerGraph Attention()
    {
        var g = new GraphBuilder("attention", seed: 23, batch: 2);
        string x = g.Input("x", 2, 5, 6);
        string q = g.Linear(x, 6, name: "q");
        string k = g.Linear(x, 6, name: "k");
        string scores = g.MatMul(q, g.Transpose(k, [0, 2, 1], name: "kT"), name: "qk");
        scores = g.Mul(scores, g.Initializer("scale", Tensor.FromFloats(new TensorShape(1), [0.4f])), name: "scaled");
        string attention = g.Softmax(scores, name: "attn");
        string context = g.MatMul(attention, x, name: "context");
        string gate = g.Sigmoid(g.Sub(context, x, name: "diff"), name: "gate");
        string mixed = g.Div(g.Add(g.Gelu(context, name: "gelu"), gate, name: "sum"), g.Initializer("two", Tensor.FromFloats(new TensorShape(6), [2f, 2f, 2f, 2f, 2f, 2f])), name: "half");
        string left = g.Op("Slice", [mixed, g.Ints("s.starts", 1), g.Ints("s.ends", 5), g.Ints("s.axes", 1)], name: "slice");
        string right = g.Tanh(g.Op("Slice", [x, g.Ints("r.starts", 4, 0), g.Ints("r.ends", 0, 6), g.Ints("r.axes", 1, 2), g.Ints("r.steps", -1, 2)], name: "reversed"), name: "tanh");
        string joined = g.Concat(2, [left, right], name: "concat");
        // Over the last two axes of [2, 4, 9], with the row means and inverse deviations as outputs too.
        string[] ln = g.Node(
            "LayerNormalization", [joined, g.Weight("ln.scale", new TensorShape(4, 9), 1f), g.Weight("ln.bias", new TensorShape(4, 9), 1f)],
            new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(1), ["epsilon"] = AttributeValue.Float(1e-5f) }, outputs: 3, name: "ln");
        string normed = ln[0];
        string clipped = g.Clip(normed, -0.5f, 0.75f, name: "clip");
        g.Output(g.HardSigmoid(g.Reshape(clipped, [2, -1], name: "reshape"), name: "hard"));
        g.Output(attention);
        g.Output(ln[1]);
        g.Output(ln[2]);

        // Softmax over the other axes of the scores [2, 5, 5]: a thread per column.
        g.Output(g.Softmax(scores, axis: 0, name: "batch_softmax"));
        g.Output(g.Softmax(scores, axis: -2, name: "column_softmax"));
        return g.Build();
    }

    /// <summary>A MatMul whose batch dimensions broadcast both ways ([3,1,m,k]·[1,2,k,n]) and a 1-D operand.</summary>
    public static LayerGraph BroadcastMatMul()
    {
        var g = new GraphBuilder("matmul", seed: 5);
        string a = g.Input("a", 3, 1, 4, 5);
        string b = g.Input("b", 1, 2, 5, 3);
        string ab = g.MatMul(a, b, name: "ab");
        g.Output(g.MatMul(ab, g.Weight("v", new TensorShape(3), 1f), name: "abv"));
        return g.Build();
    }

    /// <summary>
    /// Token embeddings gathered by int64 ids given at run time, a Gather with constant indices (negative ones
    /// included) along an inner axis of a computed tensor, a Gather of int64 data at run time, and the casts
    /// float → int64 (computed indices) and int64 → float.
    /// </summary>
    public static LayerGraph Embedding()
    {
        var g = new GraphBuilder("embedding", seed: 31);
        // 80 ids: more than ExecutionSchedule.MaxSpecializedElements, so they stay values known only at run time.
        string ids = g.Input("ids", DataType.Int64, new TensorShape(2, 40));
        string tokens = g.Gather(g.Weight("token.table", new TensorShape(7, 6), 1f), ids, name: "tokens");
        string h = g.Tanh(g.Add(tokens, g.Weight("position.table", new TensorShape(40, 6), 1f), name: "embed"), name: "tanh");
        g.Output(g.Gather(h, g.Initializer("pick.indices", Tensor.FromInt64s(new TensorShape(2, 2), [0, -1, 3, 1])), axis: 2, name: "pick"));
        g.Output(g.Gather(ids, g.Ints("last.index", -1), axis: 1, name: "last_ids"));

        // Indices computed on the device: 2.9·offsets truncated toward zero to int64, in [−2, 2]; and the ids back to float.
        string offsets = g.Input("offsets", 2, 5);
        string computed = g.Op("Cast", [g.Mul(offsets, g.Initializer("spread", Tensor.Scalar(2.9f)), name: "spread_offsets")], Cast(DataType.Int64), name: "offset_ids");
        g.Output(g.Gather(g.Weight("row.table", new TensorShape(5, 3), 1f), computed, name: "rows"));
        g.Output(g.Op("Cast", [ids], Cast(DataType.Float32), name: "ids_as_float"));
        return g.Build();
    }

    /// <summary>
    /// int64 arithmetic on values known only at run time, as exported models compute shapes and indices: products and
    /// sums that wrap past 2⁶³, quotients of both signs truncated toward zero, operands broadcast; then int64 Transpose,
    /// Slice (negative step) and Concat of the results. An id of −3 makes the divisor of 'quotient' zero.
    /// </summary>
    public static LayerGraph ShapeArithmetic()
    {
        var g = new GraphBuilder("int64", seed: 61);
        // 80 ids: more than ExecutionSchedule.MaxSpecializedElements, so every node below runs on the device.
        string ids = g.Input("ids", DataType.Int64, new TensorShape(2, 40));
        string squares = g.Initializer("squares", Tensor.FromInt64s(new TensorShape(40), [.. Enumerable.Range(1, 40).Select(i => (long)i * i)]));
        string Int(string name, long value) => g.Initializer(name, Tensor.FromInt64s(TensorShape.Scalar, [value]));

        // ids·(2⁶² + 12345) wraps for |ids| ≥ 2; the divisor ids + 3 is in [1, 5] for ids in [−2, 2].
        string wrapped = g.Add(g.Mul(ids, Int("huge", (1L << 62) + 12345), name: "big"), squares, name: "wrapped");
        string quotient = g.Div(wrapped, g.Add(ids, Int("three", 3), name: "divisor"), name: "quotient");

        // (ids − i²) / (−7 − 3·ids): small dividends of both signs over divisors in [−13, −1].
        string negative = g.Sub(Int("minus_seven", -7), g.Mul(ids, Int("times", 3), name: "tripled"), name: "negative");
        string small = g.Div(g.Sub(ids, squares, name: "shifted"), negative, name: "small_quotient");

        g.Output(wrapped);
        g.Output(g.Transpose(quotient, [1, 0], name: "transposed"));
        string everyThird = g.Op("Slice", [small, g.Ints("s.starts", 38), g.Ints("s.ends", 0), g.Ints("s.axes", 1), g.Ints("s.steps", -3)], name: "every_third");
        g.Output(g.Concat(1, [everyThird, ids], name: "joined"));
        return g.Build();
    }

    /// <summary>
    /// Clip with bounds computed at run time: a minimum given as an input and a maximum computed from it, only a
    /// maximum (the minimum omitted), and a run-time minimum above a constant maximum (crossed bounds: the maximum wins).
    /// </summary>
    public static LayerGraph RunTimeClip()
    {
        var g = new GraphBuilder("clip", seed: 41);
        string x = g.Input("x", 3, 7);
        string lo = g.Input("lo");
        string hi = g.Add(lo, g.Initializer("width", Tensor.Scalar(0.6f)), name: "hi");
        g.Output(g.Op("Clip", [x, lo, hi], name: "both"));
        g.Output(g.Op("Clip", [g.Tanh(x, name: "tanh"), string.Empty, hi], name: "upper_only"));
        g.Output(g.Op("Clip", [x, hi, g.Initializer("cap", Tensor.Scalar(-0.5f))], name: "crossed"));
        return g.Build();
    }

    /// <summary>
    /// 1-D and 3-D pooling, max and average: dilations, asymmetric pads, ceil mode and count_include_pad; and MaxPool's
    /// indices output, row-major (3-D) and column-major (2-D).
    /// </summary>
    public static LayerGraph Pools()
    {
        var g = new GraphBuilder("pools", seed: 53);
        string x1 = g.Input("x1", 2, 3, 13);
        g.Output(g.Op("MaxPool", [x1], Pool([3], [2], [1, 0], [1], ceil: true), name: "max1d"));
        g.Output(g.Op("AveragePool", [x1], Pool([4], [3], [2, 1], [1], ceil: true, countIncludePad: true), name: "avg1d"));
        string x3 = g.Input("x3", 1, 2, 5, 6, 7);
        string[] max3d = g.Node("MaxPool", [x3], Pool([2, 2, 3], [2, 1, 2], [1, 0, 1, 0, 1, 1], [1, 2, 1], ceil: true), outputs: 2, name: "max3d");
        g.Output(max3d[0]);
        g.Output(max3d[1]);
        g.Output(g.Op("AveragePool", [x3], Pool([3, 3, 3], [1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1], ceil: false), name: "avg3d"));

        // Dilated windows that ceil mode lets reach past the input in h and w (no padding): their divisor clips them.
        g.Output(g.Op("AveragePool", [x3], Pool([2, 2, 2], [2, 2, 3], [0, 0, 0, 0, 0, 0], [2, 2, 2], ceil: true, countIncludePad: true), name: "avg3d_dilated"));

        // 2-D max pooling with its indices column-major (storage_order = 1).
        string x2 = g.Input("x2", 2, 2, 6, 5);
        Dictionary<string, AttributeValue> columnMajor = Pool([3, 2], [2, 2], [1, 0, 1, 1], [1, 1], ceil: false);
        columnMajor["storage_order"] = AttributeValue.Int(1);
        string[] max2d = g.Node("MaxPool", [x2], columnMajor, outputs: 2, name: "max2d");
        g.Output(max2d[0]);
        g.Output(max2d[1]);
        return g.Build();
    }

    private static Dictionary<string, AttributeValue> Pool(long[] kernel, long[] strides, long[] pads, long[] dilations, bool ceil, bool countIncludePad = false) => new()
    {
        ["kernel_shape"] = AttributeValue.Ints(kernel),
        ["strides"] = AttributeValue.Ints(strides),
        ["pads"] = AttributeValue.Ints(pads),
        ["dilations"] = AttributeValue.Ints(dilations),
        ["ceil_mode"] = AttributeValue.Int(ceil ? 1 : 0),
        ["count_include_pad"] = AttributeValue.Int(countIncludePad ? 1 : 0),
    };

    private static Dictionary<string, AttributeValue> Cast(DataType to) => new() { ["to"] = AttributeValue.Int((int)to) };

    /// <summary>
    /// Seeded inputs for <paramref name="graph"/>'s declared input shapes: floats in [−1, 1), and int64 values in
    /// [−2, 2], which index any axis of at least 3 (negative ones from the end).
    /// </summary>
    public static Dictionary<string, Tensor> Inputs(LayerGraph graph, int seed = 7) =>
        graph.Inputs.Select((input, i) => KeyValuePair.Create(input.Name, input.DataType == DataType.Int64
            ? SmallIntegers(input.Shape, new Random(seed + i))
            : Tensor.SeededRandom(input.Shape, seed + i, 1f))).ToDictionary();

    private static Tensor SmallIntegers(TensorShape shape, Random random) =>
        Tensor.FromInt64s(shape, [.. Enumerable.Range(0, (int)shape.ElementCount).Select(_ => (long)random.Next(-2, 3))]);

    /// <summary>The declared input shapes of <paramref name="graph"/>.</summary>
    public static Dictionary<string, TensorShape> Shapes(LayerGraph graph) => graph.Inputs.ToDictionary(i => i.Name, i => i.Shape);
}
