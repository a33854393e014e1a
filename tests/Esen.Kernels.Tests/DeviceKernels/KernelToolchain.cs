using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// clang-19 and the kernel sources, for the tests that compile kernels/: PTX freshness, the host
/// build of the kernels, the ThreadSanitizer runs. Missing clang-19 skips locally and fails under
/// CI (<see cref="Requires"/>), where scripts/bootstrap.sh installs it.
/// </summary>
internal static class KernelToolchain
{
    /// <summary>kernels/ in the repository.</summary>
    public static string KernelsDirectory { get; } = Path.Combine(TestEnv.RepositoryRoot, "kernels");

    /// <summary>Debian's clang-19 binaries; ESEN_LLVM_BIN overrides.</summary>
    public static string LlvmBin =>
        Environment.GetEnvironmentVariable("ESEN_LLVM_BIN") is { Length: > 0 } dir ? dir : "/usr/lib/llvm-19/bin";

    /// <summary>Where compiled host artifacts are cached, keyed by a hash of kernels/.</summary>
    private static string CacheDirectory { get; } = Path.Combine(TestEnv.RepositoryRoot, "artifacts", "kernels-host");

    /// <summary>Needs clang-19; returns the clang++ driver path.</summary>
    public static string RequireClangPlusPlus()
    {
        Requires.Directory(LlvmBin, "clang-19 (scripts/bootstrap.sh installs it)");
        return Path.Combine(LlvmBin, "clang++");
    }

    /// <summary>Needs clang-19 and its sanitizer runtime (libclang-rt-19-dev).</summary>
    public static string RequireThreadSanitizer()
    {
        string clang = RequireClangPlusPlus();
        Requires.Directory(
            Path.GetFullPath(Path.Combine(LlvmBin, "..", "lib", "clang", "19", "lib", "linux")),
            "clang-19's sanitizer runtime (libclang-rt-19-dev; scripts/bootstrap.sh installs it)");
        return clang;
    }

    /// <summary>
    /// Compiles once per content of kernels/ and <paramref name="arguments"/>: returns the cached
    /// output when present, else runs clang++ with <c>-o</c> a temporary path and moves it in place
    /// (atomic, so concurrent test processes never see a half-written file).
    /// </summary>
    public static string CachedBuild(string outputName, IReadOnlyList<string> arguments)
    {
        string clang = RequireClangPlusPlus();
        string directory = Path.Combine(CacheDirectory, SourceHash(clang, arguments));
        string output = Path.Combine(directory, outputName);
        if (File.Exists(output))
        {
            return output;
        }

        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $"{outputName}.{Guid.NewGuid():N}.tmp");
        ProcessResult result = Run(clang, [.. arguments, "-o", temporary]);
        Assert.True(result.ExitCode == 0, $"clang++ {string.Join(' ', arguments)} failed:\n{result.Stderr}");
        File.Move(temporary, output, overwrite: true);
        return output;
    }

    /// <summary>Runs a program to completion (two minutes at most) and captures its output.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', start.ArgumentList)} did not finish within two minutes");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string SourceHash(string compiler, IReadOnlyList<string> arguments)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(compiler + "\n" + string.Join('\n', arguments) + "\n"));
        foreach (string file in Directory.EnumerateFiles(KernelsDirectory, "*", SearchOption.AllDirectories)
                     .Where(f => Path.GetExtension(f) is ".cu" or ".cuh" or ".h" or ".cpp")
                     .Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(KernelsDirectory, file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }
}

/// <summary>A finished process: exit code and captured output.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);
