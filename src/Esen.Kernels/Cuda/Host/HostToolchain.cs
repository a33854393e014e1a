using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Esen.Kernels.Cuda.Host;

/// <summary>A finished process: exit code and captured output.</summary>
internal sealed record HostProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// clang-19 for host builds of kernels/: it finds <c>clang++</c> (<c>ESEN_LLVM_BIN</c>, else Debian's
/// <c>/usr/lib/llvm-19/bin</c>) and compiles the kernel sources embedded in this assembly (the same
/// kernels/*.cu the PTX comes from) once per content, into a cache under the user's data folder
/// (<c>~/.local/share/esen/kernels-host</c>) keyed by a hash of the sources, the flags and the compiler.
/// </summary>
internal static class HostToolchain
{
    private const string SourcePrefix = "Esen.Kernels.HostSources/";

    private static readonly Lazy<string> s_compilerIdentity = new(CompilerIdentity, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding clang++ and its tools: <c>ESEN_LLVM_BIN</c>, else <c>/usr/lib/llvm-19/bin</c>.</summary>
    public static string LlvmBin =>
        Environment.GetEnvironmentVariable("ESEN_LLVM_BIN") is { Length: > 0 } directory ? directory : "/usr/lib/llvm-19/bin";

    /// <summary>The clang++ driver.</summary>
    /// <exception cref="NotSupportedException">It is not there; the message says where it was looked for and how to get it.</exception>
    public static string ClangPlusPlus
    {
        get
        {
            string clang = Path.Combine(LlvmBin, "clang++");
            return File.Exists(clang)
                ? clang
                : throw new NotSupportedException($"no clang++ in {LlvmBin} to build the kernels for the host (install clang-19, or set ESEN_LLVM_BIN to its bin folder)");
        }
    }

    /// <summary>Where host builds are cached: <c>esen/kernels-host</c> in the user's local data folder.</summary>
    public static string CacheDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "esen", "kernels-host");

    /// <summary>
    /// Compiles the embedded kernels/ file <paramref name="mainSource"/> (a path relative to kernels/, such as
    /// <c>host/esen_host_kernels.cpp</c>) with <paramref name="flags"/> into <paramref name="outputName"/>, once per
    /// content: the cached output when present, else clang++ builds it from the sources written to a private
    /// folder and the result is moved in place atomically, so concurrent processes never see a half-written file.
    /// </summary>
    /// <exception cref="NotSupportedException">clang++ is missing.</exception>
    /// <exception cref="InvalidOperationException">clang++ failed; the message holds its first error line.</exception>
    public static string CachedBuild(string outputName, string mainSource, IReadOnlyList<string> flags)
    {
        string clang = ClangPlusPlus;
        List<(string Path, byte[] Content)> sources = Sources();
        string directory = Path.Combine(CacheDirectory, Key(clang, mainSource, flags, sources));
        string output = Path.Combine(directory, outputName);
        if (File.Exists(output))
        {
            return output;
        }

        string scratch = Path.Combine(directory, $"src-{Guid.NewGuid():N}");
        try
        {
            foreach ((string path, byte[] content) in sources)
            {
                string file = Path.Combine(scratch, "kernels", path);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllBytes(file, content);
            }

            string temporary = Path.Combine(scratch, outputName);
            HostProcessResult result = Run(clang, [.. flags, Path.Combine(scratch, "kernels", mainSource), "-o", temporary], timeout: TimeSpan.FromMinutes(10));
            if (result.ExitCode != 0)
            {
                string first = result.Stderr.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.Ordinal)) ?? result.Stderr.Trim();
                throw new InvalidOperationException($"clang++ could not build {mainSource} for the host: {first.Replace(scratch, "<sources>", StringComparison.Ordinal)}");
            }

            File.Move(temporary, output, overwrite: true);
            return output;
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>Runs a program to completion (killed after <paramref name="timeout"/>, two minutes by default) and captures its output.</summary>
    /// <exception cref="TimeoutException">It ran longer.</exception>
    public static HostProcessResult Run(
        string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
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
        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(2);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish within {limit.TotalMinutes:0} minutes");
        }

        return new HostProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    // kernels/*.cu, *.cuh, *.h and host/*.cpp, embedded by Esen.Kernels.csproj under their paths relative to kernels/.
    private static List<(string Path, byte[] Content)> Sources()
    {
        Assembly assembly = typeof(HostToolchain).Assembly;
        var sources = new List<(string Path, byte[] Content)>();
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(SourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var content = new MemoryStream();
            stream.CopyTo(content);
            sources.Add((name[SourcePrefix.Length..].Replace('\\', '/'), content.ToArray()));
        }

        return sources;
    }

    private static string Key(string clang, string mainSource, IReadOnlyList<string> flags, IReadOnlyList<(string Path, byte[] Content)> sources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{clang}\n{s_compilerIdentity.Value}\n{mainSource}\n{string.Join('\n', flags)}\n"));
        foreach ((string path, byte[] content) in sources)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path + "\n"));
            hash.AppendData(content);
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }

    // The compiler's version line: a new clang build gets a new cache entry.
    private static string CompilerIdentity()
    {
        HostProcessResult version = Run(ClangPlusPlus, ["--version"]);
        return version.Stdout.Split('\n')[0].Trim();
    }
}
