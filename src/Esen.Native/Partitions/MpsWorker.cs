using System.Globalization;
using Esen.Native.Cuda;

namespace Esen.Native.Partitions;

/// <summary>
/// MPS active-thread percentage is fixed per process at start (MPS doc), so each member runs in a worker
/// process started with <see cref="EnvironmentFor"/>; inside it, <see cref="Attach(CudaDevice)"/> opens the partition.
/// </summary>
public static class MpsWorker
{
    /// <summary>The MPS client variable that caps the share of threads (MPS doc, "Environment Variables").</summary>
    public const string ThreadPercentageVariable = "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE";

    /// <summary>Makes each context take the percentage and report its SMs as the device SM count (MPS doc).</summary>
    public const string PerContextPartitioningVariable = "CUDA_MPS_ENABLE_PER_CTX_DEVICE_MULTIPROCESSOR_PARTITIONING";

    /// <summary>The environment a worker process needs for a thread percentage in (0, 100].</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentFor(int threadPercentage)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threadPercentage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadPercentage, 100);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ThreadPercentageVariable] = threadPercentage.ToString(CultureInfo.InvariantCulture),
            [PerContextPartitioningVariable] = "1",
        };
    }

    /// <summary>
    /// In a worker started with <see cref="EnvironmentFor"/>: the partition on <paramref name="device"/>,
    /// with the SM count the driver reports for this MPS client.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process was not started as an MPS worker.</exception>
    public static SmPartition Attach(CudaDevice device) => Attach(CudaPartitionDriver.Instance, device, Environment.GetEnvironmentVariable);

    internal static SmPartition Attach(ISmPartitionDriver driver, CudaDevice device, Func<string, string?> getEnvironmentVariable)
    {
        string? value = getEnvironmentVariable(ThreadPercentageVariable);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int percentage) || percentage is <= 0 or > 100)
        {
            throw new InvalidOperationException(
                $"{ThreadPercentageVariable} is '{value}'; an MPS worker must be started with the environment from {nameof(MpsWorker)}.{nameof(EnvironmentFor)}.");
        }

        CudaDeviceProperties properties = driver.GetProperties(device);
        if (!properties.MpsEnabled)
        {
            throw new InvalidOperationException(
                $"{ThreadPercentageVariable}={percentage} has no effect: this process is not an MPS client (start nvidia-cuda-mps-control -d first).");
        }

        IPartitionResources resources = driver.CreatePlainPartition(device);
        var plan = new PlannedPartition(0, percentage, percentage * properties.SmCount / 100.0, 1, resources.GrantedSms, percentage);
        return new SmPartition(PartitionMechanism.MpsThreadPercentage, plan, resources, EnvironmentFor(percentage));
    }
}
