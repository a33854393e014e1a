using System.Collections;

namespace Esen.Kernels.Graph;

/// <summary>
/// An immutable tensor shape. A dimension of <see cref="Dynamic"/> (−1) is not known until run time:
/// typically the batch dimension of a graph input (ONNX dim_param). Shape inference and the executors
/// work on static shapes, obtained by binding the dynamic dimensions (<see cref="WithBatch"/>).
/// </summary>
public sealed class TensorShape : IEquatable<TensorShape>, IReadOnlyList<long>
{
    /// <summary>The marker of a dimension that is only known at run time.</summary>
    public const long Dynamic = -1;

    /// <summary>
    /// The largest element count a tensor may have (2³¹ − 1: spans and arrays are int-indexed).
    /// Larger shapes are refused before anything is allocated.
    /// </summary>
    public const long MaxElements = int.MaxValue;

    private readonly long[] _dims;

    /// <summary>Creates a shape from its dimensions (each ≥ 0, or <see cref="Dynamic"/>).</summary>
    /// <exception cref="ArgumentException">A dimension is below −1.</exception>
    public TensorShape(params ReadOnlySpan<long> dimensions)
    {
        foreach (long d in dimensions)
        {
            if (d < Dynamic)
            {
                throw new ArgumentException($"invalid dimension {d} in [{string.Join(',', dimensions.ToArray())}]", nameof(dimensions));
            }
        }

        _dims = dimensions.ToArray();
    }

    /// <summary>The shape of a scalar (rank 0, one element).</summary>
    public static TensorShape Scalar { get; } = new();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <inheritdoc/>
    public int Count => _dims.Length;

    /// <summary>True when no dimension is <see cref="Dynamic"/>.</summary>
    public bool IsStatic => Array.IndexOf(_dims, Dynamic) < 0;

    /// <summary>The dimensions as a span.</summary>
    public ReadOnlySpan<long> Dimensions => _dims;

    /// <summary>The product of the dimensions.</summary>
    /// <exception cref="InvalidOperationException">A dimension is dynamic, or the product exceeds <see cref="MaxElements"/>.</exception>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long d in _dims)
            {
                if (d == Dynamic)
                {
                    throw new InvalidOperationException($"shape {this} has a dynamic dimension");
                }

                if (d != 0 && count > MaxElements / d)
                {
                    throw new InvalidOperationException($"shape {this} has more than {MaxElements} elements");
                }

                count *= d;
            }

            return count;
        }
    }

    /// <summary>Dimension <paramref name="index"/>; negative indices count from the end.</summary>
    public long this[int index] => _dims[index < 0 ? index + _dims.Length : index];

    /// <summary>The dimensions as a new array.</summary>
    public long[] ToArray() => (long[])_dims.Clone();

    /// <summary>The dimensions as ints (for kernels); the shape must be static.</summary>
    public int[] ToIntArray()
    {
        _ = ElementCount;
        return Array.ConvertAll(_dims, d => (int)d);
    }

    /// <summary>This shape with every dynamic dimension replaced by <paramref name="batch"/>.</summary>
    public TensorShape WithBatch(long batch) =>
        new(Array.ConvertAll(_dims, d => d == Dynamic ? batch : d));

    /// <summary>Product of the dimensions in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public long Product(int start, int end)
    {
        long p = 1;
        for (int i = start; i < end; i++)
        {
            p *= _dims[i];
        }

        return p;
    }

    /// <summary>Normalises a possibly negative axis for this rank.</summary>
    /// <exception cref="GraphException">The axis is outside [−rank, rank).</exception>
    public int NormalizeAxis(long axis, string what) => NormalizeAxis(axis, Rank, what);

    /// <summary>Normalises a possibly negative axis for a given rank.</summary>
    /// <exception cref="GraphException">The axis is outside [−rank, rank).</exception>
    public static int NormalizeAxis(long axis, int rank, string what)
    {
        if (axis < -rank || axis >= Math.Max(rank, 1))
        {
            throw new GraphException($"{what}: axis {axis} is out of range for rank {rank}");
        }

        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <inheritdoc/>
    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (long d in _dims)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>"[N,3,224,224]", with N for a dynamic dimension.</summary>
    public override string ToString() =>
        "[" + string.Join(',', _dims.Select(d => d == Dynamic ? "N" : d.ToString())) + "]";

    /// <inheritdoc/>
    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    /// <summary>Equality of dimensions.</summary>
    public static bool operator ==(TensorShape? left, TensorShape? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality of dimensions.</summary>
    public static bool operator !=(TensorShape? left, TensorShape? right) => !(left == right);
}
