namespace Esen.Solver.Solvers;

/// <summary>Worst-fit placement by memory, as in Pochelu et al. (arXiv 2208.14049): the baselines' first step.</summary>
internal static class Placement
{
    /// <summary>
    /// Members in decreasing memory order, each to the device with the most free memory that holds
    /// it and, when <paramref name="minimalShares"/> is given, still has room for its smallest share.
    /// Null when some member fits nowhere.
    /// </summary>
    public static int[]? WorstFitByMemory(Instance instance, int[]? minimalShares)
    {
        double[] memoryUsed = new double[instance.DeviceCount];
        int[] shareLeft = [.. Enumerable.Repeat(100, instance.DeviceCount)];
        int[] deviceOf = new int[instance.MemberCount];
        foreach (int i in Enumerable.Range(0, instance.MemberCount).OrderByDescending(i => instance.Memory[i]).ThenBy(i => i))
        {
            int chosen = -1;
            for (int d = 0; d < instance.DeviceCount; d++)
            {
                bool fits = Instance.FitsMemory(memoryUsed[d] + instance.Memory[i], instance.DeviceMemory[d])
                    && (minimalShares is null || minimalShares[i] <= shareLeft[d]);
                if (fits && (chosen < 0 || instance.DeviceMemory[d] - memoryUsed[d] > instance.DeviceMemory[chosen] - memoryUsed[chosen]))
                {
                    chosen = d;
                }
            }

            if (chosen < 0)
            {
                return null;
            }

            deviceOf[i] = chosen;
            memoryUsed[chosen] += instance.Memory[i];
            if (minimalShares is not null)
            {
                shareLeft[chosen] -= minimalShares[i];
            }
        }

        return deviceOf;
    }
}
