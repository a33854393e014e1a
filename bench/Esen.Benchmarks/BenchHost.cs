namespace Esen.Benchmarks;

/// <summary>What the hand-timed modes read from their command line and from the machine.</summary>
internal static class BenchHost
{
    /// <summary>The value after <paramref name="name"/> (e.g. <c>--threads 1,2</c>), or null when absent.</summary>
    public static string? Argument(string[] args, string name) =>
        Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>The one-minute load average, printed next to timings so that a busy machine shows.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
