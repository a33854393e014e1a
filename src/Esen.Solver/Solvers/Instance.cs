using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// A problem in the arrays the solvers work on, with what every solver needs precomputed: each
/// member's useful options (a share is useful when it is faster than every smaller share: a slower
/// larger share can always be swapped for the smaller one without making any objective worse), the
/// sorted candidate objective values, and classes of identical devices.
/// </summary>
internal sealed class Instance
{
    // Relative slack for memory sums, so 0.1 + 0.2 MB fits in 0.3 MB.
    private const double MemorySlack = 1e-9;

    public Instance(Problem problem)
    {
        if (problem.Kind == ProblemKind.Serving)
        {
            throw new ArgumentException("a serving problem is planned by SloPlanner (esen plan --solver slo)", nameof(problem));
        }

        Problem = problem;
        MemberCount = problem.Members.Count;
        DeviceCount = problem.Devices.Count;
        IsBottleneck = problem.Objective.IsBottleneck();
        Memory = [.. problem.Members.Select(m => m.MemoryMb)];
        DeviceMemory = [.. problem.Devices.Select(d => d.MemoryMb)];
        Shares = new int[MemberCount][];
        Latency = new double[MemberCount][];
        for (int i = 0; i < MemberCount; i++)
        {
            LatencyTable table = problem.Members[i].LatencyMs;
            var shares = new List<int>();
            var latencies = new List<double>();
            for (int j = 0; j < table.Count; j++)
            {
                if (latencies.Count == 0 || table.LatenciesMs[j] < latencies[^1])
                {
                    shares.Add(table.Shares[j]);
                    latencies.Add(table.LatenciesMs[j]);
                }
            }

            Shares[i] = [.. shares];
            // A positive weight scales the objective's terms without changing which shares are useful.
            Latency[i] = [.. latencies.Select(t => problem.Members[i].Weight * t)];
        }

        Candidates = [.. Latency.SelectMany(l => l).Distinct().Order()];
        DeviceClasses = [.. Enumerable.Range(0, DeviceCount).GroupBy(d => DeviceMemory[d]).Select(g => g.ToArray())];
    }

    public Problem Problem { get; }

    public int MemberCount { get; }

    public int DeviceCount { get; }

    /// <summary>True for makespan and period (a maximum), false for cascade latency (a weighted sum).</summary>
    public bool IsBottleneck { get; }

    public double[] Memory { get; }

    public double[] DeviceMemory { get; }

    /// <summary>Useful shares per member, ascending; latencies strictly decrease along them.</summary>
    public int[][] Shares { get; }

    /// <summary>Latency per useful share, times the member's weight (tenants; 1 otherwise): the objective's term.</summary>
    public double[][] Latency { get; }

    /// <summary>Every distinct latency value, ascending: a bottleneck objective is one of them.</summary>
    public double[] Candidates { get; }

    /// <summary>Groups of devices with equal memory (interchangeable), each in index order.</summary>
    public int[][] DeviceClasses { get; }

    public static bool FitsMemory(double used, double capacity) => used <= capacity * (1 + MemorySlack) + MemorySlack;

    /// <summary>Index of member i's smallest useful share with latency ≤ <paramref name="limit"/>, or -1.</summary>
    public int MinimalOption(int i, double limit)
    {
        double[] latency = Latency[i];
        // Latencies decrease along the options; find the first at or below the limit.
        int lo = 0;
        int hi = latency.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (latency[mid] <= limit)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo < latency.Length ? lo : -1;
    }

    /// <summary>Minimal shares for a bottleneck limit, or null when some member cannot meet it.</summary>
    public int[]? MinimalShares(double limit)
    {
        int[] shares = new int[MemberCount];
        for (int i = 0; i < MemberCount; i++)
        {
            int j = MinimalOption(i, limit);
            if (j < 0)
            {
                return null;
            }

            shares[i] = Shares[i][j];
        }

        return shares;
    }

    /// <summary>The objective of giving member i the useful option <paramref name="option"/>[i].</summary>
    public double ObjectiveOfOptions(int[] option)
    {
        double value = 0;
        for (int i = 0; i < MemberCount; i++)
        {
            double t = Latency[i][option[i]];
            value = IsBottleneck ? Math.Max(value, t) : value + t;
        }

        return value;
    }

    /// <summary>The objective of giving member i the latency of its share <paramref name="shares"/>[i].</summary>
    public double ObjectiveOfShares(int[] shares) =>
        Problem.Evaluate(i => Problem.Members[i].LatencyMs.LatencyAt(shares[i]));
}
