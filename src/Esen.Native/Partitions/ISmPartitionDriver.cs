using Esen.Native.Cuda;

namespace Esen.Native.Partitions;

/// <summary>
/// The driver calls the partition layer makes, behind an interface so the orchestration (one split,
/// consecutive groups, read-back, error messages) is tested with a fake driver.
/// </summary>
internal interface ISmPartitionDriver
{
    /// <summary>The driver version (e.g. 12040).</summary>
    int DriverVersion { get; }

    /// <summary>The device's properties.</summary>
    CudaDeviceProperties GetProperties(CudaDevice device);

    /// <summary>Keeps the device's primary context alive while partitions exist (green contexts want it).</summary>
    IDisposable RetainDevice(CudaDevice device);

    /// <summary>The granularity the driver reports itself (CUDA ≥ 13.0), or null to use the documented table.</summary>
    SmGranularity? ReportedGreenGranularity(CudaDevice device);

    /// <summary>Splits the device's SMs into groups of <paramref name="groupSms"/> in ONE split call.</summary>
    IGreenSplit SplitSms(CudaDevice device, int groupSms, int maxGroups);

    /// <summary>A green context over groups [first, first + count) of the split, with its stream; SMs read back.</summary>
    IPartitionResources CreateGreenPartition(CudaDevice device, IGreenSplit split, int firstGroup, int groupCount);

    /// <summary>A context limited to <paramref name="smCount"/> SMs, with its stream; SMs read back.</summary>
    IPartitionResources CreateAffinityPartition(CudaDevice device, int smCount);

    /// <summary>A stream on the device's primary context; reports the SMs the context sees.</summary>
    IPartitionResources CreatePlainPartition(CudaDevice device);
}

/// <summary>The groups one split produced.</summary>
internal interface IGreenSplit
{
    /// <summary>Groups created.</summary>
    int GroupCount { get; }

    /// <summary>SMs in group <paramref name="index"/>, as the driver reports it.</summary>
    int GroupSms(int index);
}

/// <summary>What a partition owns natively: a context, a stream in it, and the SMs it really got.</summary>
internal interface IPartitionResources : IDisposable
{
    /// <summary>The partition's context.</summary>
    CudaContext Context { get; }

    /// <summary>The partition's stream.</summary>
    CudaStream Stream { get; }

    /// <summary>SMs the driver reports for the partition.</summary>
    int GrantedSms { get; }
}
