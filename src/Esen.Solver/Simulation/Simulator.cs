using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Solver.Simulation;

/// <summary>
/// Discrete-event simulation of members sharing one device, one kernel at a time per member
/// (gpu-facts §5.4). Between events every running kernel progresses at a constant rate:
/// <list type="number">
/// <item>SMs: each member's partition (partitioned), a max-min fair split of all SMs by CTA demand
/// (default), or the whole device for one member at a time (sequential).</item>
/// <item>HBM: capacity BW·e_m split by max-min fairness over the kernels' demands D/t_comp, each
/// capped by what its partition can draw alone, BW(n).</item>
/// <item>Progress ρ = min(1/t_comp, a/D), divided by 1 + β·Σ_{j≠i} a_j/BW_peak, times the power-cap
/// clock ratio for compute-bound kernels when compute-bound co-runners fill the GPU.</item>
/// <item>Before each kernel, its fixed overhead plus the MPS scheduling delay for the number of live
/// clients.</item>
/// </list>
/// Events are kernel starts and finishes, so the result is exact for these piecewise-constant rates
/// and deterministic.
/// </summary>
public sealed class Simulator
{
    private const double Epsilon = 1e-12;
    private readonly Device _device;
    private readonly SimulationOptions _options;

    /// <summary>Creates a simulator for one device.</summary>
    public Simulator(Device device, SimulationOptions options)
    {
        _device = device;
        _options = options;
    }

    /// <summary>Runs the members to completion.</summary>
    /// <exception cref="ArgumentException">A partitioned member has no units, or the partitions exceed the device.</exception>
    public SimulationResult Run(IReadOnlyList<SimulationMember> members)
    {
        Validate(members);
        int deviceUnits = _device.Units;
        var states = members.Select((m, i) => new MemberState(i, m, UnitsOf(m))).ToArray();
        var spans = new List<KernelSpan>();
        var utilization = new List<UtilizationSegment>();
        double now = 0;

        while (true)
        {
            MemberState[] active = ActiveMembers(states);
            if (active.Length == 0)
            {
                break;
            }

            int liveClients = _options.Mode == SharingMode.Sequential ? 1 : states.Count(s => !s.Done);
            foreach (MemberState state in active.Where(s => !s.Started))
            {
                state.BeginKernel(now, _options.MpsSchedulingDelay ? SimulationOptions.ExtraMpsDelaySeconds(liveClients) : 0);
            }

            MemberState[] running = [.. active.Where(s => s.InExecution)];
            AssignUnits(running, deviceUnits);
            AssignRates(running);

            double step = active.Min(s => s.TimeToNextEvent());
            if (_options.RecordTimeline && step > 0)
            {
                AddSegment(utilization, now, now + step, running, deviceUnits);
            }

            now += step;
            foreach (MemberState state in active)
            {
                if (state.Advance(step) && state.FinishKernel(now) is KernelSpan span && _options.RecordTimeline)
                {
                    spans.Add(span);
                }
            }
        }

        MemberOutcome[] outcomes =
        [
            .. states.Select(s => new MemberOutcome(s.Member.Name, s.Units, s.FirstStart, s.Finish, s.Member.AloneSeconds(s.Units))),
        ];
        return new SimulationResult(_device.Name, _options.Mode, outcomes, spans, utilization);
    }

    private void Validate(IReadOnlyList<SimulationMember> members)
    {
        if (_options.Mode != SharingMode.Partitioned)
        {
            return;
        }

        foreach (SimulationMember member in members)
        {
            if (member.Units < 1 || member.Units > _device.Units)
            {
                throw new ArgumentException($"member {member.Name}: {member.Units} units, device {_device.Name} has {_device.Units}", nameof(members));
            }
        }

        int total = members.Sum(m => m.Units);
        if (total > _device.Units)
        {
            throw new ArgumentException($"partitions use {total} units, device {_device.Name} has {_device.Units}", nameof(members));
        }
    }

    private int UnitsOf(SimulationMember member) => _options.Mode == SharingMode.Partitioned ? member.Units : _device.Units;

    private MemberState[] ActiveMembers(MemberState[] states) => _options.Mode == SharingMode.Sequential
        ? [.. states.Where(s => !s.Done).Take(1)]
        : [.. states.Where(s => !s.Done)];

    /// <summary>Partitioned and sequential: fixed units. Default: max-min fair split of all SMs by CTA demand.</summary>
    private void AssignUnits(MemberState[] running, int deviceUnits)
    {
        if (_options.Mode != SharingMode.Default)
        {
            foreach (MemberState state in running)
            {
                state.CurrentUnits = state.Units;
            }

            return;
        }

        double[] demand = [.. running.Select(s => s.Kernel.Ctas > 0 ? Math.Min(s.Kernel.Ctas, deviceUnits) : Math.Ceiling(s.Kernel.SaturationUnits))];
        double[] granted = MaxMinFair(demand, deviceUnits);
        for (int i = 0; i < running.Length; i++)
        {
            // A kernel is never granted less than one SM: the block scheduler always places a CTA somewhere.
            running[i].CurrentUnits = Math.Max(1, granted[i]);
        }
    }

    private void AssignRates(MemberState[] running)
    {
        double peakBandwidth = _device.BandwidthBytesPerSecond;
        double capacity = running.Length == 0 ? 0 : running[0].Kernel.PeakBandwidth;
        double[] compute = [.. running.Select(s => s.Kernel.ComputeSeconds(s.CurrentUnits))];
        double[] demand =
        [
            .. running.Select((s, i) => s.Kernel.Bytes <= 0 ? 0
                : Math.Min(s.Kernel.BandwidthCap(s.CurrentUnits), compute[i] > 0 ? s.Kernel.Bytes / compute[i] : double.PositiveInfinity)),
        ];
        double[] allocated = _options.ShareBandwidth ? MaxMinFair(demand, capacity) : demand;

        bool[] computeBound = new bool[running.Length];
        double[] rate = new double[running.Length];
        for (int i = 0; i < running.Length; i++)
        {
            double memorySeconds = running[i].Kernel.Bytes > 0 ? running[i].Kernel.Bytes / allocated[i] : 0;
            double seconds = Math.Max(compute[i], memorySeconds);
            computeBound[i] = compute[i] >= memorySeconds;
            rate[i] = seconds > 0 ? 1.0 / seconds : double.PositiveInfinity;
        }

        double totalAllocated = allocated.Sum();
        bool throttled = _options.PowerThrottling && running.Length > 1
            && running.Where((_, i) => computeBound[i]).Sum(s => s.Kernel.BusyUnits(s.CurrentUnits)) >= _options.ThrottleSmFraction * _device.Units;
        for (int i = 0; i < running.Length; i++)
        {
            double others = (totalAllocated - allocated[i]) / peakBandwidth;
            double factor = 1.0 / (1.0 + (_options.InterferenceBeta * others));
            if (throttled && computeBound[i])
            {
                factor *= _options.ThrottledClockFraction;
            }

            running[i].Rate = rate[i] * factor;
            running[i].BytesPerSecond = running[i].Kernel.Bytes > 0 ? running[i].Kernel.Bytes * running[i].Rate : 0;
        }
    }

    /// <summary>Water-filling: every demand gets min(demand, fair level), the level chosen to use the capacity.</summary>
    internal static double[] MaxMinFair(double[] demand, double capacity)
    {
        double[] granted = new double[demand.Length];
        int[] order = [.. Enumerable.Range(0, demand.Length).OrderBy(i => demand[i]).ThenBy(i => i)];
        double remaining = capacity;
        for (int k = 0; k < order.Length; k++)
        {
            int i = order[k];
            double fairShare = remaining / (order.Length - k);
            granted[i] = Math.Min(demand[i], fairShare);
            remaining -= granted[i];
        }

        return granted;
    }

    private void AddSegment(List<UtilizationSegment> segments, double start, double end, MemberState[] running, int deviceUnits)
    {
        double sm = Math.Min(1.0, running.Sum(s => s.Kernel.BusyUnits(s.CurrentUnits)) / deviceUnits);
        double bandwidth = running.Sum(s => s.BytesPerSecond) / _device.BandwidthBytesPerSecond;
        if (segments.Count > 0 && segments[^1] is var last && Math.Abs(last.EndSeconds - start) < Epsilon
            && Math.Abs(last.SmFraction - sm) < 1e-9 && Math.Abs(last.BandwidthFraction - bandwidth) < 1e-9)
        {
            segments[^1] = last with { EndSeconds = end };
            return;
        }

        segments.Add(new UtilizationSegment(start, end, sm, bandwidth));
    }

    /// <summary>The progress of one member: which kernel, in which phase, how much is left.</summary>
    private sealed class MemberState(int index, SimulationMember member, int units)
    {
        private int _kernel;
        private double _overheadLeft;
        private double _workLeft;
        private double _kernelStart;

        public int Index { get; } = index;

        public SimulationMember Member { get; } = member;

        public int Units { get; } = units;

        public bool Started { get; private set; }

        public bool Done => _kernel >= Member.Kernels.Count;

        public bool InExecution => Started && _overheadLeft <= 0;

        public KernelCost Kernel => Member.Kernels[_kernel];

        public double CurrentUnits { get; set; }

        public double Rate { get; set; }

        public double BytesPerSecond { get; set; }

        public double FirstStart { get; private set; } = double.NaN;

        public double Finish { get; private set; }

        public void BeginKernel(double now, double extraDelay)
        {
            Started = true;
            _kernelStart = now;
            if (double.IsNaN(FirstStart))
            {
                FirstStart = now;
            }

            _overheadLeft = Math.Max(0, Kernel.OverheadSeconds + extraDelay);
            _workLeft = 1.0;
        }

        public double TimeToNextEvent()
        {
            if (_overheadLeft > 0)
            {
                return _overheadLeft;
            }

            return double.IsPositiveInfinity(Rate) ? 0 : _workLeft / Rate;
        }

        /// <summary>Advances by <paramref name="seconds"/>; true when the kernel completed.</summary>
        public bool Advance(double seconds)
        {
            if (_overheadLeft > 0)
            {
                _overheadLeft -= seconds;
                if (_overheadLeft <= Epsilon * Math.Max(1, Kernel.OverheadSeconds))
                {
                    _overheadLeft = 0;
                }

                return false;
            }

            _workLeft -= double.IsPositiveInfinity(Rate) ? _workLeft : seconds * Rate;
            return _workLeft <= 1e-9;
        }

        public KernelSpan? FinishKernel(double now)
        {
            var span = new KernelSpan(Index, _kernel, Kernel.Name, _kernelStart, now);
            _kernel++;
            Started = false;
            Rate = 0;
            BytesPerSecond = 0;
            Finish = now;
            return span;
        }
    }
}
