namespace Esen.Kernels.Graph;

/// <summary>
/// The element types a graph may hold; the values are ONNX's TensorProto.DataType codes. Float32 carries
/// activations and weights; Int64 and Int32 carry shapes and indices; Bool carries masks; the others come with exported
/// models and ONNX's tests. Each type is stored as its own .NET array (<see cref="DataTypes.ClrType"/>); arithmetic runs
/// in the stored type, and the ops whose kernels are float32 ones run in float32 whatever the stored type
/// (docs/graph.md). Every other ONNX type is rejected at import.
/// </summary>
public enum DataType
{
    /// <summary>Not a valid element type (ONNX TensorProto.UNDEFINED = 0).</summary>
    Undefined = 0,

    /// <summary>IEEE 754 single precision (ONNX TensorProto.FLOAT = 1).</summary>
    Float32 = 1,

    /// <summary>Unsigned 8-bit integer (ONNX TensorProto.UINT8 = 2).</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer (ONNX TensorProto.INT8 = 3).</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer (ONNX TensorProto.UINT16 = 4).</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer (ONNX TensorProto.INT16 = 5).</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer (ONNX TensorProto.INT32 = 6).</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer (ONNX TensorProto.INT64 = 7).</summary>
    Int64 = 7,

    /// <summary>Boolean, one byte, true or false (ONNX TensorProto.BOOL = 9).</summary>
    Bool = 9,

    /// <summary>IEEE 754 half precision (ONNX TensorProto.FLOAT16 = 10).</summary>
    Float16 = 10,

    /// <summary>IEEE 754 double precision (ONNX TensorProto.DOUBLE = 11).</summary>
    Float64 = 11,

    /// <summary>Unsigned 32-bit integer (ONNX TensorProto.UINT32 = 12).</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer (ONNX TensorProto.UINT64 = 13).</summary>
    UInt64 = 13,
}

/// <summary>Sizes, names and .NET element types of <see cref="DataType"/> values.</summary>
public static class DataTypes
{
    /// <summary>Every supported element type.</summary>
    public static IReadOnlyList<DataType> All { get; } =
    [
        DataType.Float32, DataType.Int32, DataType.Int64, DataType.Bool, DataType.Float16, DataType.UInt8, DataType.Int8,
        DataType.Float64, DataType.Int16, DataType.UInt16, DataType.UInt32, DataType.UInt64,
    ];

    /// <summary>The .NET type each element is stored as.</summary>
    public static Type ClrType(DataType type) => type switch
    {
        DataType.Float32 => typeof(float),
        DataType.Int32 => typeof(int),
        DataType.Int64 => typeof(long),
        DataType.Bool => typeof(bool),
        DataType.Float16 => typeof(Half),
        DataType.UInt8 => typeof(byte),
        DataType.Int8 => typeof(sbyte),
        DataType.Float64 => typeof(double),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.UInt32 => typeof(uint),
        DataType.UInt64 => typeof(ulong),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
    };

    /// <summary>The element type stored as <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is no supported element type.</exception>
    public static DataType Of<T>()
        where T : unmanaged
    {
        DataType type = All.FirstOrDefault(t => ClrType(t) == typeof(T));
        return type != DataType.Undefined ? type : throw new ArgumentException($"{typeof(T).Name} is not a supported element type");
    }

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(DataType type) => type switch
    {
        DataType.Float32 => sizeof(float),
        DataType.Int32 => sizeof(int),
        DataType.Int64 => sizeof(long),
        DataType.Bool => sizeof(bool),
        DataType.Float16 => 2,
        DataType.UInt8 => sizeof(byte),
        DataType.Int8 => sizeof(sbyte),
        DataType.Float64 => sizeof(double),
        DataType.Int16 => sizeof(short),
        DataType.UInt16 => sizeof(ushort),
        DataType.UInt32 => sizeof(uint),
        DataType.UInt64 => sizeof(ulong),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
    };

    /// <summary>True for the floating-point types.</summary>
    public static bool IsFloatingPoint(DataType type) => type is DataType.Float32 or DataType.Float16 or DataType.Float64;

    /// <summary>True for the one-byte integer types (int8, uint8), which float32 holds exactly.</summary>
    public static bool IsByteInteger(DataType type) => type is DataType.UInt8 or DataType.Int8;

    /// <summary>ONNX's lower-case name ("float", "int64").</summary>
    public static string Name(DataType type) => type == DataType.Undefined ? "undefined" : OnnxTypeName((int)type);

    /// <summary>
    /// Maps an ONNX TensorProto.DataType code to ours; <paramref name="what"/> names the tensor or
    /// value for the error.
    /// </summary>
    /// <exception cref="UnsupportedModelException">The code is not a supported element type.</exception>
    public static DataType FromOnnx(int code, string what) =>
        All.Contains((DataType)code)
            ? (DataType)code
            : throw new UnsupportedModelException(
                $"{what}: element type {OnnxTypeName(code)} is not supported (only {string.Join(", ", All.Select(Name))})");

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
