namespace Esen.Solver.Simulation;

/// <summary>How the members of an ensemble share one GPU in the simulator.</summary>
public enum SharingMode
{
    /// <summary>Each member on its own SM partition (MPS execution affinity or green contexts); HBM is shared.</summary>
    Partitioned,

    /// <summary>All members concurrent without SM limits: kernels compete for SMs (ESEN's baseline).</summary>
    Default,

    /// <summary>Time-sliced: one member at a time on the whole GPU, in order (no MPS).</summary>
    Sequential,
}
