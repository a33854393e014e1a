using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Solver.Simulation;

/// <summary>
/// Kernels for a member known only by its latency table (a problem file, a measured profile): the
/// closed form t(n) = a + b·N/n of gpu-facts §0, fitted by least squares, as one kernel that does not
/// scale (a) and one that scales perfectly (b). Its DRAM traffic is unknown, so it takes no part in
/// bandwidth contention; members with layer data are simulated per kernel instead.
/// </summary>
public static class LatencyTableWorkload
{
    private const double ReferenceRate = 1e12;

    /// <summary>Two kernels reproducing the table's closed-form fit on <paramref name="device"/>.</summary>
    /// <param name="shares">Shares in percent.</param>
    /// <param name="latencySeconds">Latency at each share.</param>
    /// <exception cref="ArgumentException">Empty or mismatched table, or a non-positive latency.</exception>
    public static IReadOnlyList<KernelCost> Fit(Device device, IReadOnlyList<double> shares, IReadOnlyList<double> latencySeconds)
    {
        if (shares.Count == 0 || shares.Count != latencySeconds.Count || latencySeconds.Any(t => !(t > 0)))
        {
            throw new ArgumentException("a latency table needs at least one share and positive latencies", nameof(latencySeconds));
        }

        int units = device.Units;
        double[] x = [.. shares.Select(p => (double)units / device.UnitsForShare(p))];
        (double serial, double parallel) = FitLine(x, latencySeconds);
        return
        [
            new KernelCost("serial part", serial * ReferenceRate, 1, ReferenceRate, 0, 1, 1, 0, units),
            new KernelCost("parallel part", parallel * units * ReferenceRate, 0, ReferenceRate, 0, 1, 1, 0, units),
        ];
    }

    /// <summary>Least squares of t = a + b·x with a, b ≥ 0 (a one-point table is all parallel work).</summary>
    internal static (double A, double B) FitLine(IReadOnlyList<double> x, IReadOnlyList<double> t)
    {
        int count = x.Count;
        double meanX = x.Average(), meanT = t.Average();
        double sxx = x.Sum(v => (v - meanX) * (v - meanX));
        double sxt = x.Select((v, i) => (v - meanX) * (t[i] - meanT)).Sum();
        double b = count > 1 && sxx > 0 ? sxt / sxx : meanT / meanX;
        double a = meanT - (b * meanX);
        if (b < 0)
        {
            return (meanT, 0);
        }

        if (a < 0)
        {
            // Through the origin: t = b·x.
            return (0, x.Select((v, i) => v * t[i]).Sum() / x.Sum(v => v * v));
        }

        return (a, b);
    }
}
