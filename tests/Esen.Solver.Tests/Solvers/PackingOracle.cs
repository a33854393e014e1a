using Esen.Solver.Problems;

namespace Esen.Solver.Tests.Solvers;

/// <summary>
/// Exhaustive answers from the problem's definition, sharing no code with the solvers: whether fixed
/// shares pack (every device for every member, a partial placement dropped only once a device is past
/// 100 % or its memory), and the optimal makespan (the smallest table latency T at which every
/// member's smallest share with latency ≤ T packs; memory does not depend on the share, so a smaller
/// share never makes a placement infeasible).
/// </summary>
internal static class PackingOracle
{
    private const double MemoryTolerance = 1e-9;

    /// <summary>True when some placement of the members at <paramref name="shares"/> meets every capacity.</summary>
    public static bool Packs(Problem problem, int[] shares)
    {
        int[] shareUsed = new int[problem.Devices.Count];
        double[] memoryUsed = new double[problem.Devices.Count];
        return Place(0);

        bool Place(int i)
        {
            if (i == shares.Length)
            {
                return true;
            }

            for (int d = 0; d < shareUsed.Length; d++)
            {
                if (shareUsed[d] + shares[i] > Problem.DeviceShareCapacity
                    || memoryUsed[d] + problem.Members[i].MemoryMb > problem.Devices[d].MemoryMb * (1 + MemoryTolerance))
                {
                    continue;
                }

                shareUsed[d] += shares[i];
                memoryUsed[d] += problem.Members[i].MemoryMb;
                bool placed = Place(i + 1);
                shareUsed[d] -= shares[i];
                memoryUsed[d] -= problem.Members[i].MemoryMb;
                if (placed)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The optimal makespan, or null when no plan exists; every table latency is tried in ascending order.</summary>
    public static double? OptimalMakespan(Problem problem)
    {
        int capacity = Problem.DeviceShareCapacity * problem.Devices.Count;
        foreach (double limit in problem.Members.SelectMany(m => m.LatencyMs.LatenciesMs).Distinct().Order())
        {
            int[]? shares = SmallestShares(problem, limit);
            if (shares is not null && shares.Sum() <= capacity && Packs(problem, shares))
            {
                return limit;
            }
        }

        return null;
    }

    /// <summary>Each member's smallest table share with latency ≤ <paramref name="limit"/>, or null when one has none.</summary>
    public static int[]? SmallestShares(Problem problem, double limit)
    {
        int[] shares = new int[problem.Members.Count];
        for (int i = 0; i < shares.Length; i++)
        {
            LatencyTable table = problem.Members[i].LatencyMs;
            int? smallest = Enumerable.Range(0, table.Count).Where(j => table.LatenciesMs[j] <= limit).Select(j => (int?)table.Shares[j]).Min();
            if (smallest is not int share)
            {
                return null;
            }

            shares[i] = share;
        }

        return shares;
    }
}
