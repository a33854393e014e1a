namespace Esen.Solver.Simulation;

/// <summary>
/// The contention rules of gpu-facts §5.4, each switchable so their effect can be shown on its own.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>
    /// Per-kernel scheduling delay by number of co-located MPS clients (1, 2, 3, ... clients), read from
    /// iGniter's V100 <c>hardware.idletime</c> (gpu-facts §2.4): 1.37, 1.67, 6.76, 11.9, 17.0 µs.
    /// Beyond the last entry the delay grows by the last step per client.
    /// </summary>
    public static IReadOnlyList<double> IgniterMpsDelaySeconds { get; } = [1.37e-6, 1.67e-6, 6.76e-6, 11.9e-6, 17.0e-6];

    /// <summary>The sharing mode.</summary>
    public SharingMode Mode { get; init; } = SharingMode.Partitioned;

    /// <summary>Share HBM bandwidth among running kernels by max-min fairness (rule 1).</summary>
    public bool ShareBandwidth { get; init; } = true;

    /// <summary>
    /// Residual L2/front-end interference β in ρ ← ρ/(1 + β·Σ_{j≠i} a_j/BW_peak) (rule 2): 0.15 with
    /// bandwidth sharing on, 0.3 with it off; both target the +5…+13 % co-location slowdowns of
    /// iGniter and gpulet (gpu-facts §2.4).
    /// </summary>
    public double InterferenceBeta => ShareBandwidth ? 0.15 : 0.3;

    /// <summary>Apply the power-cap clock drop to compute-bound kernels when co-runners fill the GPU (rule 3).</summary>
    public bool PowerThrottling { get; init; } = true;

    /// <summary>Clock ratio under the power cap (V100: 1530 → ~1430 MHz, iGniter).</summary>
    public double ThrottledClockFraction { get; init; } = 0.93;

    /// <summary>Compute-bound co-runners covering at least this fraction of SMs trigger throttling.</summary>
    public double ThrottleSmFraction { get; init; } = 0.8;

    /// <summary>Add the MPS per-kernel scheduling delay for the number of co-located clients (rule 4).</summary>
    public bool MpsSchedulingDelay { get; init; } = true;

    /// <summary>Record every kernel's span and the utilisation segments (the timeline).</summary>
    public bool RecordTimeline { get; init; } = true;

    /// <summary>
    /// Extra per-kernel delay with <paramref name="clients"/> co-located clients, relative to one client
    /// (the single-client delay is already inside the cost model's per-kernel overhead).
    /// </summary>
    public static double ExtraMpsDelaySeconds(int clients)
    {
        IReadOnlyList<double> table = IgniterMpsDelaySeconds;
        if (clients <= 1)
        {
            return 0;
        }

        double delay = clients <= table.Count
            ? table[clients - 1]
            : table[^1] + ((clients - table.Count) * (table[^1] - table[^2]));
        return delay - table[0];
    }
}
