using Esen.Native.Errors;
using Esen.Native.Interop;

namespace Esen.Native.Tests;

public class NativeLibraryResolverTests
{
    private static readonly NativeLibraryDescriptor s_absent = new(
        "esen-test-absent", "Absent library", "ESEN_TEST_ABSENT_PATH", ["libesen-absent.so.7", "libesen-absent.so"]);

    [Fact]
    public void Missing_library_reports_every_name_tried_in_order()
    {
        LibraryLoadResult result = NativeLibraryResolver.TryLoad(s_absent, _ => null);

        Assert.False(result.IsLoaded);
        Assert.Equal(IntPtr.Zero, result.Handle);
        Assert.Collection(
            result.Attempts,
            a => Assert.StartsWith("libesen-absent.so.7: ", a, StringComparison.Ordinal),
            a => Assert.StartsWith("libesen-absent.so: ", a, StringComparison.Ordinal));
    }

    [Fact]
    public void Environment_override_is_tried_before_the_sonames()
    {
        LibraryLoadResult result = NativeLibraryResolver.TryLoad(
            s_absent, name => name == "ESEN_TEST_ABSENT_PATH" ? "/nonexistent/libfake.so" : null);

        Assert.Equal(3, result.Attempts.Count);
        Assert.StartsWith("ESEN_TEST_ABSENT_PATH=/nonexistent/libfake.so: ", result.Attempts[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_override_wins_when_it_loads()
    {
        // The runtime's own native library loads on every machine.
        string coreclr = Path.Combine(
            System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(),
            OperatingSystem.IsWindows() ? "coreclr.dll" : OperatingSystem.IsMacOS() ? "libcoreclr.dylib" : "libcoreclr.so");

        LibraryLoadResult result = NativeLibraryResolver.TryLoad(
            s_absent, name => name == "ESEN_TEST_ABSENT_PATH" ? coreclr : null);

        Assert.True(result.IsLoaded);
        Assert.NotEqual(IntPtr.Zero, result.Handle);
        Assert.Single(result.Attempts);
    }

    [Fact]
    public void Not_found_exception_names_the_library_the_variable_and_the_attempts()
    {
        LibraryLoadResult result = NativeLibraryResolver.TryLoad(s_absent, _ => null);

        var ex = new NativeLibraryNotFoundException(result);

        Assert.Contains("Absent library could not be loaded", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ESEN_TEST_ABSENT_PATH", ex.Message, StringComparison.Ordinal);
        Assert.Contains("libesen-absent.so.7", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DllNotFoundException>(ex);
    }

    [Fact]
    public void Probe_never_throws_and_explains_missing_cuda()
    {
        NativeAvailability probe = NativeRuntime.Probe();

        if (!probe.HasCudaDevice)
        {
            Assert.False(string.IsNullOrEmpty(probe.CudaReason));
        }

        Assert.NotEmpty(probe.Cuda.Attempts);
    }

    [Theory]
    [InlineData(12040, "12.4")]
    [InlineData(13010, "13.1")]
    [InlineData(11080, "11.8")]
    public void Driver_versions_format_as_major_minor(int version, string expected) =>
        Assert.Equal(expected, NativeRuntime.FormatCudaVersion(version));
}
