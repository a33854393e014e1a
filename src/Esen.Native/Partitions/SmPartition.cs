using Esen.Native.Cublas;
using Esen.Native.Cuda;

namespace Esen.Native.Partitions;

/// <summary>
/// One member's share of a device: its context and stream (every launch of the member goes to this
/// stream), the SMs planned and the SMs the driver really granted. For MPS thread percentage the
/// partition lives in a worker process: the parent holds only the worker's environment.
/// </summary>
public sealed class SmPartition : IDisposable
{
    private readonly IPartitionResources? _resources;

    internal SmPartition(PartitionMechanism mechanism, PlannedPartition plan, IPartitionResources? resources, IReadOnlyDictionary<string, string> workerEnvironment)
    {
        Mechanism = mechanism;
        Plan = plan;
        _resources = resources;
        WorkerEnvironment = workerEnvironment;
    }

    /// <summary>The mechanism that made the partition.</summary>
    public PartitionMechanism Mechanism { get; }

    /// <summary>The share and the SM count planned for it.</summary>
    public PlannedPartition Plan { get; }

    /// <summary>
    /// SMs the driver reports for this partition (green context resource, execution affinity, or the
    /// device attribute); null for an MPS thread-percentage partition until its worker attaches.
    /// </summary>
    public int? GrantedSmCount => _resources?.GrantedSms;

    /// <summary>True when the partition runs in this process (false for MPS thread percentage).</summary>
    public bool IsInProcess => _resources is not null;

    /// <summary>The partition's context.</summary>
    public CudaContext Context => Resources.Context;

    /// <summary>The partition's stream; all of the member's work goes here.</summary>
    public CudaStream Stream => Resources.Stream;

    /// <summary>Environment variables to start this partition's worker process with (MPS thread percentage only).</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment { get; }

    private IPartitionResources Resources => _resources ?? throw new InvalidOperationException(
        $"Partition {Plan.Index} uses {Mechanism}: it runs in a worker process started with {nameof(WorkerEnvironment)}; attach there with {nameof(MpsWorker)}.{nameof(MpsWorker.Attach)}.");

    /// <summary>
    /// A cuBLAS handle on the partition's stream whose SM count target is the granted count, so cuBLAS
    /// picks kernels for the SMs it really has (gpu-facts §1.4). Whole-device partitions keep 0 (all SMs).
    /// </summary>
    public CublasHandle CreateCublas()
    {
        CublasHandle blas = CublasHandle.Create(Stream);
        try
        {
            blas.SmCountTarget = CublasSmCountTarget(Mechanism, GrantedSmCount ?? 0);
            return blas;
        }
        catch
        {
            blas.Dispose();
            throw;
        }
    }

    /// <summary>The SM count target a cuBLAS handle gets in a partition: 0 (whole device) for <see cref="PartitionMechanism.None"/>.</summary>
    public static int CublasSmCountTarget(PartitionMechanism mechanism, int grantedSms) =>
        mechanism == PartitionMechanism.None ? 0 : grantedSms;

    /// <summary>Destroys the stream and the context (or releases the primary context).</summary>
    public void Dispose() => _resources?.Dispose();
}
