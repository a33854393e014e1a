namespace Esen.Solver.Problems;

/// <summary>A serving member's service-level objective: the load it must take and the tail latency it must keep.</summary>
/// <param name="RateRps">Mean request rate, requests per second (Poisson arrivals).</param>
/// <param name="P99Ms">The 99th percentile of the response time (queueing + service) it must stay within, in ms.</param>
public sealed record ServiceLevelObjective(double RateRps, double P99Ms);

/// <summary>
/// A serving member's latency tables, one per batch size it may run; every table has the same shares.
/// <see cref="ServiceMs"/> is the one rule for how long a dispatched batch takes.
/// </summary>
public sealed class BatchLatencyTable
{
    private readonly int[] _batches;
    private readonly LatencyTable[] _tables;

    /// <summary>Creates the tables from (batch size, table) pairs; batch sizes must be distinct.</summary>
    public BatchLatencyTable(IEnumerable<KeyValuePair<int, LatencyTable>> entries)
    {
        KeyValuePair<int, LatencyTable>[] sorted = [.. entries.OrderBy(e => e.Key)];
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Key == sorted[i - 1].Key)
            {
                throw new ArgumentException($"batch {sorted[i].Key} appears twice", nameof(entries));
            }
        }

        _batches = [.. sorted.Select(e => e.Key)];
        _tables = [.. sorted.Select(e => e.Value)];
    }

    /// <summary>The batch sizes, ascending.</summary>
    public IReadOnlyList<int> Batches => _batches;

    /// <summary>The table of each batch size, in the order of <see cref="Batches"/>.</summary>
    public IReadOnlyList<LatencyTable> Tables => _tables;

    /// <summary>The table of <paramref name="batch"/>; throws when it is not one of <see cref="Batches"/>.</summary>
    public LatencyTable TableAt(int batch)
    {
        int i = Array.BinarySearch(_batches, batch);
        return i >= 0 ? _tables[i] : throw new ArgumentOutOfRangeException(nameof(batch), batch, "not a batch of this member");
    }

    /// <summary>
    /// How long a batch of <paramref name="requests"/> takes at <paramref name="share"/>: the latency of the
    /// smallest listed batch size that holds them (a partial batch runs at the next compiled batch shape,
    /// padded), in ms.
    /// </summary>
    public double ServiceMs(int requests, int share)
    {
        int i = Array.BinarySearch(_batches, requests);
        i = i >= 0 ? i : ~i;
        return i < _batches.Length
            ? _tables[i].LatencyAt(share)
            : throw new ArgumentOutOfRangeException(nameof(requests), requests, $"more than the largest batch {_batches[^1]}");
    }
}
