using System.Diagnostics;

namespace Esen.Cli.Output;

/// <summary>Progress lines of a long command, each with the time since it started; written to stderr so stdout stays the result.</summary>
internal sealed class ProgressLog(TextWriter writer)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    /// <summary>Writes one line saying what starts now.</summary>
    public void Line(string what) => writer.WriteLine($"[{Stopwatch.GetElapsedTime(_start).TotalSeconds,6:F1} s] {what}");
}
