using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Simulation;

namespace Esen.Runtime.Timing;

/// <summary>
/// The simulator's timing for a catalogue GPU: each launch's kernels (from the analytic cost model at
/// its batch) run on its SM partition, with the simulator's bandwidth sharing and interference.
/// </summary>
public sealed class SimulatedDeviceTiming : IVirtualDeviceTiming
{
    private readonly Device _device;
    private readonly Func<int, int, IReadOnlyList<KernelCost>> _kernels;
    private readonly Func<int, string> _names;
    private readonly SimulationOptions _options;

    /// <summary>Creates the timing of <paramref name="device"/>.</summary>
    /// <param name="kernels">Member index and batch rows → the member's kernels on this device.</param>
    /// <param name="names">Member index → name (for the simulator's records).</param>
    public SimulatedDeviceTiming(Device device, Func<int, int, IReadOnlyList<KernelCost>> kernels, Func<int, string> names, SimulationOptions? options = null)
    {
        _device = device;
        _kernels = kernels;
        _names = names;
        _options = (options ?? new SimulationOptions()) with { Mode = SharingMode.Partitioned };
    }

    /// <summary>The simulated device.</summary>
    public Device Device => _device;

    /// <inheritdoc/>
    public int UnitsForShare(int percent) => _device.UnitsForShare(percent);

    /// <inheritdoc/>
    public IReadOnlyList<(double StartSeconds, double FinishSeconds)> Run(IReadOnlyList<VirtualLaunch> launches)
    {
        SimulationResult result = Simulate(launches, _options with { RecordTimeline = false });
        return [.. result.Members.Select(m => (m.StartSeconds, m.FinishSeconds))];
    }

    /// <summary>The full simulation of the launches (JCT, utilisation, kernel timeline).</summary>
    public SimulationResult Simulate(IReadOnlyList<VirtualLaunch> launches) => Simulate(launches, _options);

    private SimulationResult Simulate(IReadOnlyList<VirtualLaunch> launches, SimulationOptions options) =>
        new Simulator(_device, options).Run([.. launches.Select(l => new SimulationMember(_names(l.Member), _kernels(l.Member, l.Rows), l.Units))]);
}
