using Esen.Native.Cuda;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;
using Esen.TestUtilities;

namespace Esen.Native.Tests;

/// <summary>Page-locked staging buffers: range checks in 64-bit bytes without a GPU, the copies on one.</summary>
public class PinnedHostBufferTests
{
    private const long TwoGiB = 2L << 30;

    [Theory]
    [InlineData(100, 0, 100)]
    [InlineData(100, 40, 60)]
    [InlineData(100, 100, 0)]
    [InlineData(3 * TwoGiB, TwoGiB, TwoGiB)] // past int.MaxValue on both sides
    [InlineData(long.MaxValue, 1, long.MaxValue - 1)]
    public void Ranges_inside_the_buffer_are_accepted(long length, long offset, long bytes) =>
        Assert.Null(PinnedHostBuffer.RangeError(length, offset, bytes));

    [Theory]
    [InlineData(100, 41, 60)]
    [InlineData(100, -1, 10)]
    [InlineData(100, 0, -1)]
    [InlineData(TwoGiB, 1, TwoGiB)]
    [InlineData(100, long.MaxValue, long.MaxValue)] // offset + bytes would overflow
    public void Ranges_past_the_end_or_negative_are_refused(long length, long offset, long bytes) =>
        Assert.NotNull(PinnedHostBuffer.RangeError(length, offset, bytes));

    [Fact]
    public void Handle_is_sealed_context_bound_and_portable_flag_matches_cuda_h()
    {
        using var memory = new SafePinnedHostMemoryHandle();

        Assert.True(memory.IsInvalid);
        Assert.True(typeof(SafePinnedHostMemoryHandle).IsSealed);
        Assert.True(typeof(SafePinnedHostMemoryHandle).IsSubclassOf(typeof(SafeCudaInteriorHandle)));
        Assert.Equal(0x01u, CudaFlags.CU_MEMHOSTALLOC_PORTABLE);
    }

    [SkippableFact]
    [Trait("Category", "Gpu")]
    public void Staged_copies_round_trip_through_the_device()
    {
        Requires.CudaDevice();
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));
        using CudaStream stream = context.CreateStream();
        float[] input = [.. Enumerable.Range(0, 1000).Select(i => i * 0.5f)];
        using PinnedHostBuffer staging = PinnedHostBuffer.Allocate(context, 2 * input.Length * sizeof(float));
        using DeviceBuffer<byte> device = context.Allocate<byte>(input.Length * sizeof(float));
        long bytes = input.Length * sizeof(float);

        staging.Write<float>(0, input);
        staging.CopyToDeviceAsync(0, device.Pointer, bytes, stream);
        staging.CopyFromDeviceAsync(device.Pointer, bytes, bytes, stream);
        stream.Synchronize();
        float[] output = new float[input.Length];
        staging.Read<float>(bytes, output);

        Assert.Equal(input, output);
        Assert.Throws<ArgumentOutOfRangeException>(() => staging.Write<float>(bytes + 4, input));
    }
}
