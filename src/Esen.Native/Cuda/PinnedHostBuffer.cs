using System.Diagnostics.CodeAnalysis;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cuda;

/// <summary>
/// Page-locked host memory (<c>cuMemHostAlloc</c> with <c>CU_MEMHOSTALLOC_PORTABLE</c>) for staging copies between
/// managed arrays and the device: a copy from or to it runs asynchronously on the copy engine, and its address
/// never moves, so a CUDA graph may capture copies that use it. Offsets and lengths are bytes, as <see cref="long"/>,
/// so buffers past 2 GiB work.
/// </summary>
public sealed class PinnedHostBuffer : IDisposable
{
    private readonly SafePinnedHostMemoryHandle _memory;

    private PinnedHostBuffer(CudaContext context, SafePinnedHostMemoryHandle memory, long length)
    {
        Context = context;
        _memory = memory;
        Length = length;
    }

    /// <summary>The context the memory was allocated in.</summary>
    public CudaContext Context { get; }

    /// <summary>Size in bytes.</summary>
    public long Length { get; }

    /// <summary>Allocates <paramref name="bytes"/> bytes (at least one) of page-locked memory in <paramref name="context"/>.</summary>
    /// <exception cref="CudaException">The driver cannot page-lock that much.</exception>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the wrapper on success.")]
    public static PinnedHostBuffer Allocate(CudaContext context, long bytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long length = Math.Max(bytes, 1);
        using (context.Push())
        {
            CUresult status = Interop.Interop.Cuda.cuMemHostAlloc(out SafePinnedHostMemoryHandle memory, (nuint)length, CudaFlags.CU_MEMHOSTALLOC_PORTABLE);
            CudaException.ThrowIfFailed(status, memory, "cuMemHostAlloc");
            memory.SetContext(context.Handle);
            return new PinnedHostBuffer(context, memory, length);
        }
    }

    /// <summary>
    /// Why <paramref name="bytes"/> bytes at <paramref name="offset"/> do not fit a buffer of <paramref name="length"/>
    /// bytes, or null when they do. Computed without overflow for any non-negative values.
    /// </summary>
    public static string? RangeError(long length, long offset, long bytes) =>
        offset < 0 || bytes < 0 ? $"offset {offset} and length {bytes} must not be negative"
        : offset > length - bytes ? $"{bytes} bytes at offset {offset} overrun the {length}-byte pinned buffer"
        : null;

    /// <summary>Copies <paramref name="source"/> into the buffer at <paramref name="offset"/> (a host copy; nothing is queued).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range overruns the buffer.</exception>
    public unsafe void Write<T>(long offset, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        long bytes = (long)source.Length * sizeof(T);
        byte* at = At(offset, bytes);
        fixed (T* from = source)
        {
            Buffer.MemoryCopy(from, at, bytes, bytes);
        }
    }

    /// <summary>Copies bytes from <paramref name="offset"/> into <paramref name="destination"/> (a host copy).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range overruns the buffer.</exception>
    public unsafe void Read<T>(long offset, Span<T> destination)
        where T : unmanaged
    {
        long bytes = (long)destination.Length * sizeof(T);
        byte* at = At(offset, bytes);
        fixed (T* to = destination)
        {
            Buffer.MemoryCopy(at, to, bytes, bytes);
        }
    }

    /// <summary>Queues a copy of <paramref name="bytes"/> bytes at <paramref name="offset"/> to <paramref name="destination"/> (<c>cuMemcpyHtoDAsync_v2</c>).</summary>
    public unsafe void CopyToDeviceAsync(long offset, DevicePtr destination, long bytes, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte* at = At(offset, bytes);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyHtoDAsync(destination.Address, at, (nuint)bytes, stream.Handle));
        }
    }

    /// <summary>Queues a copy of <paramref name="bytes"/> bytes from <paramref name="source"/> to <paramref name="offset"/> (<c>cuMemcpyDtoHAsync_v2</c>).</summary>
    public unsafe void CopyFromDeviceAsync(DevicePtr source, long offset, long bytes, CudaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte* at = At(offset, bytes);
        using (Context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemcpyDtoHAsync(at, source.Address, (nuint)bytes, stream.Handle));
        }
    }

    /// <summary>Frees the memory; queued copies that use it must have finished.</summary>
    public void Dispose() => _memory.Dispose();

    private unsafe byte* At(long offset, long bytes)
    {
        if (RangeError(Length, offset, bytes) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), error);
        }

        ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
        return (byte*)_memory.DangerousGetHandle() + offset;
    }
}
