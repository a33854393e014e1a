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

    [Theory]
    [InlineData(90100, "9.1.0")]
    [InlineData(91002, "9.10.2")]
    [InlineData(8902, "8.9.2")]
    public void Cudnn_versions_format_by_their_major_encoding(long version, string expected) =>
        Assert.Equal(expected, CudnnHandle.FormatVersion(version));
}
