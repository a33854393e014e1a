using Xunit;

namespace Esen.TestUtilities;

/// <summary>
/// Declares what a test needs. A missing GPU always skips (no machine here has one). A missing
/// shared folder, ONNX test data or bootstrap package skips on a developer machine but fails under CI, where the
/// bootstrap installs them: a skipped test there would hide a broken set-up.
/// </summary>
public static class Requires
{
    /// <summary>The prefix of every GPU skip reason; .ci/run accepts only skips that start with it.</summary>
    public const string GpuSkipPrefix = "GPU:";

    /// <summary>Skips unless a CUDA device answered the probe.</summary>
    public static void CudaDevice() =>
        Skip.IfNot(TestEnv.Probe.HasCudaDevice, $"{GpuSkipPrefix} {TestEnv.Probe.CudaReason}");

    /// <summary>Needs a folder; returns its path.</summary>
    public static string Directory(string path, string what)
    {
        Need(System.IO.Directory.Exists(path), $"{what} not found at {path}");
        return path;
    }

    /// <summary>Needs a folder under ../shared; returns its path.</summary>
    public static string SharedDirectory(string relative) =>
        Directory(Path.Combine(TestEnv.SharedDirectory, relative), $"shared material '{relative}'");

    /// <summary>Needs a model file that scripts/fetch-models.sh fetches (or, for a NuGet one, restore downloads); returns its path.</summary>
    public static string PackagedModel(string path)
    {
        string full = Path.IsPathRooted(path) ? path : Path.Combine(TestEnv.PackagedModelsDirectory, path);
        Need(File.Exists(full), $"packaged model not found at {full}; run scripts/fetch-models.sh");
        return full;
    }

    /// <summary>Needs something scripts/bootstrap.sh installs (a Debian package, a Python module); <paramref name="reason"/> says what is missing.</summary>
    public static void Installed(bool present, string reason) => Need(present, reason);

    private static void Need(bool present, string reason)
    {
        if (present)
        {
            return;
        }

        if (TestEnv.IsCI)
        {
            Assert.Fail($"CI requires this: {reason}");
        }

        Skip.If(true, reason);
    }
}
