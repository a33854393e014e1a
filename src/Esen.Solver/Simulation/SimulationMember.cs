using Esen.Solver.CostModel;

namespace Esen.Solver.Simulation;

/// <summary>A member to simulate: its kernels on the device and, for partitioned mode, its granted units.</summary>
/// <param name="Name">Member name.</param>
/// <param name="Kernels">Kernels in execution order (from <see cref="AnalyticCostModel.Kernels"/>, or
/// <see cref="LatencyTableWorkload"/> when only a latency table is known).</param>
/// <param name="Units">SMs (or cores) of its partition; ignored in default and sequential modes.</param>
public sealed record SimulationMember(string Name, IReadOnlyList<KernelCost> Kernels, int Units)
{
    /// <summary>Latency alone on <paramref name="units"/> units: the analytic sum over kernels.</summary>
    public double AloneSeconds(int units) => Kernels.Sum(k => k.Seconds(units));
}
