using System.Runtime.InteropServices;

namespace Esen.Kernels.Cuda;

/// <summary>
/// Six ints passed by value to a kernel (<c>EsenDims6</c> in kernels/esen_cuda.h): a shape or a
/// stride list right-aligned into <see cref="Rank"/> dimensions, leading entries padded.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Dims6
{
    /// <summary>The fixed rank of every shape descriptor the kernels take.</summary>
    public const int Rank = 6;

    public int D0;
    public int D1;
    public int D2;
    public int D3;
    public int D4;
    public int D5;

    public int this[int index]
    {
        readonly get => MemoryMarshal.CreateReadOnlySpan(in D0, Rank)[index];
        set => MemoryMarshal.CreateSpan(ref D0, Rank)[index] = value;
    }

    /// <summary>A shape right-aligned into six dimensions; missing leading dimensions are 1.</summary>
    /// <exception cref="ArgumentException">More than six dimensions.</exception>
    public static Dims6 Shape(ReadOnlySpan<int> dims) => RightAligned(dims, fill: 1);

    /// <summary>Strides right-aligned into six dimensions; missing leading dimensions get stride 0.</summary>
    /// <exception cref="ArgumentException">More than six dimensions.</exception>
    public static Dims6 Strides(ReadOnlySpan<int> strides) => RightAligned(strides, fill: 0);

    /// <summary>
    /// The element strides with which an input of shape <paramref name="input"/> broadcasts to
    /// <paramref name="output"/> (NumPy rules, shapes right-aligned): its contiguous stride where
    /// the dimensions match, 0 where the input has size 1 or lacks the dimension.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or have more than six dimensions.</exception>
    public static Dims6 BroadcastStrides(ReadOnlySpan<int> input, ReadOnlySpan<int> output)
    {
        if (input.Length > output.Length)
        {
            throw new ArgumentException($"input rank {input.Length} exceeds output rank {output.Length}", nameof(input));
        }

        Span<int> strides = stackalloc int[output.Length];
        strides.Clear();
        int stride = 1;
        for (int i = input.Length - 1; i >= 0; i--)
        {
            int o = output.Length - input.Length + i;
            if (input[i] == output[o])
            {
                strides[o] = input[i] == 1 ? 0 : stride;
            }
            else if (input[i] != 1)
            {
                throw new ArgumentException(
                    $"dimension {i} of size {input[i]} does not broadcast to size {output[o]}", nameof(input));
            }

            stride *= input[i];
        }

        return RightAligned(strides, fill: 0);
    }

    /// <summary>The contiguous (row-major) strides of a shape, right-aligned; leading entries 0.</summary>
    /// <exception cref="ArgumentException">More than six dimensions.</exception>
    public static Dims6 ContiguousStrides(ReadOnlySpan<int> dims)
    {
        Span<int> strides = stackalloc int[dims.Length];
        int stride = 1;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= dims[i];
        }

        return RightAligned(strides, fill: 0);
    }

    /// <summary>
    /// The input strides with which <c>esen_strided_copy</c> transposes a contiguous tensor of shape
    /// <paramref name="input"/>: output dimension d is input dimension <paramref name="permutation"/>[d]
    /// (ONNX Transpose perm), so its stride is that input dimension's contiguous stride.
    /// </summary>
    /// <exception cref="ArgumentException">The permutation is not one of 0..rank−1, or more than six dimensions.</exception>
    public static Dims6 TransposeStrides(ReadOnlySpan<int> input, ReadOnlySpan<int> permutation)
    {
        if (permutation.Length != input.Length)
        {
            throw new ArgumentException($"permutation of rank {permutation.Length} for a rank-{input.Length} tensor", nameof(permutation));
        }

        Dims6 contiguous = ContiguousStrides(input);
        Span<int> strides = stackalloc int[input.Length];
        Span<bool> seen = stackalloc bool[input.Length];
        seen.Clear();
        for (int d = 0; d < permutation.Length; d++)
        {
            int source = permutation[d];
            if (unchecked((uint)source >= (uint)input.Length) || seen[source])
            {
                throw new ArgumentException($"[{string.Join(", ", permutation.ToArray())}] is not a permutation of 0..{input.Length - 1}", nameof(permutation));
            }

            seen[source] = true;
            strides[d] = contiguous[Rank - input.Length + source];
        }

        return RightAligned(strides, fill: 0);
    }

    private static Dims6 RightAligned(ReadOnlySpan<int> values, int fill)
    {
        if (values.Length > Rank)
        {
            throw new ArgumentException($"{values.Length} dimensions; the kernels take at most {Rank}", nameof(values));
        }

        var result = default(Dims6);
        Span<int> all = MemoryMarshal.CreateSpan(ref result.D0, Rank);
        all.Fill(fill);
        values.CopyTo(all[(Rank - values.Length)..]);
        return result;
    }
}
