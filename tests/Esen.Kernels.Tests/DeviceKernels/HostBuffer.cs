using System.Runtime.InteropServices;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// Unmanaged memory standing in for a device buffer of 4-byte elements (float or int), followed
/// by guard elements that a kernel writing past the end would overwrite; reading the buffer back
/// asserts they are intact.
/// </summary>
internal sealed class HostBuffer : IDisposable
{
    private const int GuardElements = 16;
    private const int GuardBits = 0x7FC0_DEAD; // a NaN pattern no kernel here produces

    private readonly IntPtr _memory;

    private HostBuffer(int length)
    {
        Length = length;
        _memory = Marshal.AllocHGlobal((length + GuardElements) * sizeof(int));
        Marshal.Copy(Enumerable.Repeat(GuardBits, length + GuardElements).ToArray(), 0, _memory, length + GuardElements);
    }

    /// <summary>Elements before the guard.</summary>
    public int Length { get; }

    /// <summary>The address to put into a launch-argument struct.</summary>
    public ulong Address => (ulong)_memory;

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

    /// <summary>The contents as floats.</summary>
    public float[] ToFloats()
    {
        AssertGuardIntact();
        float[] values = new float[Length];
        Marshal.Copy(_memory, values, 0, Length);
        return values;
    }

    /// <summary>The contents as ints.</summary>
    public int[] ToInts()
    {
        AssertGuardIntact();
        int[] values = new int[Length];
        Marshal.Copy(_memory, values, 0, Length);
        return values;
    }

    /// <summary>The contents as int64 values (pairs of 4-byte elements).</summary>
    public long[] ToInt64s() => MemoryMarshal.Cast<int, long>(ToInts()).ToArray();

    public void Dispose() => Marshal.FreeHGlobal(_memory);

    private void AssertGuardIntact()
    {
        int[] guard = new int[GuardElements];
        Marshal.Copy(IntPtr.Add(_memory, Length * sizeof(int)), guard, 0, GuardElements);
        Assert.True(guard.All(bits => bits == GuardBits), $"a kernel wrote past the end of a {Length}-element buffer");
    }
}
