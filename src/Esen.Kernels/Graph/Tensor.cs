namespace Esen.Kernels.Graph;

/// <summary>
/// A typed, dense, row-major tensor with a static shape: float32 or int64 data. Seeded random
/// tensors (<see cref="SeededRandom"/>) generate their data on first access, so a built-in
/// architecture can be analysed (shapes, FLOPs, bytes) without allocating its weights.
/// </summary>
public sealed class Tensor
{
    private readonly Lock _gate = new();
    private readonly int _seed;
    private readonly float _scale;
    private readonly long[]? _longs;
    private float[]? _floats;

    private Tensor(DataType type, TensorShape shape, float[]? floats, long[]? longs, int seed = 0, float scale = 0f)
    {
        if (!shape.IsStatic)
        {
            throw new ArgumentException($"a tensor needs a static shape, not {shape}", nameof(shape));
        }

        DataType = type;
        Shape = shape;
        _floats = floats;
        _longs = longs;
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

    /// <summary>The float32 data (generated now for a seeded random tensor).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public float[] Floats
    {
        get
        {
            if (DataType != DataType.Float32)
            {
                throw new InvalidOperationException($"tensor {Shape} is {DataTypes.Name(DataType)}, not float");
            }

            if (_floats is null)
            {
                lock (_gate)
                {
                    _floats ??= Generate();
                }
            }

            return _floats;
        }
    }

    /// <summary>The int64 data.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not int64.</exception>
    public long[] Int64s => _longs ?? throw new InvalidOperationException($"tensor {Shape} is {DataTypes.Name(DataType)}, not int64");

    /// <summary>Wraps float data (not copied).</summary>
    /// <exception cref="ArgumentException">The length does not match the shape.</exception>
    public static Tensor FromFloats(TensorShape shape, float[] data)
    {
        CheckLength(shape, data.Length);
        return new Tensor(DataType.Float32, shape, data, null);
    }

    /// <summary>Wraps int64 data (not copied).</summary>
    /// <exception cref="ArgumentException">The length does not match the shape.</exception>
    public static Tensor FromInt64s(TensorShape shape, long[] data)
    {
        CheckLength(shape, data.Length);
        return new Tensor(DataType.Int64, shape, null, data);
    }

    /// <summary>A float scalar.</summary>
    public static Tensor Scalar(float value) => FromFloats(TensorShape.Scalar, [value]);

    /// <summary>A 1-D int64 tensor (shapes, axes, indices).</summary>
    public static Tensor Vector(params long[] values) => FromInt64s(new TensorShape(values.Length), values);

    /// <summary>A zero-filled tensor.</summary>
    public static Tensor Zeros(DataType type, TensorShape shape)
    {
        int n = checked((int)shape.ElementCount);
        return type == DataType.Float32 ? FromFloats(shape, new float[n]) : FromInt64s(shape, new long[n]);
    }

    /// <summary>
    /// Float data uniform in [−<paramref name="scale"/>, <paramref name="scale"/>) from
    /// <c>new Random(<paramref name="seed"/>)</c>, generated on first access.
    /// </summary>
    public static Tensor SeededRandom(TensorShape shape, int seed, float scale)
    {
        _ = shape.ElementCount;
        return new Tensor(DataType.Float32, shape, null, null, seed, scale);
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
    public Tensor Reshape(TensorShape shape) => DataType == DataType.Float32 ? FromFloats(shape, Floats) : FromInt64s(shape, Int64s);

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
