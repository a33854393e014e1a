using Esen.Kernels.Graph;

namespace Esen.Kernels.Execution;

/// <summary>
/// Where one value lives during execution: a window of an arena array (planned activations), of a
/// constant tensor, or of a caller's input tensor. Kernels take spans from it.
/// </summary>
public sealed class ValueSlot
{
    /// <summary>Creates a slot for a value of the given type and shape.</summary>
    public ValueSlot(string name, TensorInfo info)
    {
        Name = name;
        Info = info;
        Length = checked((int)info.Shape.ElementCount);
    }

    /// <summary>The value name.</summary>
    public string Name { get; }

    /// <summary>Type and shape.</summary>
    public TensorInfo Info { get; }

    /// <summary>Element count.</summary>
    public int Length { get; }

    /// <summary>The backing array, of the element type's .NET type (<see cref="DataTypes.ClrType"/>).</summary>
    public Array? Array { get; private set; }

    /// <summary>First element of the value in <see cref="Array"/>.</summary>
    public int Offset { get; private set; }

    /// <summary>The value as floats.</summary>
    public Span<float> Floats => new((float[])Array!, Offset, Length);

    /// <summary>The value as int64s.</summary>
    public Span<long> Int64s => new((long[])Array!, Offset, Length);

    /// <summary>The value as a span of <typeparamref name="T"/>, the element type's .NET type.</summary>
    public Span<T> Span<T>()
        where T : unmanaged => new((T[])Array!, Offset, Length);

    /// <summary>Points the slot at <paramref name="array"/> from <paramref name="offset"/>.</summary>
    public void Bind(Array array, int offset)
    {
        Array = array;
        Offset = offset;
    }

    /// <summary>Points the slot at a tensor's data.</summary>
    public void Bind(Tensor tensor) => Bind(tensor.Data, 0);

    /// <summary>A copy of the value as a new tensor.</summary>
    public Tensor ToTensor()
    {
        Tensor tensor = Tensor.Zeros(Info.DataType, Info.Shape);
        System.Array.Copy(Array!, Offset, tensor.Data, 0, Length);
        return tensor;
    }

    /// <summary>Copies the value into <paramref name="destination"/> (same type and length) unless both are the same window.</summary>
    public void CopyTo(ValueSlot destination)
    {
        if (!ReferenceEquals(Array, destination.Array) || Offset != destination.Offset)
        {
            System.Array.Copy(Array!, Offset, destination.Array!, destination.Offset, Length);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Info}";
}
