namespace Esen.Solver.Profiles;

/// <summary>A member's latency on one partition size, from repeated runs.</summary>
public sealed record MeasuredPoint
{
    /// <summary>Creates a point; requires positive counts and 0 &lt; p10 ≤ median ≤ p90 (finite).</summary>
    /// <param name="sms">The SMs of the partition it ran on.</param>
    /// <param name="medianMs">The median latency of the runs.</param>
    /// <param name="runs">How many runs were timed.</param>
    /// <param name="p10Ms">The 10th percentile of the runs.</param>
    /// <param name="p90Ms">The 90th percentile of the runs.</param>
    public MeasuredPoint(int sms, double medianMs, int runs, double p10Ms, double p90Ms)
    {
        if (sms <= 0 || runs <= 0)
        {
            throw new ArgumentException($"SMs ({sms}) and runs ({runs}) must be positive");
        }

        if (!(p10Ms > 0) || !(p10Ms <= medianMs) || !(medianMs <= p90Ms) || !double.IsFinite(p90Ms))
        {
            throw new ArgumentException($"latencies must satisfy 0 < p10 ≤ median ≤ p90 (finite), got {p10Ms} ≤ {medianMs} ≤ {p90Ms} ms");
        }

        Sms = sms;
        MedianMs = medianMs;
        Runs = runs;
        P10Ms = p10Ms;
        P90Ms = p90Ms;
    }

    /// <summary>The SMs of the partition it ran on.</summary>
    public int Sms { get; }

    /// <summary>The median latency of the runs.</summary>
    public double MedianMs { get; }

    /// <summary>How many runs were timed.</summary>
    public int Runs { get; }

    /// <summary>The 10th percentile of the runs.</summary>
    public double P10Ms { get; }

    /// <summary>The 90th percentile of the runs.</summary>
    public double P90Ms { get; }
}

/// <summary>
/// A member's latency measured on real SM partitions of one GPU, one point per partition size, with
/// the device memory it used; what <see cref="ProfileStore"/> keeps as <c>esen-measured/1</c>.
/// </summary>
public sealed class MeasuredProfile
{
    /// <summary>The format tag written in every store entry.</summary>
    public const string FormatTag = "esen-measured/1";

    /// <summary>Creates a profile; points need distinct SM counts within the key's device.</summary>
    /// <param name="memoryBytes">Device memory the member used (weights, activations, workspaces).</param>
    /// <param name="measuredAt">When the measurement finished.</param>
    public MeasuredProfile(MeasuredProfileKey key, IEnumerable<MeasuredPoint> points, long memoryBytes, DateTimeOffset measuredAt)
    {
        MeasuredPoint[] sorted = [.. points.OrderBy(p => p.Sms)];
        if (sorted.Length == 0)
        {
            throw new ArgumentException("a profile needs at least one point");
        }

        for (int i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].Sms > key.Sms || (i > 0 && sorted[i].Sms == sorted[i - 1].Sms))
            {
                throw new ArgumentException($"point at {sorted[i].Sms} SMs is repeated or beyond the device's {key.Sms}");
            }
        }

        if (memoryBytes < 0)
        {
            throw new ArgumentException($"memory used must not be negative, got {memoryBytes} bytes");
        }

        Key = key;
        Points = sorted;
        MemoryBytes = memoryBytes;
        MeasuredAt = measuredAt;
    }

    /// <summary>What the profile was measured for.</summary>
    public MeasuredProfileKey Key { get; }

    /// <summary>One point per partition size, by ascending SMs.</summary>
    public IReadOnlyList<MeasuredPoint> Points { get; }

    /// <summary>Device memory the member used, in bytes.</summary>
    public long MemoryBytes { get; }

    /// <summary>When the measurement finished.</summary>
    public DateTimeOffset MeasuredAt { get; }
}
