using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// Two-dimensional bin packing of members (share, memory) into devices (100 %, device memory): is
/// there a placement once every member's share is fixed? First-fit decreasing under several item
/// orders, then a repair of a known placement that fits memory (moves and swaps that shrink the share
/// overload), then a depth-first search that skips interchangeable devices and stops after a node
/// budget. A finished search without a placement proves there is none.
/// </summary>
internal static class Packing
{
    /// <summary>The outcome: a device per member, or none with or without a proof.</summary>
    public readonly record struct Result(int[]? DeviceOf, bool ProvenInfeasible);

    /// <summary>Only the first-fit heuristics (fast; no proof).</summary>
    public static int[]? FirstFit(Instance instance, int[] shares)
    {
        foreach (Func<int, double> key in SortKeys(instance, shares))
        {
            int[] order = [.. Enumerable.Range(0, shares.Length).OrderByDescending(key).ThenBy(i => i)];
            if (TryFirstFit(instance, shares, order) is int[] placement)
            {
                return placement;
            }
        }

        return null;
    }

    /// <summary>
    /// First fit, then the repair of <paramref name="start"/> (when given), then a depth-first search of
    /// at most <paramref name="nodeBudget"/> nodes.
    /// </summary>
    public static Result Pack(Instance instance, int[] shares, int nodeBudget, int[]? start = null)
    {
        if (!PassesNecessaryChecks(instance, shares))
        {
            return new(null, ProvenInfeasible: true);
        }

        if ((FirstFit(instance, shares) ?? (start is null ? null : Repair(instance, shares, start))) is int[] placement)
        {
            return new(placement, false);
        }

        return new DepthFirst(instance, shares, nodeBudget).Run();
    }

    /// <summary>
    /// Local search from <paramref name="start"/>, a placement that fits memory (typically the one of a
    /// larger candidate, whose shares are no larger): moves one member, or swaps two, between devices
    /// while the total share overload Σ_d max(0, load_d − 100) drops and memory still fits. Returns a
    /// placement without overload, or null at a local minimum (no proof of anything).
    /// </summary>
    public static int[]? Repair(Instance instance, int[] shares, int[] start)
    {
        int[] placement = [.. start];
        int[] load = new int[instance.DeviceCount];
        double[] memory = new double[instance.DeviceCount];
        for (int i = 0; i < placement.Length; i++)
        {
            load[placement[i]] += shares[i];
            memory[placement[i]] += instance.Memory[i];
        }

        int overload = load.Sum(Over);
        bool improved = true;
        while (overload > 0 && improved)
        {
            improved = false;
            for (int i = 0; i < placement.Length && !improved; i++)
            {
                int a = placement[i];
                if (load[a] <= Problem.DeviceShareCapacity)
                {
                    continue;
                }

                improved = TryMove(instance, shares, placement, load, memory, i, ref overload) || TrySwap(instance, shares, placement, load, memory, i, ref overload);
            }
        }

        return overload == 0 ? placement : null;
    }

    private static int Over(int load) => Math.Max(0, load - Problem.DeviceShareCapacity);

    private static bool TryMove(Instance instance, int[] shares, int[] placement, int[] load, double[] memory, int i, ref int overload)
    {
        int a = placement[i];
        for (int b = 0; b < load.Length; b++)
        {
            int gain = Over(load[a]) + Over(load[b]) - Over(load[a] - shares[i]) - Over(load[b] + shares[i]);
            if (b != a && gain > 0 && Instance.FitsMemory(memory[b] + instance.Memory[i], instance.DeviceMemory[b]))
            {
                Move(instance, shares, placement, load, memory, i, b);
                overload -= gain;
                return true;
            }
        }

        return false;
    }

    private static bool TrySwap(Instance instance, int[] shares, int[] placement, int[] load, double[] memory, int i, ref int overload)
    {
        int a = placement[i];
        for (int j = 0; j < placement.Length; j++)
        {
            int b = placement[j];
            int delta = shares[i] - shares[j];
            if (b == a || delta <= 0)
            {
                continue;
            }

            int gain = Over(load[a]) + Over(load[b]) - Over(load[a] - delta) - Over(load[b] + delta);
            if (gain > 0
                && Instance.FitsMemory(memory[a] - instance.Memory[i] + instance.Memory[j], instance.DeviceMemory[a])
                && Instance.FitsMemory(memory[b] - instance.Memory[j] + instance.Memory[i], instance.DeviceMemory[b]))
            {
                Move(instance, shares, placement, load, memory, i, b);
                Move(instance, shares, placement, load, memory, j, a);
                overload -= gain;
                return true;
            }
        }

        return false;
    }

    private static void Move(Instance instance, int[] shares, int[] placement, int[] load, double[] memory, int i, int to)
    {
        int from = placement[i];
        load[from] -= shares[i];
        memory[from] -= instance.Memory[i];
        load[to] += shares[i];
        memory[to] += instance.Memory[i];
        placement[i] = to;
    }

    private static bool PassesNecessaryChecks(Instance instance, int[] shares)
    {
        if (shares.Sum() > Problem.DeviceShareCapacity * instance.DeviceCount)
        {
            return false;
        }

        double largest = instance.DeviceMemory.Max();
        return instance.Memory.All(m => Instance.FitsMemory(m, largest))
            && Instance.FitsMemory(instance.Memory.Sum(), instance.DeviceMemory.Sum());
    }

    private static IEnumerable<Func<int, double>> SortKeys(Instance instance, int[] shares)
    {
        double largest = Math.Max(instance.DeviceMemory.Max(), 1e-12);
        yield return i => shares[i];
        yield return i => instance.Memory[i];
        yield return i => (shares[i] / (double)Problem.DeviceShareCapacity) + (instance.Memory[i] / largest);
    }

    private static int[]? TryFirstFit(Instance instance, int[] shares, int[] order)
    {
        int[] shareLeft = [.. Enumerable.Repeat(Problem.DeviceShareCapacity, instance.DeviceCount)];
        double[] memoryUsed = new double[instance.DeviceCount];
        int[] placement = new int[shares.Length];
        foreach (int i in order)
        {
            int chosen = -1;
            for (int d = 0; d < instance.DeviceCount && chosen < 0; d++)
            {
                if (shares[i] <= shareLeft[d] && Instance.FitsMemory(memoryUsed[d] + instance.Memory[i], instance.DeviceMemory[d]))
                {
                    chosen = d;
                }
            }

            if (chosen < 0)
            {
                return null;
            }

            placement[i] = chosen;
            shareLeft[chosen] -= shares[i];
            memoryUsed[chosen] += instance.Memory[i];
        }

        return placement;
    }

    private sealed class DepthFirst
    {
        private readonly Instance _instance;
        private readonly int[] _shares;
        private readonly int[] _order;
        private readonly int[] _shareLeft;
        private readonly double[] _memoryUsed;
        private readonly int[] _placement;
        private readonly int[] _shareSuffix;
        private readonly double[] _memorySuffix;
        private int _budget;

        public DepthFirst(Instance instance, int[] shares, int nodeBudget)
        {
            _instance = instance;
            _shares = shares;
            double largest = Math.Max(instance.DeviceMemory.Max(), 1e-12);
            _order = [.. Enumerable.Range(0, shares.Length).OrderByDescending(i => (shares[i] / 100.0) + (instance.Memory[i] / largest)).ThenBy(i => i)];
            _shareLeft = [.. Enumerable.Repeat(Problem.DeviceShareCapacity, instance.DeviceCount)];
            _memoryUsed = new double[instance.DeviceCount];
            _placement = new int[shares.Length];
            _shareSuffix = new int[shares.Length + 1];
            _memorySuffix = new double[shares.Length + 1];
            for (int k = shares.Length - 1; k >= 0; k--)
            {
                _shareSuffix[k] = _shareSuffix[k + 1] + shares[_order[k]];
                _memorySuffix[k] = _memorySuffix[k + 1] + instance.Memory[_order[k]];
            }

            _budget = nodeBudget;
        }

        public Result Run()
        {
            bool found = Place(0);
            return found ? new(_placement, false) : new(null, ProvenInfeasible: _budget >= 0);
        }

        private bool Place(int k)
        {
            if (k == _order.Length)
            {
                return true;
            }

            if (--_budget < 0)
            {
                return false;
            }

            // Area pruning: the rest must fit in what is left, in shares and in memory.
            int shareLeft = 0;
            double memoryLeft = 0;
            for (int d = 0; d < _instance.DeviceCount; d++)
            {
                shareLeft += _shareLeft[d];
                memoryLeft += Math.Max(0, _instance.DeviceMemory[d] - _memoryUsed[d]);
            }

            if (_shareSuffix[k] > shareLeft || !Instance.FitsMemory(_memorySuffix[k], memoryLeft))
            {
                return false;
            }

            int i = _order[k];
            for (int d = 0; d < _instance.DeviceCount; d++)
            {
                if (_shares[i] > _shareLeft[d] || !Instance.FitsMemory(_memoryUsed[d] + _instance.Memory[i], _instance.DeviceMemory[d]) || SameAsEarlierDevice(d))
                {
                    continue;
                }

                _shareLeft[d] -= _shares[i];
                _memoryUsed[d] += _instance.Memory[i];
                _placement[i] = d;
                bool done = Place(k + 1);
                _shareLeft[d] += _shares[i];
                _memoryUsed[d] -= _instance.Memory[i];
                if (done)
                {
                    return true;
                }

                if (_budget < 0)
                {
                    return false;
                }
            }

            return false;
        }

        // Two devices with the same memory and the same load lead to the same subtrees.
        private bool SameAsEarlierDevice(int d)
        {
            for (int e = 0; e < d; e++)
            {
                if (_instance.DeviceMemory[e] == _instance.DeviceMemory[d] && _shareLeft[e] == _shareLeft[d] && _memoryUsed[e] == _memoryUsed[d])
                {
                    return true;
                }
            }

            return false;
        }
    }
}
