namespace Esen.Solver.Solvers;

/// <summary>
/// The multiple-choice knapsack over shares: choose one useful option per member so the shares sum
/// to at most a capacity and Σ weight·latency is minimal. Dynamic programming over the used share,
/// O(members · capacity · options); exact.
/// </summary>
internal static class ShareKnapsack
{
    /// <summary>The optimal option per member (by position in <paramref name="members"/>) and its cost; cost +∞ when the minimal shares do not fit.</summary>
    public static (int[] Options, double Cost) Solve(Instance instance, int[] members, int capacity)
    {
        int n = members.Length;
        if (n == 0)
        {
            return ([], 0);
        }

        // cost[k][c]: best cost of the first k members using exactly c percent; choice records the option.
        var cost = new double[n + 1][];
        var choice = new int[n][];
        cost[0] = new double[capacity + 1];
        Array.Fill(cost[0], double.PositiveInfinity);
        cost[0][0] = 0;
        for (int k = 0; k < n; k++)
        {
            int i = members[k];
            int[] shares = instance.Shares[i];
            double[] latency = instance.Latency[i];
            double weight = instance.Weight[i];
            double[] previous = cost[k];
            double[] next = new double[capacity + 1];
            int[] chosen = new int[capacity + 1];
            Array.Fill(next, double.PositiveInfinity);
            for (int c = 0; c <= capacity; c++)
            {
                if (double.IsPositiveInfinity(previous[c]))
                {
                    continue;
                }

                for (int j = 0; j < shares.Length && c + shares[j] <= capacity; j++)
                {
                    double value = previous[c] + (weight * latency[j]);
                    if (value < next[c + shares[j]])
                    {
                        next[c + shares[j]] = value;
                        chosen[c + shares[j]] = j;
                    }
                }
            }

            cost[k + 1] = next;
            choice[k] = chosen;
        }

        int best = -1;
        for (int c = 0; c <= capacity; c++)
        {
            if (best < 0 || cost[n][c] < cost[n][best])
            {
                best = c;
            }
        }

        if (double.IsPositiveInfinity(cost[n][best]))
        {
            return ([], double.PositiveInfinity);
        }

        int[] options = new int[n];
        for (int k = n - 1, c = best; k >= 0; k--)
        {
            options[k] = choice[k][c];
            c -= instance.Shares[members[k]][options[k]];
        }

        return (options, cost[n][best]);
    }
}
