namespace Esen.Kernels.Graph;

/// <summary>The kinds of node attribute (ONNX AttributeProto.AttributeType, minus lists of tensors and graphs).</summary>
public enum AttributeKind
{
    /// <summary>One float.</summary>
    Float,

    /// <summary>One int64.</summary>
    Int,

    /// <summary>One string.</summary>
    String,

    /// <summary>One tensor.</summary>
    Tensor,

    /// <summary>A list of floats.</summary>
    Floats,

    /// <summary>A list of int64s.</summary>
    Ints,

    /// <summary>A list of strings.</summary>
    Strings,

    /// <summary>A subgraph (If's branches), a <see cref="LayerGraph"/> that may read values of the enclosing graph.</summary>
    Graph,
}

/// <summary>One attribute value. Construct through the static factories.</summary>
public sealed record AttributeValue
{
    private AttributeValue(AttributeKind kind, object value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>What the value holds.</summary>
    public AttributeKind Kind { get; }

    /// <summary>The boxed value: float, long, string, Tensor, float[], long[], string[] or LayerGraph.</summary>
    public object Value { get; }

    /// <summary>A float attribute.</summary>
    public static AttributeValue Float(float value) => new(AttributeKind.Float, value);

    /// <summary>An int attribute.</summary>
    public static AttributeValue Int(long value) => new(AttributeKind.Int, value);

    /// <summary>A string attribute.</summary>
    public static AttributeValue String(string value) => new(AttributeKind.String, value);

    /// <summary>A tensor attribute.</summary>
    public static AttributeValue FromTensor(Tensor value) => new(AttributeKind.Tensor, value);

    /// <summary>A float list attribute.</summary>
    public static AttributeValue Floats(params float[] value) => new(AttributeKind.Floats, value);

    /// <summary>An int list attribute.</summary>
    public static AttributeValue Ints(params long[] value) => new(AttributeKind.Ints, value);

    /// <summary>A string list attribute.</summary>
    public static AttributeValue Strings(params string[] value) => new(AttributeKind.Strings, value);

    /// <summary>A subgraph attribute.</summary>
    public static AttributeValue Subgraph(LayerGraph value) => new(AttributeKind.Graph, value);

    /// <inheritdoc/>
    public override string ToString() => Value switch
    {
        long[] ints => "[" + string.Join(',', ints) + "]",
        float[] floats => "[" + string.Join(',', floats) + "]",
        string[] strings => "[" + string.Join(',', strings) + "]",
        _ => Value.ToString() ?? string.Empty,
    };
}
