using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// AVX-512 loads of 16 window positions from one row of an image, for the strides 1 and 2 that convolutions
/// and pooling use: positions outside [0, width) come back as a fill value (zero padding, or −∞ for max
/// pooling) and are masked off, so they never touch memory and the row may start anywhere relative to them.
/// </summary>
internal static unsafe class MaskedRow
{
    /// <summary>Lanes per load.</summary>
    public const int Lanes = 16;

    /// <summary>row[first + stride·i] for i in 0..16, <paramref name="fill"/> where that position is outside the row; stride is 1 or 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* row, int first, int stride, int width, Vector512<float> fill) =>
        stride == 1
            ? Load(row, first, width, fill)
            : Avx512F.PermuteVar16x32x2(Load(row, first, width, fill), Vector512<int>.Indices * 2, Load(row, first + Lanes, width, fill));

    /// <summary>
    /// <see cref="Load(float*, int, int, int, Vector512{float})"/> where the caller knows whether all 16·stride floats
    /// from <paramref name="first"/> lie inside the row: then plain loads and no mask (most chunks of a wide row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* row, int first, int stride, int width, Vector512<float> fill, bool inside) =>
        !inside ? Load(row, first, stride, width, fill)
        : stride == 1 ? Vector512.Load(row + first)
        : Avx512F.PermuteVar16x32x2(Vector512.Load(row + first), Vector512<int>.Indices * 2, Vector512.Load(row + first + Lanes));

    /// <summary>A mask of the first <paramref name="count"/> lanes (none when count ≤ 0, all when ≥ 16), for masked stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FirstLanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* row, int first, int width, Vector512<float> fill)
    {
        Vector512<float> inside = Vector512.LessThan((Vector512<int>.Indices + Vector512.Create(first)).AsUInt32(), Vector512.Create((uint)width)).AsSingle();

        // Lanes before the row are masked off, so the address may precede it without a load from there.
        return Avx512F.MaskLoad(unchecked(row + first), inside, fill);
    }
}
