using System.Reflection;
using System.Text;

namespace Esen.Kernels.Cuda;

/// <summary>
/// The PTX modules compiled from <c>kernels/*.cu</c> by <c>kernels/build.sh</c> (clang-19, no CUDA
/// SDK), one per source file and architecture, embedded in this assembly as resources.
/// </summary>
public static class PtxModules
{
    private const string ResourcePrefix = "Esen.Kernels.Ptx.";
    private const string ResourceSuffix = ".ptx";

    private static readonly Assembly s_assembly = typeof(PtxModules).Assembly;

    /// <summary>The architectures every module is compiled for (sm_70, sm_80, sm_90), ascending.</summary>
    public static IReadOnlyList<int> Architectures { get; } = [70, 80, 90];

    /// <summary>The module names (the source file names without <c>.cu</c>), sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = FindModuleNames();

    /// <summary>
    /// The PTX architecture to load on a device of compute capability <paramref name="major"/>.<paramref name="minor"/>:
    /// the highest compiled one not above the device's, since the driver's JIT compiles PTX for any
    /// newer device (sm_80 PTX runs on an sm_86 or sm_89 device).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The device is older than sm_70 (Volta).</exception>
    public static int SelectArchitecture(int major, int minor)
    {
        int capability = (major * 10) + minor;
        for (int i = Architectures.Count - 1; i >= 0; i--)
        {
            if (Architectures[i] <= capability)
            {
                return Architectures[i];
            }
        }

        throw new ArgumentOutOfRangeException(
            nameof(major), $"compute capability {major}.{minor} is older than sm_{Architectures[0]}, the oldest architecture Esen's PTX targets");
    }

    /// <summary>The PTX text of <paramref name="module"/> for <paramref name="architecture"/> (e.g. 80).</summary>
    /// <exception cref="ArgumentException">No such module or architecture.</exception>
    public static string GetText(string module, int architecture)
    {
        using var reader = new StreamReader(OpenResource(module, architecture), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The PTX as the NUL-terminated byte image <c>cuModuleLoadDataEx</c> expects.
    /// </summary>
    /// <exception cref="ArgumentException">No such module or architecture.</exception>
    public static byte[] GetImage(string module, int architecture)
    {
        using Stream stream = OpenResource(module, architecture);
        byte[] image = new byte[stream.Length + 1];
        stream.ReadExactly(image, 0, (int)stream.Length);
        return image;
    }

    private static Stream OpenResource(string module, int architecture)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!Architectures.Contains(architecture))
        {
            throw new ArgumentException(
                $"PTX is compiled for sm_{string.Join(", sm_", Architectures)}, not sm_{architecture}", nameof(architecture));
        }

        return s_assembly.GetManifestResourceStream($"{ResourcePrefix}{module}.sm_{architecture}{ResourceSuffix}")
            ?? throw new ArgumentException(
                $"no PTX module '{module}'; the modules are {string.Join(", ", Names)}", nameof(module));
    }

    private static string[] FindModuleNames() =>
        [.. s_assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(ResourceSuffix, StringComparison.Ordinal))
            .Select(name => name[ResourcePrefix.Length..^ResourceSuffix.Length])
            .Select(name => name[..name.LastIndexOf(".sm_", StringComparison.Ordinal)])
            .Distinct()
            .Order(StringComparer.Ordinal)];
}
