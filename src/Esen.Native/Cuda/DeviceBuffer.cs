using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Esen.Native.Errors;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>
/// A typed device allocation: element count, element type and the owned memory. Synchronous copies
/// block the host; the asynchronous ones are queued on a stream and never synchronise implicitly.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class DeviceBuffer<T> : IDisposable
    where T : unmanaged
{
    private readonly SafeDeviceMemoryHandle _memory;

    private DeviceBuffer(CudaContext context, SafeDeviceMemoryHandle memory, long length)
    {
        Context = context;
        _memory = memory;
        Length = length;
    }

    /// <summary>The context that owns the memory.</summary>
    public CudaContext Context { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Size in bytes.</summary>
    public ulong SizeInBytes => (ulong)Length * (ulong)Unsafe.SizeOf<T>();

    /// <summary>The device address of element 0.</summary>
    public DevicePtr Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            return new DevicePtr((ulong)_memory.DangerousGetHandle());
        }
    }

    /// <summary>Allocates <paramref name="length"/> uninitialised elements in <paramref name="context"/>.</summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the buffer on success.")]
    internal static DeviceBuffer<T> Allocate(CudaContext context, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        using (context.Push())
        {
            nuint bytes = checked((nuint)length * (nuint)Unsafe.SizeOf<T>());
            Interop.CUresult status = Interop.Interop.Cuda.cuMemAlloc(out SafeDeviceMemoryHandle memory, bytes);
            CudaException.ThrowIfFailed(status, memory, $"cuMemAlloc_v2({bytes} bytes)");
            memory.SetContext(context.Handle);
            return new DeviceBuffer<T>(context, memory, length);
        }
    }

    /// <summary>Copies <paramref name="source"/> to the start of the buffer and waits for it.</summary>
    public void CopyFromHost(ReadOnlySpan<T> source)
    {
        CheckLength(source.Length);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyHtoD(Pointer.Address, MemoryMarshal.AsBytes(source)));
        }
    }

    /// <summary>Copies the start of the buffer into <paramref name="destination"/> and waits for it.</summary>
    public void CopyToHost(Span<T> destination)
    {
        CheckLength(destination.Length);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyDtoH(MemoryMarshal.AsBytes(destination), Pointer.Address));
        }
    }

    /// <summary>
    /// Queues a copy of <paramref name="count"/> elements from host memory at <paramref name="source"/>.
    /// The memory must stay valid until the stream has executed the copy (pin it; page-locked memory
    /// makes the copy truly asynchronous).
    /// </summary>
    public unsafe void CopyFromHostAsync(T* source, long count, CudaStream stream)
    {
        CheckLength(count);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyHtoDAsync(
                Pointer.Address, source, (nuint)(count * sizeof(T)), stream.Handle));
        }
    }

    /// <summary>Queues a copy of <paramref name="count"/> elements into host memory at <paramref name="destination"/>.</summary>
    public unsafe void CopyToHostAsync(T* destination, long count, CudaStream stream)
    {
        CheckLength(count);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyDtoHAsync(
                destination, Pointer.Address, (nuint)(count * sizeof(T)), stream.Handle));
        }
    }

    /// <summary>
    /// Pins <paramref name="source"/> and queues its copy to the buffer. Dispose the returned pin only
    /// after the stream has executed the copy (e.g. after synchronising it).
    /// </summary>
    public unsafe MemoryHandle CopyFromHostAsync(ReadOnlyMemory<T> source, CudaStream stream)
    {
        MemoryHandle pin = source.Pin();
        try
        {
            CopyFromHostAsync((T*)pin.Pointer, source.Length, stream);
            return pin;
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Pins <paramref name="destination"/> and queues a copy of the buffer's start into it. Dispose the
    /// returned pin only after the stream has executed the copy.
    /// </summary>
    public unsafe MemoryHandle CopyToHostAsync(Memory<T> destination, CudaStream stream)
    {
        MemoryHandle pin = destination.Pin();
        try
        {
            CopyToHostAsync((T*)pin.Pointer, destination.Length, stream);
            return pin;
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>Copies all of <paramref name="source"/> (same length or shorter) to this buffer and waits.</summary>
    public void CopyFrom(DeviceBuffer<T> source)
    {
        CheckLength(source.Length);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyDtoD(Pointer.Address, source.Pointer.Address, (nuint)source.SizeInBytes));
        }
    }

    /// <summary>Queues a device-to-device copy of all of <paramref name="source"/>.</summary>
    public void CopyFromAsync(DeviceBuffer<T> source, CudaStream stream)
    {
        CheckLength(source.Length);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyDtoDAsync(
                Pointer.Address, source.Pointer.Address, (nuint)source.SizeInBytes, stream.Handle));
        }
    }

    /// <summary>Sets every byte to zero and waits.</summary>
    public void Clear()
    {
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemsetD8(Pointer.Address, 0, (nuint)SizeInBytes));
        }
    }

    /// <summary>Queues setting every byte to zero.</summary>
    public void ClearAsync(CudaStream stream)
    {
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemsetD8Async(Pointer.Address, 0, (nuint)SizeInBytes, stream.Handle));
        }
    }

    /// <summary>Queues filling the buffer with a 32-bit pattern (4-byte element types only).</summary>
    public void Fill32Async(uint pattern, CudaStream stream)
    {
        if (Unsafe.SizeOf<T>() != sizeof(uint))
        {
            throw new InvalidOperationException($"Fill32Async needs a 4-byte element type, not {typeof(T).Name}.");
        }

        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemsetD32Async(Pointer.Address, pattern, (nuint)Length, stream.Handle));
        }
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => _memory.Dispose();

    private void CheckLength(long count)
    {
        if (count > Length)
        {
            throw new ArgumentException($"{count} elements do not fit in a device buffer of {Length}.", nameof(count));
        }
    }
}
