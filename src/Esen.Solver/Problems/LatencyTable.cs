namespace Esen.Solver.Problems;

/// <summary>
/// A member's latency (ms) at each SM share it may be given (integer percent, 1..100), ordered by
/// share. Tables need not be monotone: measured curves have plateaus and small inversions.
/// </summary>
public sealed class LatencyTable
{
    private readonly int[] _shares;
    private readonly double[] _latenciesMs;

    /// <summary>Creates a table from (share, latency) pairs; shares must be distinct.</summary>
    public LatencyTable(IEnumerable<KeyValuePair<int, double>> entries)
    {
        KeyValuePair<int, double>[] sorted = [.. entries.OrderBy(e => e.Key)];
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Key == sorted[i - 1].Key)
            {
                throw new ArgumentException($"share {sorted[i].Key} appears twice", nameof(entries));
            }
        }

        _shares = [.. sorted.Select(e => e.Key)];
        _latenciesMs = [.. sorted.Select(e => e.Value)];
    }

    /// <summary>Creates a table from parallel arrays of shares and latencies.</summary>
    public LatencyTable(IReadOnlyList<int> shares, IReadOnlyList<double> latenciesMs)
        : this(Pairs(shares, latenciesMs))
    {
    }

    /// <summary>The shares, ascending.</summary>
    public IReadOnlyList<int> Shares => _shares;

    /// <summary>The latency at each share, in the order of <see cref="Shares"/>.</summary>
    public IReadOnlyList<double> LatenciesMs => _latenciesMs;

    /// <summary>Number of entries.</summary>
    public int Count => _shares.Length;

    /// <summary>The smallest share in the table.</summary>
    public int MinShare => _shares[0];

    /// <summary>The lowest latency anywhere in the table.</summary>
    public double BestLatencyMs => _latenciesMs.Min();

    /// <summary>The latency at <paramref name="share"/>; throws when the share is not a key of the table.</summary>
    public double LatencyAt(int share)
    {
        int i = Array.BinarySearch(_shares, share);
        return i >= 0 ? _latenciesMs[i] : throw new ArgumentOutOfRangeException(nameof(share), share, "not a share of this table");
    }

    /// <summary>True when <paramref name="share"/> is a key of the table.</summary>
    public bool Contains(int share) => Array.BinarySearch(_shares, share) >= 0;

    /// <summary>
    /// The smallest share whose latency is at most <paramref name="limitMs"/>, or null when none is.
    /// (With a non-monotone table a larger share may be slower; the smallest fitting one is still the
    /// cheapest way to meet the limit.)
    /// </summary>
    public int? MinimalShareWithin(double limitMs)
    {
        for (int i = 0; i < _shares.Length; i++)
        {
            if (_latenciesMs[i] <= limitMs)
            {
                return _shares[i];
            }
        }

        return null;
    }

    /// <summary>The first pair (by share) where a larger share is slower, or null when the table is monotone.</summary>
    public (int Share, int LargerShare)? FirstInversion()
    {
        for (int i = 1; i < _shares.Length; i++)
        {
            if (_latenciesMs[i] > _latenciesMs[i - 1])
            {
                return (_shares[i - 1], _shares[i]);
            }
        }

        return null;
    }

    private static IEnumerable<KeyValuePair<int, double>> Pairs(IReadOnlyList<int> shares, IReadOnlyList<double> latenciesMs)
    {
        if (shares.Count != latenciesMs.Count)
        {
            throw new ArgumentException($"{shares.Count} shares but {latenciesMs.Count} latencies", nameof(latenciesMs));
        }

        return shares.Select((s, i) => KeyValuePair.Create(s, latenciesMs[i]));
    }
}
