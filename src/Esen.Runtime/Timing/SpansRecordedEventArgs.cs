namespace Esen.Runtime.Timing;

/// <summary>One batch's member spans, as <see cref="EnsembleRuntime.SpansRecorded"/> reports them.</summary>
/// <param name="spans">The spans of the members that ran the batch.</param>
public sealed class SpansRecordedEventArgs(IReadOnlyList<TimelineEntry> spans) : EventArgs
{
    /// <summary>The spans of the members that ran the batch.</summary>
    public IReadOnlyList<TimelineEntry> Spans { get; } = spans;
}
