namespace Esen.Kernels.Graph;

/// <summary>What the inference of one node sees: its inputs' types and shapes, and their values where known.</summary>
public sealed class InferenceContext
{
    private readonly Dictionary<string, TensorInfo> _values;
    private readonly Dictionary<string, Tensor> _constants;

    internal InferenceContext(int opset, Node node, Dictionary<string, TensorInfo> values, Dictionary<string, Tensor> constants)
    {
        Opset = opset;
        Node = node;
        _values = values;
        _constants = constants;
    }

    /// <summary>The node.</summary>
    public Node Node { get; }

    /// <summary>The default-domain opset.</summary>
    public int Opset { get; }

    /// <summary>Number of inputs, counting omitted optional ones.</summary>
    public int InputCount => Node.Inputs.Count;

    /// <summary>True when every present input is a known constant.</summary>
    public bool AllInputsConstant => Node.Inputs.All(i => i.Length == 0 || _constants.ContainsKey(i));

    /// <summary>True when input <paramref name="index"/> is present.</summary>
    public bool Has(int index) => Node.HasInput(index);

    /// <summary>Type and shape of input <paramref name="index"/>.</summary>
    /// <exception cref="GraphException">The input is missing.</exception>
    public TensorInfo Input(int index) =>
        Has(index) ? _values[Node.Inputs[index]] : throw Fail($"input {index} is required");

    /// <summary>Shape of input <paramref name="index"/>.</summary>
    public TensorShape Shape(int index) => Input(index).Shape;

    /// <summary>
    /// Shape of an input to a floating-point computation (checks the type: floating point, or with
    /// <paramref name="orByteInteger"/> also int8/uint8, which float32 holds exactly).
    /// </summary>
    /// <exception cref="GraphException">The input is missing or of another type.</exception>
    public TensorShape FloatShape(int index, bool orByteInteger = false)
    {
        TensorInfo info = Input(index);
        return DataTypes.IsFloatingPoint(info.DataType) || (orByteInteger && DataTypes.IsByteInteger(info.DataType))
            ? info.Shape
            : throw Fail($"input '{Node.Inputs[index]}' is {DataTypes.Name(info.DataType)}, expected {(orByteInteger ? "a floating-point type, int8 or uint8" : "a floating-point type")}");
    }

    /// <summary>The value of input <paramref name="index"/> if it is known before run time.</summary>
    public Tensor? Constant(int index) => Has(index) && _constants.TryGetValue(Node.Inputs[index], out Tensor? t) ? t : null;

    /// <summary>The values of a constant int64 or int32 input (shape, axes, starts...).</summary>
    /// <exception cref="GraphException">The input is not a known int64 or int32 constant.</exception>
    public long[] ConstantInts(int index, string what)
    {
        Tensor? tensor = Constant(index);
        if (tensor is null)
        {
            throw Fail($"the {what} input '{Node.Inputs[index]}' must be a constant (computed from initializers and shapes)");
        }

        return tensor.DataType switch
        {
            DataType.Int64 => tensor.Int64s,
            DataType.Int32 => Array.ConvertAll(tensor.Elements<int>(), v => (long)v),
            _ => throw Fail($"the {what} input '{Node.Inputs[index]}' must be int64 or int32"),
        };
    }

    /// <summary>The constant values of the present inputs (null where omitted).</summary>
    public Tensor?[] InputConstants() => Node.Inputs.Select(i => i.Length == 0 ? null : _constants[i]).ToArray();

    /// <summary>An exception naming the node.</summary>
    public GraphException Fail(string message) => new($"{Node.Describe()}: {message}");

    /// <summary>An exception naming the node and a feature Esen does not implement.</summary>
    public UnsupportedModelException Unsupported(string message) => new($"{Node.Describe()}: {message}");
}
