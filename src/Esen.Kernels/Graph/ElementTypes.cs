using System.Numerics;

namespace Esen.Kernels.Graph;

/// <summary>A generic computation over any element type (data movement: bits are copied, not computed).</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface IElementVisitor<out TResult>
{
    TResult Visit<T>()
        where T : unmanaged;
}

/// <summary>A generic computation over the numeric element types (all but bool).</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface INumberVisitor<out TResult>
{
    TResult Visit<T>()
        where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>A generic computation over the integer element types.</summary>
/// <typeparam name="TResult">What the computation returns.</typeparam>
internal interface IIntegerVisitor<out TResult>
{
    TResult Visit<T>()
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>;
}

/// <summary>
/// Runs a generic computation with the .NET type a <see cref="DataType"/> is stored as
/// (<see cref="DataTypes.ClrType"/>): the one place an element type becomes a type argument.
/// </summary>
internal static class ElementTypes
{
    /// <summary>Runs <paramref name="visitor"/> for the stored type of <paramref name="type"/>.</summary>
    public static TResult Visit<TResult, TVisitor>(DataType type, TVisitor visitor)
        where TVisitor : IElementVisitor<TResult> => type switch
        {
            DataType.Float32 => visitor.Visit<float>(),
            DataType.Int32 => visitor.Visit<int>(),
            DataType.Int64 => visitor.Visit<long>(),
            DataType.UInt8 => visitor.Visit<byte>(),
            DataType.Int8 => visitor.Visit<sbyte>(),
            DataType.Int16 => visitor.Visit<short>(),
            DataType.UInt16 => visitor.Visit<ushort>(),
            DataType.UInt32 => visitor.Visit<uint>(),
            DataType.UInt64 => visitor.Visit<ulong>(),
            DataType.Bool => visitor.Visit<bool>(),
            DataType.Float16 => visitor.Visit<Half>(),
            DataType.Float64 => visitor.Visit<double>(),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown data type"),
        };

    /// <summary>Runs <paramref name="visitor"/> for the stored type of the numeric <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not numeric.</exception>
    public static TResult VisitNumber<TResult, TVisitor>(DataType type, TVisitor visitor)
        where TVisitor : INumberVisitor<TResult> => type switch
        {
            DataType.Float32 => visitor.Visit<float>(),
            DataType.Int32 => visitor.Visit<int>(),
            DataType.Int64 => visitor.Visit<long>(),
            DataType.UInt8 => visitor.Visit<byte>(),
            DataType.Int8 => visitor.Visit<sbyte>(),
            DataType.Int16 => visitor.Visit<short>(),
            DataType.UInt16 => visitor.Visit<ushort>(),
            DataType.UInt32 => visitor.Visit<uint>(),
            DataType.UInt64 => visitor.Visit<ulong>(),
            DataType.Float16 => visitor.Visit<Half>(),
            DataType.Float64 => visitor.Visit<double>(),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a numeric data type"),
        };

    /// <summary>Runs <paramref name="visitor"/> for the stored type of the integer <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not an integer type.</exception>
    public static TResult VisitInteger<TResult, TVisitor>(DataType type, TVisitor visitor)
        where TVisitor : IIntegerVisitor<TResult> => type switch
        {
            DataType.Int32 => visitor.Visit<int>(),
            DataType.Int64 => visitor.Visit<long>(),
            DataType.UInt8 => visitor.Visit<byte>(),
            DataType.Int8 => visitor.Visit<sbyte>(),
            DataType.Int16 => visitor.Visit<short>(),
            DataType.UInt16 => visitor.Visit<ushort>(),
            DataType.UInt32 => visitor.Visit<uint>(),
            DataType.UInt64 => visitor.Visit<ulong>(),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an integer data type"),
        };
}
