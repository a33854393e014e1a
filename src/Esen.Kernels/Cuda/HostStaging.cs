namespace Esen.Kernels.Cuda;

/// <summary>
/// Where each staged value of a plan (its inputs, its outputs, the fault word) lies in the plan's one page-locked
/// host buffer: one after another, each at a multiple of <see cref="Alignment"/> bytes. Pure, in <see cref="long"/>
/// bytes, so plans whose inputs and outputs pass 2 GiB lay out without overflow.
/// </summary>
internal static class HostStaging
{
    /// <summary>Each value starts on a 64-byte cache line.</summary>
    public const long Alignment = 64;

    /// <summary>The offset of each of <paramref name="sizes"/> (bytes), in order, and the total the buffer needs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public static (long[] Offsets, long TotalBytes) Lay(IReadOnlyList<long> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        long[] offsets = new long[sizes.Count];
        long next = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(sizes[i]);
            offsets[i] = next;
            next = checked(next + ((sizes[i] + Alignment - 1) / Alignment * Alignment));
        }

        return (offsets, next);
    }
}
