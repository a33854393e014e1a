using System.Runtime.InteropServices;

namespace Esen.Kernels.Graph;

/// <summary>
/// A typed, dense, row-major tensor with a static shape, its data one array of the element type's
/// .NET type (<see cref="DataTypes.ClrType"/>). Seeded random tensors (<see cref="SeededRandom"/>)
/// generate their float data on first access, so a built-in architecture can be analysed (shapes,
/// FLOPs, bytes) without allocating its weights.
/// </summary>
public sealed class Tensor
{
    private readonly Lock _gate = new();
    private readonly int _seed;
    private readonly float _scale;
    private Array? _data;

    private Tensor(DataType type, TensorShape shape, Array? data, int seed = 0, float scale = 0f)
    {
        if (!shape.IsStatic)
        {
            throw new ArgumentException($"a tensor needs a static shape, not {shape}", nameof(shape));
        }

        DataType = type;
        Shape = shape;
        _data = data;
        _seed = seed;
        _scale = scale;
    }

    /// <summary>The element type.</summary>
    public DataType DataType { get; }

    /// <summary>The (static) shape.</summary>
    public TensorShape Shape { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.ElementCount;

    /// <summary>Bytes the data occupies.</summary>
    public long ByteCount => ElementCount * DataTypes.SizeOf(DataType);

    /// <summary>The data array, of the element type's .NET type (generated now for a seeded random tensor).</summary>
    public Array Data
    {
        get
        {
            if (_data is null)
            {
                lock (_gate)
                {
                    _data ??= Generate();
                }
            }

            return _data;
        }
    }

    /// <summary>The float32 data (generated now for a seeded random tensor).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public float[] Floats => Elements<float>();

    /// <summary>The int64 data.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not int64.</exception>
    public long[] Int64s => Elements<long>();

    /// <summary>The data as <typeparamref name="T"/>, which must be the element type's .NET type.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds another element type.</exception>
    public T[] Elements<T>()
        where T : unmanaged => DataTypes.ClrType(DataType) == typeof(T)
            ? (T[])Data
            : throw new InvalidOperationException($"tensor {Shape} is {DataTypes.Name(DataType)}, not {DataTypes.Name(DataTypes.Of<T>())}");

    /// <summary>The data's bytes (little-endian on every host .NET runs Esen on).</summary>
    public Span<byte> AsBytes() => MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(Data), checked((int)ByteCount));

    /// <summary>Wraps float data (not copied).</summary>
    /// <exception cref="ArgumentException">The length does not match the shape.</exception>
    public static Tensor FromFloats(TensorShape shape, float[] data) => FromArray(shape, data);

    /// <summary>Wraps int64 data (not copied).</summary>
    /// <exception cref="ArgumentException">The length does not match the shape.</exception>
    public static Tensor FromInt64s(TensorShape shape, long[] data) => FromArray(shape, data);

    /// <summary>Wraps data of any supported element type (not copied).</summary>
    /// <exception cref="ArgumentException">The length does not match the shape, or <typeparamref name="T"/> is no element type.</exception>
    public static Tensor FromArray<T>(TensorShape shape, T[] data)
        where T : unmanaged => FromArray(DataTypes.Of<T>(), shape, data);

    /// <summary>Wraps an array of <paramref name="type"/>'s .NET type (not copied).</summary>
    /// <exception cref="ArgumentException">The array's type or length does not match.</exception>
    public static Tensor FromArray(DataType type, TensorShape shape, Array data)
    {
        if (data.GetType().GetElementType() != DataTypes.ClrType(type))
        {
            throw new ArgumentException($"a {DataTypes.Name(type)} tensor needs a {DataTypes.ClrType(type).Name}[], not a {data.GetType().Name}", nameof(data));
        }

        CheckLength(shape, data.Length);
        return new Tensor(type, shape, data);
    }

    /// <summary>A float scalar.</summary>
    public static Tensor Scalar(float value) => FromFloats(TensorShape.Scalar, [value]);

    /// <summary>A 1-D int64 tensor (shapes, axes, indices).</summary>
    public static Tensor Vector(params long[] values) => FromInt64s(new TensorShape(values.Length), values);

    /// <summary>A zero-filled tensor.</summary>
    public static Tensor Zeros(DataType type, TensorShape shape)
    {
        int n = checked((int)shape.ElementCount);
        return FromArray(type, shape, Array.CreateInstance(DataTypes.ClrType(type), n));
    }

    /// <summary>
    /// Float data uniform in [−<paramref name="scale"/>, <paramref name="scale"/>) from
    /// <c>new Random(<paramref name="seed"/>)</c>, generated on first access.
    /// </summary>
    public static Tensor SeededRandom(TensorShape shape, int seed, float scale)
    {
        _ = shape.ElementCount;
        return new Tensor(DataType.Float32, shape, null, seed, scale);
    }

    /// <summary>A float tensor filled with one value.</summary>
    public static Tensor Filled(TensorShape shape, float value)
    {
        var data = new float[checked((int)shape.ElementCount)];
        Array.Fill(data, value);
        return FromFloats(shape, data);
    }

    /// <summary>The same data with another shape of equal element count.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public Tensor Reshape(TensorShape shape) => FromArray(DataType, shape, Data);

    /// <inheritdoc/>
    public override string ToString() => $"{DataTypes.Name(DataType)}{Shape}";

    private float[] Generate()
    {
        var random = new Random(_seed);
        var data = new float[ElementCount];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = ((random.NextSingle() * 2f) - 1f) * _scale;
        }

        return data;
    }

    private static void CheckLength(TensorShape shape, long length)
    {
        if (shape.ElementCount != length)
        {
            throw new ArgumentException($"{length} elements do not fill shape {shape}", nameof(shape));
        }
    }
}
