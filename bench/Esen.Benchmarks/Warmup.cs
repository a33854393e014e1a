using System.Diagnostics;

namespace Esen.Benchmarks;

/// <summary>
/// Runs code long enough for .NET to finish tiering it: a method is recompiled at full optimisation after
/// 30 calls and a 100 ms quiet period, in the background. A second of calls measures the steady state, not
/// the first tier. (BenchmarkDotNet does its own warm-up; this is for the hand-timed modes.)
/// </summary>
internal static class Warmup
{
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(1);

    /// <summary>Calls <paramref name="action"/> at least <paramref name="minCalls"/> times and for at least a second.</summary>
    public static void Run(Action action, int minCalls = 3)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < minCalls || clock.Elapsed < s_duration; i++)
        {
            action();
        }
    }
}
