using System.Runtime.InteropServices;

namespace Esen.Kernels.Cuda;

/// <summary>
/// Six floats passed by value to a kernel (<c>EsenFloats6</c> in kernels/resize.cu): per-dimension values right-aligned
/// into <see cref="Dims6.Rank"/> dimensions, as <see cref="Dims6"/> aligns shapes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Floats6
{
    public float F0;
    public float F1;
    public float F2;
    public float F3;
    public float F4;
    public float F5;

    /// <summary><paramref name="values"/> right-aligned; missing leading entries are <paramref name="fill"/>.</summary>
    /// <exception cref="ArgumentException">More than six values.</exception>
    public static Floats6 RightAligned(ReadOnlySpan<float> values, float fill)
    {
        if (values.Length > Dims6.Rank)
        {
            throw new ArgumentException($"{values.Length} dimensions; the kernels take at most {Dims6.Rank}", nameof(values));
        }

        var result = default(Floats6);
        Span<float> all = MemoryMarshal.CreateSpan(ref result.F0, Dims6.Rank);
        all.Fill(fill);
        values.CopyTo(all[(Dims6.Rank - values.Length)..]);
        return result;
    }
}
