using Esen.Kernels.Cuda.Host;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// What the tests that compile kernels/ need: the repository's kernels/ folder (PTX freshness) and clang-19
/// (<see cref="HostToolchain"/>, which builds and caches the host kernels and the ThreadSanitizer driver).
/// Missing clang-19 skips locally and fails under CI (<see cref="Requires"/>), where scripts/bootstrap.sh installs it.
/// </summary>
internal static class KernelToolchain
{
    /// <summary>kernels/ in the repository.</summary>
    public static string KernelsDirectory { get; } = Path.Combine(TestEnv.RepositoryRoot, "kernels");

    /// <summary>Needs clang-19; returns the clang++ driver path.</summary>
    public static string RequireClangPlusPlus()
    {
        Requires.Directory(HostToolchain.LlvmBin, "clang-19 (scripts/bootstrap.sh installs it)");
        return HostToolchain.ClangPlusPlus;
    }

    /// <summary>Needs clang-19 and its sanitizer runtime (libclang-rt-19-dev).</summary>
    public static string RequireThreadSanitizer()
    {
        string clang = RequireClangPlusPlus();
        Requires.Directory(
            Path.GetFullPath(Path.Combine(HostToolchain.LlvmBin, "..", "lib", "clang", "19", "lib", "linux")),
            "clang-19's sanitizer runtime (libclang-rt-19-dev; scripts/bootstrap.sh installs it)");
        return clang;
    }
}
