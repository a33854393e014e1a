using Esen.Solver.Problems;

namespace Esen.Solver.Solvers;

/// <summary>
/// Two-dimensional bin packing of members (share, memory) into devices (100 %, device memory): is
/// there a placement once every member's share is fixed? First-fit decreasing under several item
/// orders, then the breakout repair (moves and swaps under weighted share and memory overloads,
/// <see cref="Repair"/>) of a known placement and of a fresh spread by memory, then a depth-first
/// search that skips interchangeable devices and stops after a node budget. A finished search
/// without a placement proves there is none.
/// </summary>
internal static class Packing
{
    /// <summary>Steps of <see cref="Repair"/> per call: moves, swaps and weight raises together.</summary>
    public const int RepairSteps = 1000;

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
    /// <see cref="Heuristic"/>, then a depth-first search of at most <paramref name="nodeBudget"/> nodes.
    /// </summary>
    public static Result Pack(Instance instance, int[] shares, int nodeBudget, int[]? start = null)
    {
        if (!PassesNecessaryChecks(instance, shares))
        {
            return new(null, ProvenInfeasible: true);
        }

        return Heuristic(instance, shares, start) is int[] placement
            ? new(placement, false)
            : new DepthFirst(instance, shares, nodeBudget).Run();
    }

    /// <summary>
    /// First fit, then the repair of <paramref name="start"/>, then the repair of
    /// <see cref="SpreadByMemory"/> (the only start when <paramref name="start"/> is null): a placement, or null (no proof).
    /// </summary>
    public static int[]? Heuristic(Instance instance, int[] shares, int[]? start) =>
        FirstFit(instance, shares)
            ?? (start is null ? null : Repair(instance, shares, start))
            // A second start: the layout of a looser candidate can hold the repair where a fresh spread does not.
            ?? Repair(instance, shares, SpreadByMemory(instance));

    /// <summary>
    /// The breakout method (Morris, "The Breakout Method for Escaping from Local Minima", AAAI 1993)
    /// from <paramref name="start"/>, any placement (typically the one of a larger candidate, whose
    /// shares are no larger). Each device has two constraints, share ≤ 100 and memory ≤ capacity, each
    /// with a weight (initially 1); the cost is Σ weight · overload (memory overload in percent of the
    /// device). Every step makes the move of one member, or the swap of two, off a violated device that
    /// lowers the cost the most; at a local minimum (no move lowers it) it raises the weight of every
    /// violated constraint instead. Deterministic (ties go to the lowest index); at most
    /// <see cref="RepairSteps"/> steps. Returns a placement without overload, or null (no proof of anything).
    /// </summary>
    public static int[]? Repair(Instance instance, int[] shares, int[] start) =>
        new Breakout(instance, shares, start).Run();

    /// <summary>
    /// A start for <see cref="Repair"/> when there is no placement yet: members in decreasing order of
    /// memory, each to the device with the most free memory (shares ignored; memory may overflow).
    /// </summary>
    public static int[] SpreadByMemory(Instance instance)
    {
        double[] free = [.. instance.DeviceMemory];
        int[] placement = new int[instance.MemberCount];
        foreach (int i in Enumerable.Range(0, instance.MemberCount).OrderByDescending(i => instance.Memory[i]).ThenBy(i => i))
        {
            int chosen = 0;
            for (int d = 1; d < free.Length; d++)
            {
                if (free[d] > free[chosen])
                {
                    chosen = d;
                }
            }

            placement[i] = chosen;
            free[chosen] -= instance.Memory[i];
        }

        return placement;
    }

    private static int Over(int load) => Math.Max(0, load - Problem.DeviceShareCapacity);

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

    /// <summary>The state of one <see cref="Repair"/>: placement, per-device load, memory and constraint weights.</summary>
    private sealed class Breakout
    {
        // A move must lower the cost by more than rounding noise in the memory sums.
        private const double Improvement = 1e-9;

        private readonly Instance _instance;
        private readonly int[] _shares;
        private readonly int[] _placement;
        private readonly int[] _load;
        private readonly double[] _memory;
        private readonly int[] _shareWeight;
        private readonly int[] _memoryWeight;
        private readonly double[] _penalty;

        public Breakout(Instance instance, int[] shares, int[] start)
        {
            _instance = instance;
            _shares = shares;
            _placement = [.. start];
            int devices = instance.DeviceCount;
            _load = new int[devices];
            _memory = new double[devices];
            _shareWeight = [.. Enumerable.Repeat(1, devices)];
            _memoryWeight = [.. Enumerable.Repeat(1, devices)];
            _penalty = new double[devices];
            for (int i = 0; i < _placement.Length; i++)
            {
                _load[_placement[i]] += shares[i];
                _memory[_placement[i]] += instance.Memory[i];
            }

            for (int d = 0; d < devices; d++)
            {
                _penalty[d] = Penalty(d, _load[d], _memory[d]);
            }
        }

        public int[]? Run()
        {
            for (int step = 0; step < RepairSteps; step++)
            {
                if (!AnyViolated())
                {
                    return _placement;
                }

                if (!TryBestMove())
                {
                    RaiseWeights();
                }
            }

            return AnyViolated() ? null : _placement;
        }

        private bool Violated(int d) => _load[d] > Problem.DeviceShareCapacity || MemoryOver(d, _memory[d]) > 0;

        private bool AnyViolated()
        {
            for (int d = 0; d < _load.Length; d++)
            {
                if (Violated(d))
                {
                    return true;
                }
            }

            return false;
        }

        private double MemoryOver(int d, double used)
        {
            double capacity = _instance.DeviceMemory[d];
            return Instance.FitsMemory(used, capacity) ? 0 : (used - capacity) * 100 / Math.Max(capacity, 1e-12);
        }

        private double Penalty(int d, int load, double memory) => (_shareWeight[d] * Over(load)) + (_memoryWeight[d] * MemoryOver(d, memory));

        // The change of cost when device a gives up (share, memory) and device b takes them.
        private double Delta(int a, int b, int share, double memory) =>
            Penalty(a, _load[a] - share, _memory[a] - memory) + Penalty(b, _load[b] + share, _memory[b] + memory) - _penalty[a] - _penalty[b];

        private bool TryBestMove()
        {
            double best = -Improvement;
            int bestMember = -1;
            int bestDevice = -1;
            int bestPartner = -1;
            for (int i = 0; i < _placement.Length; i++)
            {
                int a = _placement[i];
                if (!Violated(a))
                {
                    continue;
                }

                for (int b = 0; b < _load.Length; b++)
                {
                    double delta = b == a ? 0 : Delta(a, b, _shares[i], _instance.Memory[i]);
                    if (delta < best)
                    {
                        (best, bestMember, bestDevice, bestPartner) = (delta, i, b, -1);
                    }
                }

                for (int j = 0; j < _placement.Length; j++)
                {
                    int b = _placement[j];
                    double delta = b == a ? 0 : Delta(a, b, _shares[i] - _shares[j], _instance.Memory[i] - _instance.Memory[j]);
                    if (delta < best)
                    {
                        (best, bestMember, bestDevice, bestPartner) = (delta, i, b, j);
                    }
                }
            }

            if (bestMember < 0)
            {
                return false;
            }

            int from = _placement[bestMember];
            Move(bestMember, bestDevice);
            if (bestPartner >= 0)
            {
                Move(bestPartner, from);
            }

            _penalty[from] = Penalty(from, _load[from], _memory[from]);
            _penalty[bestDevice] = Penalty(bestDevice, _load[bestDevice], _memory[bestDevice]);
            return true;
        }

        private void Move(int i, int to)
        {
            int from = _placement[i];
            _load[from] -= _shares[i];
            _memory[from] -= _instance.Memory[i];
            _load[to] += _shares[i];
            _memory[to] += _instance.Memory[i];
            _placement[i] = to;
        }

        // Morris's breakout: a local minimum's violated constraints weigh more from now on.
        private void RaiseWeights()
        {
            for (int d = 0; d < _load.Length; d++)
            {
                if (_load[d] > Problem.DeviceShareCapacity)
                {
                    _shareWeight[d]++;
                }

                if (MemoryOver(d, _memory[d]) > 0)
                {
                    _memoryWeight[d]++;
                }

                _penalty[d] = Penalty(d, _load[d], _memory[d]);
            }
        }
    }
}
