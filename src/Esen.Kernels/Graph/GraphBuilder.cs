namespace Esen.Kernels.Graph;

/// <summary>
/// Defines a graph in code, one layer at a time, with ONNX semantics and explicit attributes. Every
/// method infers the new value's shape immediately (so mistakes fail at the line that makes them)
/// and returns the name of the value it creates. Weights are seeded random tensors
/// (<see cref="Tensor.SeededRandom"/>, He-uniform scale) that are only generated if the graph is
/// executed; analysing shapes and costs allocates no weights.
/// </summary>
/// <example>
/// <code>
/// var b = new GraphBuilder("tiny");
/// string x = b.Input("x", TensorShape.Dynamic, 3, 32, 32);
/// x = b.Relu(b.Conv(x, outChannels: 16, kernel: 3, pad: 1));
/// x = b.Gemm(b.Flatten(b.GlobalAveragePool(x)), 10);
/// b.Output(b.Softmax(x));
/// LayerGraph graph = b.Build();
/// </code>
/// </example>
public sealed class GraphBuilder
{
    private readonly string _name;
    private readonly int _seed;
    private readonly long _bindBatch;
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, Tensor> _initializers = [];
    private readonly Dictionary<string, TensorInfo> _values = [];
    private readonly Dictionary<string, Tensor> _constants = [];
    private readonly Dictionary<string, int> _counters = [];

    /// <summary>Creates a builder.</summary>
    /// <param name="name">Graph name.</param>
    /// <param name="seed">Seed of the random weights (each weight gets seed + its index).</param>
    /// <param name="batch">The batch size that dynamic dimensions take while building (shapes only).</param>
    public GraphBuilder(string name, int seed = 1, long batch = 1)
    {
        _name = name;
        _seed = seed;
        _bindBatch = batch;
    }

    /// <summary>The opset whose semantics the built graph follows.</summary>
    public static int Opset => LayerGraph.DefaultOpset;

    /// <summary>Type and (bound) shape of a value created so far.</summary>
    /// <exception cref="KeyNotFoundException">No such value.</exception>
    public TensorInfo InfoOf(string value) => _values[value];

    /// <summary>Shape of a value (dynamic dimensions bound to the build batch).</summary>
    public TensorShape ShapeOf(string value) => _values[value].Shape;

    /// <summary>Declares a float input; pass <see cref="TensorShape.Dynamic"/> for the batch dimension.</summary>
    public string Input(string name, params long[] dims) => Input(name, DataType.Float32, new TensorShape(dims));

    /// <summary>Declares an input of any supported type.</summary>
    public string Input(string name, DataType type, TensorShape shape)
    {
        _inputs.Add(new ValueInfo(name, type, shape));
        _values[name] = new TensorInfo(type, shape.WithBatch(_bindBatch));
        return name;
    }

    /// <summary>Marks a value as a graph output.</summary>
    public void Output(string value)
    {
        TensorInfo info = _values[value];
        TensorShape declared = _inputs.Any(i => i.Shape.IsStatic == false) && info.Shape.Rank > 0
            ? new TensorShape([TensorShape.Dynamic, .. info.Shape.Dimensions[1..]])
            : info.Shape;
        _outputs.Add(new ValueInfo(value, info.DataType, declared));
    }

    /// <summary>Adds a named initializer.</summary>
    public string Initializer(string name, Tensor value)
    {
        _initializers[name] = value;
        _values[name] = new TensorInfo(value.DataType, value.Shape);
        _constants[name] = value;
        return name;
    }

    /// <summary>A seeded random float weight, uniform in ±<paramref name="scale"/>.</summary>
    public string Weight(string name, TensorShape shape, float scale) =>
        Initializer(name, Tensor.SeededRandom(shape, _seed + _initializers.Count, scale));

    /// <summary>An int64 constant (shapes, axes, indices).</summary>
    public string Ints(string name, params long[] values) => Initializer(name, Tensor.Vector(values));

    /// <summary>Adds any node and returns its outputs' names ("&lt;node&gt;" or "&lt;node&gt;:i").</summary>
    /// <exception cref="GraphException">The node is invalid for its inputs.</exception>
    public string[] Node(string opType, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null, int outputs = 1, string? name = null)
    {
        name ??= NewName(opType);
        string[] outputNames = Enumerable.Range(0, outputs).Select(i => i == 0 ? name : $"{name}:{i}").ToArray();
        var node = new Node(name, opType, inputs, outputNames, attributes ?? new Dictionary<string, AttributeValue>());
        ShapeInference.InferNode(Opset, node, _values, _constants);
        _nodes.Add(node);
        return outputNames;
    }

    /// <summary>Adds a one-output node.</summary>
    public string Op(string opType, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, AttributeValue>? attributes = null, string? name = null) =>
        Node(opType, inputs, attributes, 1, name)[0];

    /// <summary>2-D convolution with square kernel, stride, padding and dilation (OIHW weights, He-uniform).</summary>
    public string Conv(string x, int outChannels, int kernel, int stride = 1, int pad = 0, int dilation = 1, int groups = 1, bool bias = true, string? name = null) =>
        Conv(x, outChannels, [kernel, kernel], [stride, stride], [pad, pad, pad, pad], [dilation, dilation], groups, bias, name);

    /// <summary>N-d convolution with every attribute explicit (pads: all begins, then all ends).</summary>
    /// <exception cref="GraphException">The geometry does not fit the input.</exception>
    public string Conv(string x, int outChannels, long[] kernel, long[] strides, long[] pads, long[] dilations, int groups = 1, bool bias = true, string? name = null)
    {
        name ??= NewName("conv");
        long inChannels = ShapeOf(x)[1];
        long fanIn = inChannels / groups * kernel.Aggregate(1L, (a, b) => a * b);
        string w = Weight($"{name}.weight", new TensorShape([outChannels, inChannels / groups, .. kernel]), HeScale(fanIn));
        List<string> inputs = [x, w];
        if (bias)
        {
            inputs.Add(Weight($"{name}.bias", new TensorShape(outChannels), 1f / MathF.Sqrt(fanIn)));
        }

        return Op("Conv", inputs, new Dictionary<string, AttributeValue>
        {
            ["kernel_shape"] = AttributeValue.Ints(kernel),
            ["strides"] = AttributeValue.Ints(strides),
            ["pads"] = AttributeValue.Ints(pads),
            ["dilations"] = AttributeValue.Ints(dilations),
            ["group"] = AttributeValue.Int(groups),
        }, name);
    }

    /// <summary>A fully connected layer: Gemm(x, W, b) with W stored [out, in] and transB = 1 (PyTorch Linear).</summary>
    public string Gemm(string x, int outFeatures, bool bias = true, string? name = null)
    {
        name ??= NewName("fc");
        long inFeatures = ShapeOf(x)[-1];
        string w = Weight($"{name}.weight", new TensorShape(outFeatures, inFeatures), HeScale(inFeatures));
        List<string> inputs = [x, w];
        if (bias)
        {
            inputs.Add(Weight($"{name}.bias", new TensorShape(outFeatures), 1f / MathF.Sqrt(inFeatures)));
        }

        return Op("Gemm", inputs, new Dictionary<string, AttributeValue> { ["transB"] = AttributeValue.Int(1) }, name);
    }

    /// <summary>x·W (+ b) for an input of any rank: MatMul with a [in, out] weight, then Add (transformer projections).</summary>
    public string Linear(string x, int outFeatures, bool bias = true, string? name = null)
    {
        name ??= NewName("linear");
        long inFeatures = ShapeOf(x)[-1];
        string y = MatMul(x, Weight($"{name}.weight", new TensorShape(inFeatures, outFeatures), HeScale(inFeatures)), name);
        return bias ? Add(y, Weight($"{name}.bias", new TensorShape(outFeatures), 1f / MathF.Sqrt(inFeatures))) : y;
    }

    /// <summary>Numpy-style matrix product (batched, broadcasting).</summary>
    public string MatMul(string a, string b, string? name = null) => Op("MatMul", [a, b], name: name);

    /// <summary>Broadcasting a + b.</summary>
    public string Add(string a, string b, string? name = null) => Op("Add", [a, b], name: name);

    /// <summary>Broadcasting a − b.</summary>
    public string Sub(string a, string b, string? name = null) => Op("Sub", [a, b], name: name);

    /// <summary>Broadcasting a · b.</summary>
    public string Mul(string a, string b, string? name = null) => Op("Mul", [a, b], name: name);

    /// <summary>Broadcasting a / b.</summary>
    public string Div(string a, string b, string? name = null) => Op("Div", [a, b], name: name);

    /// <summary>max(x, 0).</summary>
    public string Relu(string x, string? name = null) => Op("Relu", [x], name: name);

    /// <summary>x ≥ 0 ? x : alpha·x.</summary>
    public string LeakyRelu(string x, float alpha = 0.01f, string? name = null) =>
        Op("LeakyRelu", [x], new Dictionary<string, AttributeValue> { ["alpha"] = AttributeValue.Float(alpha) }, name);

    /// <summary>1 / (1 + e^−x).</summary>
    public string Sigmoid(string x, string? name = null) => Op("Sigmoid", [x], name: name);

    /// <summary>tanh(x).</summary>
    public string Tanh(string x, string? name = null) => Op("Tanh", [x], name: name);

    /// <summary>erf(x).</summary>
    public string Erf(string x, string? name = null) => Op("Erf", [x], name: name);

    /// <summary>min(max(x, min), max), opset-11+ form with scalar inputs (Relu6 is Clip(0, 6)).</summary>
    public string Clip(string x, float min, float max, string? name = null)
    {
        name ??= NewName("clip");
        string lo = Initializer($"{name}.min", Tensor.Scalar(min)), hi = Initializer($"{name}.max", Tensor.Scalar(max));
        return Op("Clip", [x, lo, hi], name: name);
    }

    /// <summary>max(0, min(1, alpha·x + beta)).</summary>
    public string HardSigmoid(string x, float alpha = 0.2f, float beta = 0.5f, string? name = null) =>
        Op("HardSigmoid", [x], new Dictionary<string, AttributeValue> { ["alpha"] = AttributeValue.Float(alpha), ["beta"] = AttributeValue.Float(beta) }, name);

    /// <summary>GELU (erf form) as ONNX ops: 0.5·x·(1 + erf(x / √2)).</summary>
    public string Gelu(string x, string? name = null)
    {
        name ??= NewName("gelu");
        string scaled = Div(x, Initializer($"{name}.sqrt2", Tensor.Scalar(MathF.Sqrt(2f))));
        string onePlus = Add(Erf(scaled), Initializer($"{name}.one", Tensor.Scalar(1f)));
        return Mul(Mul(x, onePlus), Initializer($"{name}.half", Tensor.Scalar(0.5f)), name);
    }

    /// <summary>2-D max pooling with square window.</summary>
    public string MaxPool(string x, int kernel, int stride, int pad = 0, bool ceilMode = false, string? name = null) =>
        Op("MaxPool", [x], PoolAttributes(kernel, stride, pad, ceilMode), name);

    /// <summary>2-D average pooling with square window.</summary>
    public string AveragePool(string x, int kernel, int stride, int pad = 0, bool ceilMode = false, bool countIncludePad = false, string? name = null)
    {
        Dictionary<string, AttributeValue> attributes = PoolAttributes(kernel, stride, pad, ceilMode);
        attributes["count_include_pad"] = AttributeValue.Int(countIncludePad ? 1 : 0);
        return Op("AveragePool", [x], attributes, name);
    }

    /// <summary>Mean over the spatial dimensions, kept as size-1 dimensions.</summary>
    public string GlobalAveragePool(string x, string? name = null) => Op("GlobalAveragePool", [x], name: name);

    /// <summary>Inference batch normalisation over channel dimension 1 with random positive statistics.</summary>
    public string BatchNorm(string x, float epsilon = 1e-5f, string? name = null)
    {
        name ??= NewName("bn");
        var channels = new TensorShape(ShapeOf(x)[1]);
        var random = new Random(_seed + _initializers.Count);
        float[] Values(float center, float spread) =>
            Enumerable.Range(0, (int)channels[0]).Select(_ => center + ((random.NextSingle() - 0.5f) * 2f * spread)).ToArray();
        string scale = Initializer($"{name}.scale", Tensor.FromFloats(channels, Values(1f, 0.2f)));
        string bias = Initializer($"{name}.bias", Tensor.FromFloats(channels, Values(0f, 0.1f)));
        string mean = Initializer($"{name}.mean", Tensor.FromFloats(channels, Values(0f, 0.1f)));
        string variance = Initializer($"{name}.var", Tensor.FromFloats(channels, Values(1f, 0.5f)));
        return Op("BatchNormalization", [x, scale, bias, mean, variance], new Dictionary<string, AttributeValue> { ["epsilon"] = AttributeValue.Float(epsilon) }, name);
    }

    /// <summary>Softmax along one axis (opset ≥ 13 semantics).</summary>
    public string Softmax(string x, int axis = -1, string? name = null) =>
        Op("Softmax", [x], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(axis) }, name);

    /// <summary>Layer normalisation over the dimensions from <paramref name="axis"/> on, with learned scale and bias.</summary>
    public string LayerNorm(string x, int axis = -1, float epsilon = 1e-5f, string? name = null)
    {
        name ??= NewName("ln");
        TensorShape shape = ShapeOf(x);
        int a = shape.NormalizeAxis(axis, name);
        var normalized = new TensorShape(shape.Dimensions[a..]);
        string scale = Initializer($"{name}.scale", Tensor.Filled(normalized, 1f));
        string bias = Initializer($"{name}.bias", Tensor.Filled(normalized, 0f));
        return Op("LayerNormalization", [x, scale, bias], new Dictionary<string, AttributeValue>
        {
            ["axis"] = AttributeValue.Int(axis),
            ["epsilon"] = AttributeValue.Float(epsilon),
        }, name);
    }

    /// <summary>Flattens to 2-D at <paramref name="axis"/>.</summary>
    public string Flatten(string x, int axis = 1, string? name = null) =>
        Op("Flatten", [x], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(axis) }, name);

    /// <summary>Reshape to a constant shape (0 copies a dimension, −1 is inferred).</summary>
    public string Reshape(string x, long[] shape, string? name = null)
    {
        name ??= NewName("reshape");
        return Op("Reshape", [x, Ints($"{name}.shape", shape)], name: name);
    }

    /// <summary>Permutes dimensions.</summary>
    public string Transpose(string x, long[] perm, string? name = null) =>
        Op("Transpose", [x], new Dictionary<string, AttributeValue> { ["perm"] = AttributeValue.Ints(perm) }, name);

    /// <summary>Concatenates along <paramref name="axis"/>.</summary>
    public string Concat(int axis, IReadOnlyList<string> inputs, string? name = null) =>
        Op("Concat", inputs, new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(axis) }, name);

    /// <summary>Takes slices along <paramref name="axis"/> at the given indices.</summary>
    public string Gather(string x, string indices, int axis = 0, string? name = null) =>
        Op("Gather", [x, indices], new Dictionary<string, AttributeValue> { ["axis"] = AttributeValue.Int(axis) }, name);

    /// <summary>Inference dropout (identity).</summary>
    public string Dropout(string x, string? name = null) => Op("Dropout", [x], name: name);

    /// <summary>Identity.</summary>
    public string Identity(string x, string? name = null) => Op("Identity", [x], name: name);

    /// <summary>Validates and returns the graph.</summary>
    /// <exception cref="GraphException">No output was declared, or the structure is invalid.</exception>
    public LayerGraph Build()
    {
        if (_outputs.Count == 0)
        {
            throw new GraphException($"graph '{_name}' has no outputs");
        }

        return new LayerGraph(_name, _inputs, _outputs, _nodes, new Dictionary<string, Tensor>(_initializers), Opset);
    }

    private static float HeScale(long fanIn) => MathF.Sqrt(6f / Math.Max(1, fanIn));

    private static Dictionary<string, AttributeValue> PoolAttributes(int kernel, int stride, int pad, bool ceilMode) => new()
    {
        ["kernel_shape"] = AttributeValue.Ints(kernel, kernel),
        ["strides"] = AttributeValue.Ints(stride, stride),
        ["pads"] = AttributeValue.Ints(pad, pad, pad, pad),
        ["ceil_mode"] = AttributeValue.Int(ceilMode ? 1 : 0),
    };

    private string NewName(string prefix)
    {
        string name;
        do
        {
            int next = _counters.GetValueOrDefault(prefix);
            _counters[prefix] = next + 1;
            name = $"{prefix}{next}";
        }
        while (_values.ContainsKey(name) || _nodes.Any(n => n.Name == name));

        return name;
    }
}
