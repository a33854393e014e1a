using Google.OrTools.Init;

namespace Esen.Solver.Milp;

/// <summary>Whether Google OR-Tools' native library loads in this process; probed once, never throws.</summary>
internal static class OrToolsRuntime
{
    private static readonly Lazy<(string? Version, string? LoadError)> s_probe = new(Probe);

    /// <summary>OR-Tools' version (e.g. 9.15.6755), or null when it did not load.</summary>
    public static string? Version => s_probe.Value.Version;

    /// <summary>Why OR-Tools did not load (one line), or null when it did.</summary>
    public static string? LoadError => s_probe.Value.LoadError;

    private static (string?, string?) Probe()
    {
        try
        {
            return (OrToolsVersion.VersionString(), null);
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            return (null, $"Google OR-Tools' native library did not load: {(ex.InnerException ?? ex).Message}");
        }
    }
}
