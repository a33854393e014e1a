namespace Esen.Kernels.Graph;

/// <summary>
/// The element types a graph may hold. Float32 carries activations and weights; Int64 carries shapes
/// and indices (ONNX's Shape, Reshape, Gather, Slice...). Every other ONNX type is rejected at import.
/// </summary>
public enum DataType
{
    /// <summary>Not a valid element type (ONNX TensorProto.UNDEFINED = 0).</summary>
    Undefined = 0,

    /// <summary>IEEE 754 single precision (ONNX TensorProto.FLOAT = 1).</summary>
    Float32 = 1,

    /// <summary>Signed 64-bit integer (ONNX TensorProto.INT64 = 7).</summary>
    Int64 = 7,
}

/// <summary>Sizes and names of <see cref="DataType"/> values.</summary>
public static class DataTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(DataType type) => type switch
    {
        DataType.Float32 => sizeof(float),
        DataType.Int64 => sizeof(long),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
    };

    /// <summary>ONNX's lower-case name ("float", "int64").</summary>
    public static string Name(DataType type) => type switch
    {
        DataType.Float32 => "float",
        DataType.Int64 => "int64",
        _ => type.ToString(),
    };

    /// <summary>
    /// Maps an ONNX TensorProto.DataType code to ours; <paramref name="what"/> names the tensor or
    /// value for the error.
    /// </summary>
    /// <exception cref="UnsupportedModelException">The code is not float32 or int64.</exception>
    public static DataType FromOnnx(int code, string what) => code switch
    {
        1 => DataType.Float32,
        7 => DataType.Int64,
        _ => throw new UnsupportedModelException($"{what}: element type {OnnxTypeName(code)} is not supported (only float32 and int64)"),
    };

    /// <summary>ONNX's name for a TensorProto.DataType code (onnx.proto, enum TensorProto.DataType).</summary>
    public static string OnnxTypeName(int code) => code switch
    {
        0 => "undefined",
        1 => "float",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "double",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        _ => $"type code {code}",
    };
}
