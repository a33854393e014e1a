using Esen.Native.Cudnn;

namespace Esen.Native.Tests;

public class NativeProbeTests
{
    [Fact]
    public void Math_libraries_are_either_loaded_with_a_version_or_missing_with_a_reason()
    {
        NativeAvailability probe = NativeRuntime.Probe();

        foreach (LibraryAvailability library in new[] { probe.Cublas, probe.Cudnn })
        {
            Assert.NotEmpty(library.Attempts);
            Assert.Equal(library.Loaded, library.Version is not null);
            Assert.Equal(library.Loaded, library.Reason is null);
        }
    }

    [Fact]
    public void Every_counted_device_has_its_properties()
    {
        NativeAvailability probe = NativeRuntime.Probe();

        Assert.Equal(probe.DeviceCount, probe.Devices.Count);
        Assert.Equal(probe.HasCudaDevice, probe.CudaReason is null);
    }

    [Fact]
    public void MissingDevice_GivesTheProbesReason_OrTheDeviceCount_OrNothingForAPresentDevice()
    {
        var library = new LibraryAvailability("CUDA driver", false, null, null, "not found", []);
        var none = new NativeAvailability(library, null, 0, "CUDA driver not found");
        var two = new NativeAvailability(library with { Loaded = true, Reason = null }, 13000, 2, null);

        Assert.Equal("CUDA driver not found", none.MissingDevice(0));
        Assert.Equal("no CUDA device answered", (none with { CudaReason = null }).MissingDevice(0));
        Assert.Null(two.MissingDevice(1));
        Assert.Equal("this machine has 2 CUDA device(s) (cuda:0 … cuda:1)", two.MissingDevice(2));
    }

    [Theory]
    [InlineData(90100, "9.1.0")]
    [InlineData(91002, "9.10.2")]
    [InlineData(8902, "8.9.2")]
    public void Cudnn_versions_format_by_their_major_encoding(long version, string expected) =>
        Assert.Equal(expected, CudnnHandle.FormatVersion(version));
}
