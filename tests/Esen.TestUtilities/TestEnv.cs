using Esen.Native;

namespace Esen.TestUtilities;

/// <summary>
/// What the test machine offers, from the single native probe and the file system. Tests state their
/// needs through <see cref="Requires"/>; nothing here decides by itself whether a test passes.
/// </summary>
public static class TestEnv
{
    /// <summary>The process-wide native probe.</summary>
    public static NativeAvailability Probe => NativeRuntime.Probe();

    /// <summary>True under CI (CI=true), where everything but a GPU must be present.</summary>
    public static bool IsCI =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository root (the folder holding Esen.Native.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// The shared material next to the project (DESIGN.md: onnx-node, models, reference): ESEN_SHARED_DIR
    /// when set, else ../shared beside the repository, else /work/shared (where a clone elsewhere on
    /// these machines finds it).
    /// </summary>
    public static string SharedDirectory { get; } = FindSharedDirectory();

    /// <summary>
    /// The models that npm packages ship, fetched by scripts/fetch-models.sh (which scripts/bootstrap.sh runs):
    /// ESEN_PACKAGED_MODELS when set, else artifacts/models in the repository.
    /// </summary>
    public static string PackagedModelsDirectory =>
        Environment.GetEnvironmentVariable("ESEN_PACKAGED_MODELS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepositoryRoot, "artifacts", "models");

    /// <summary>Debian's libonnx-testdata node cases; override with ESEN_ONNX_TESTDATA.</summary>
    public static string OnnxTestDataDirectory =>
        Environment.GetEnvironmentVariable("ESEN_ONNX_TESTDATA") is { Length: > 0 } dir
            ? dir
            : "/usr/share/libonnx-testdata/data/node";

    private static string FindSharedDirectory()
    {
        if (Environment.GetEnvironmentVariable("ESEN_SHARED_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        string besideRepository = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        const string MachineWide = "/work/shared";
        return !System.IO.Directory.Exists(besideRepository) && System.IO.Directory.Exists(MachineWide) ? MachineWide : besideRepository;
    }

    private static string FindRepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Esen.Native.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"Esen.Native.sln not found above {AppContext.BaseDirectory}");
    }
}
