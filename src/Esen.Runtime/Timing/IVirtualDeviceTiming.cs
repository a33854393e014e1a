namespace Esen.Runtime.Timing;

/// <summary>One member's batch launched on a simulated device.</summary>
/// <param name="Member">The member's index in the spec.</param>
/// <param name="Units">SMs of its partition.</param>
/// <param name="Rows">Inputs in its batch.</param>
public readonly record struct VirtualLaunch(int Member, int Units, int Rows);

/// <summary>
/// Timing of a simulated device: when members running batches concurrently on their partitions start
/// and finish, relative to the moment they are all launched. Deterministic, so a runtime on a
/// simulated GPU produces the same timeline on every run.
/// </summary>
public interface IVirtualDeviceTiming
{
    /// <summary>(start, finish) in seconds for each launch, all launched together at time 0.</summary>
    IReadOnlyList<(double StartSeconds, double FinishSeconds)> Run(IReadOnlyList<VirtualLaunch> launches);

    /// <summary>The SMs a share of <paramref name="percent"/> amounts to on this device.</summary>
    int UnitsForShare(int percent);
}
