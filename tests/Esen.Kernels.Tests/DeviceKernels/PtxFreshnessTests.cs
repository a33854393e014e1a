using Esen.Kernels.Cuda.Host;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// The committed kernels/ptx is what kernels/build.sh makes from the current sources: a source
/// edit without regenerating the PTX fails here (CI has clang-19).
/// </summary>
public sealed class PtxFreshnessTests
{
    [SkippableFact]
    public void CommittedPtx_MatchesFreshBuild()
    {
        KernelToolchain.RequireClangPlusPlus();
        string fresh = Directory.CreateTempSubdirectory("esen-ptx-").FullName;
        try
        {
            HostProcessResult build = HostToolchain.Run(
                Path.Combine(KernelToolchain.KernelsDirectory, "build.sh"),
                [fresh],
                new Dictionary<string, string> { ["CLANG"] = Path.Combine(HostToolchain.LlvmBin, "clang") });
            Assert.True(build.ExitCode == 0, $"kernels/build.sh failed:\n{build.Stderr}");

            string committed = Path.Combine(KernelToolchain.KernelsDirectory, "ptx");
            Assert.Equal(FileNames(fresh), FileNames(committed));
            string[] stale = [.. FileNames(fresh)
                .Where(name => File.ReadAllText(Path.Combine(fresh, name)) != File.ReadAllText(Path.Combine(committed, name)))];
            Assert.True(stale.Length == 0, $"stale PTX (run kernels/build.sh and commit kernels/ptx): {string.Join(", ", stale)}");
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    private static string[] FileNames(string directory) =>
        [.. Directory.EnumerateFiles(directory, "*.ptx").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
}
