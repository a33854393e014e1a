namespace Esen.Runtime.Timing;

/// <summary>
/// Timing of a simulated device: when members running batches concurrently on their partitions start
/// and finish, relative to the moment they are all launched. Deterministic, so a runtime on a
/// simulated GPU produces the same timeline on every run.
/// </summary>
public interface IVirtualDeviceTiming
{
    /// <summary>
    /// (start, finish) in seconds for each of <paramref name="members"/> (indices into the spec) running
    /// <paramref name="rows"/> inputs each, launched together at time 0.
    /// </summary>
    IReadOnlyList<(double StartSeconds, double FinishSeconds)> Run(IReadOnlyList<int> members, IReadOnlyList<int> rows);

    /// <summary>The SMs a share of <paramref name="percent"/> amounts to on this device.</summary>
    int UnitsForShare(int percent);
}
