using System.Runtime.InteropServices;

namespace Esen.Kernels.Cuda.Host;

/// <summary>
/// Unmanaged memory standing in for a device buffer of 4-byte elements (float or int), followed by
/// guard elements that a kernel writing past the end overwrites; reading the buffer back, or
/// <see cref="EnsureGuardIntact"/>, finds that out.
/// </summary>
internal sealed unsafe class HostBuffer : IDisposable
{
    private const int GuardElements = 16;
    private const int GuardBits = 0x7FC0_DEAD; // a NaN pattern no kernel here produces

    private readonly IntPtr _memory;

    private HostBuffer(int length)
    {
        Length = length;
        _memory = Marshal.AllocHGlobal((nint)(((long)length + GuardElements) * sizeof(int)));
        new Span<int>((void*)_memory, length + GuardElements).Fill(GuardBits);
    }

    /// <summary>Elements before the guard.</summary>
    public int Length { get; }

    /// <summary>The address to put into a launch-argument struct.</summary>
    public ulong Address => (ulong)_memory;

    /// <summary>The elements as bytes.</summary>
    public Span<byte> Bytes => new((void*)_memory, Length * sizeof(int));

    /// <summary>A buffer holding <paramref name="values"/>.</summary>
    public static HostBuffer Of(float[] values)
    {
        var buffer = new HostBuffer(values.Length);
        Marshal.Copy(values, 0, buffer._memory, values.Length);
        return buffer;
    }

    /// <summary>A buffer holding <paramref name="values"/>.</summary>
    public static HostBuffer Of(int[] values)
    {
        var buffer = new HostBuffer(values.Length);
        Marshal.Copy(values, 0, buffer._memory, values.Length);
        return buffer;
    }

    /// <summary>A buffer holding the int64 <paramref name="values"/>, two 4-byte elements each.</summary>
    public static HostBuffer Of(long[] values) => Of(MemoryMarshal.Cast<long, int>(values).ToArray());

    /// <summary>A buffer of <paramref name="length"/> elements that are all the guard pattern (never written = visible).</summary>
    public static HostBuffer Uninitialized(int length) => new(length);

    /// <summary>A buffer of at least <paramref name="bytes"/> bytes (at least one element), all the guard pattern.</summary>
    public static HostBuffer OfBytes(long bytes) => new((int)Math.Max(1, (bytes + sizeof(int) - 1) / sizeof(int)));

    /// <summary>The contents as floats.</summary>
    /// <exception cref="InvalidOperationException">A kernel wrote past the end.</exception>
    public float[] ToFloats()
    {
        EnsureGuardIntact($"a {Length}-element buffer");
        float[] values = new float[Length];
        Marshal.Copy(_memory, values, 0, Length);
        return values;
    }

    /// <summary>The contents as ints.</summary>
    /// <exception cref="InvalidOperationException">A kernel wrote past the end.</exception>
    public int[] ToInts()
    {
        EnsureGuardIntact($"a {Length}-element buffer");
        int[] values = new int[Length];
        Marshal.Copy(_memory, values, 0, Length);
        return values;
    }

    /// <summary>The contents as int64 values (pairs of 4-byte elements).</summary>
    public long[] ToInt64s() => MemoryMarshal.Cast<int, long>(ToInts()).ToArray();

    /// <summary>Fails when something wrote past the end of the buffer.</summary>
    /// <param name="what">The buffer as the message names it.</param>
    /// <exception cref="InvalidOperationException">The guard was overwritten.</exception>
    public void EnsureGuardIntact(string what)
    {
        var guard = new ReadOnlySpan<int>((void*)IntPtr.Add(_memory, Length * sizeof(int)), GuardElements);
        if (guard.ContainsAnyExcept(GuardBits))
        {
            throw new InvalidOperationException($"a kernel wrote past the end of {what}");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Marshal.FreeHGlobal(_memory);
}
