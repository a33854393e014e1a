namespace Esen.Kernels.Graph;

/// <summary>
/// One operation of a graph, in ONNX terms: an operator type of the default domain ("Conv", "Gemm"...),
/// named inputs (an empty name marks an omitted optional input), named outputs and attributes.
/// </summary>
/// <param name="Name">A name unique in the graph (the importer invents one when the model has none).</param>
/// <param name="OpType">The ONNX operator type.</param>
/// <param name="Inputs">Input value names; "" for an omitted optional input.</param>
/// <param name="Outputs">Output value names.</param>
/// <param name="Attributes">Attributes by name.</param>
public sealed record Node(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, AttributeValue> Attributes)
{
    /// <summary>Creates a node without attributes.</summary>
    public Node(string name, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs)
        : this(name, opType, inputs, outputs, new Dictionary<string, AttributeValue>())
    {
    }

    /// <summary>"Conv 'conv1'", for messages.</summary>
    public string Describe() => $"{OpType} node '{Name}'";

    /// <summary>True when input <paramref name="index"/> is present (not omitted).</summary>
    public bool HasInput(int index) => index < Inputs.Count && Inputs[index].Length > 0;

    /// <summary>True when the attribute is set.</summary>
    public bool Has(string attribute) => Attributes.ContainsKey(attribute);

    /// <summary>An int attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="GraphException">The attribute has another kind.</exception>
    public long GetInt(string attribute, long fallback) => Get(attribute, AttributeKind.Int, (object)fallback) is long v ? v : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="GraphException">The attribute has another kind.</exception>
    public float GetFloat(string attribute, float fallback) => Get(attribute, AttributeKind.Float, (object)fallback) is float v ? v : fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="GraphException">The attribute has another kind.</exception>
    public string GetString(string attribute, string fallback) => (string)Get(attribute, AttributeKind.String, fallback);

    /// <summary>An int list attribute, or <paramref name="fallback"/> (null) when absent.</summary>
    /// <exception cref="GraphException">The attribute has another kind.</exception>
    public long[]? GetInts(string attribute, long[]? fallback = null) =>
        Attributes.TryGetValue(attribute, out AttributeValue? value) ? (long[])Check(attribute, value, AttributeKind.Ints) : fallback;

    /// <summary>A float list attribute, or null when absent.</summary>
    /// <exception cref="GraphException">The attribute has another kind.</exception>
    public float[]? GetFloats(string attribute) =>
        Attributes.TryGetValue(attribute, out AttributeValue? value) ? (float[])Check(attribute, value, AttributeKind.Floats) : null;

    /// <summary>A tensor attribute, or null when absent.</summary>
    /// <exception cref="GraphException">The attribute has another kind.</exception>
    public Tensor? GetTensor(string attribute) =>
        Attributes.TryGetValue(attribute, out AttributeValue? value) ? (Tensor)Check(attribute, value, AttributeKind.Tensor) : null;

    /// <summary>A subgraph attribute (If's then_branch and else_branch).</summary>
    /// <exception cref="GraphException">The attribute is absent or has another kind.</exception>
    public LayerGraph GetGraph(string attribute) =>
        Attributes.TryGetValue(attribute, out AttributeValue? value)
            ? (LayerGraph)Check(attribute, value, AttributeKind.Graph)
            : throw new GraphException($"{Describe()}: attribute '{attribute}' is required");

    /// <summary>A copy with other attributes (for rewrites).</summary>
    public Node WithAttributes(IEnumerable<KeyValuePair<string, AttributeValue>> changes)
    {
        var attributes = new Dictionary<string, AttributeValue>(Attributes);
        foreach ((string key, AttributeValue value) in changes)
        {
            attributes[key] = value;
        }

        return this with { Attributes = attributes };
    }

    private object Get(string attribute, AttributeKind kind, object fallback) =>
        Attributes.TryGetValue(attribute, out AttributeValue? value) ? Check(attribute, value, kind) : fallback;

    private object Check(string attribute, AttributeValue value, AttributeKind kind) =>
        value.Kind == kind
            ? value.Value
            : throw new GraphException($"{Describe()}: attribute '{attribute}' is {value.Kind}, expected {kind}");
}

/// <summary>A named, typed value: a graph input or output.</summary>
/// <param name="Name">The value name.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Shape">Shape; dynamic dimensions allowed.</param>
public sealed record ValueInfo(string Name, DataType DataType, TensorShape Shape)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {DataTypes.Name(DataType)}{Shape}";
}
