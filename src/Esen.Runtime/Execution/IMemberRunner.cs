using Esen.Kernels.Graph;

namespace Esen.Runtime.Execution;

/// <summary>
/// Runs one member's model on a batch: input [rows, …] → output [rows, …]. The runtime calls it from
/// the member's own partition worker only, one batch at a time, so it need not be thread-safe.
/// </summary>
public interface IMemberRunner : IDisposable
{
    /// <summary>The model's input shape with a dynamic batch dimension.</summary>
    TensorShape InputShape { get; }

    /// <summary>Runs one batch.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    Tensor Run(Tensor batch, CancellationToken cancellationToken);
}

/// <summary>What a plan grants a member on its device.</summary>
/// <param name="Device">The device.</param>
/// <param name="SharePercent">The share of the device (percent of its cores or SMs).</param>
/// <param name="Units">Cores (CPU) or SMs (GPU, simulated GPU) that share amounts to.</param>
public sealed record PartitionGrant(Specs.DeviceSpec Device, int SharePercent, int Units);

/// <summary>Creates the runner of each member for its partition (the CPU executor, a CUDA executor, a test double).</summary>
public interface IMemberRunnerFactory
{
    /// <summary>Creates member <paramref name="index"/>'s runner, sized to its grant (e.g. intra-op threads = cores).</summary>
    /// <exception cref="NotSupportedException">The member's device cannot be used here (no such GPU, or a factory that does not run that kind of device).</exception>
    IMemberRunner Create(Specs.EnsembleSpec spec, int index, PartitionGrant grant);
}
