using Esen.Native.Partitions;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;

namespace Esen.Runtime;

/// <summary>Knobs of an <see cref="EnsembleRuntime"/> that are not part of the spec.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Requests that may wait for a batch; <see cref="EnsembleRuntime.InferAsync"/> waits while the queue is full.</summary>
    public int RequestQueueCapacity { get; init; } = 1024;

    /// <summary>Batches between the batcher and the combiner (per cascade stage) at once.</summary>
    public int BatchesInFlight { get; init; } = 4;

    /// <summary>Keep every member's span per batch (<see cref="EnsembleRuntime.Timeline"/>).</summary>
    public bool RecordTimeline { get; init; } = true;

    /// <summary>The timing of each simulated device ("sim:NAME"); required when a member runs on one.</summary>
    public Func<DeviceSpec, IVirtualDeviceTiming>? VirtualTiming { get; init; }

    /// <summary>
    /// The SM partition mechanism for members on <c>cuda:N</c> (<see cref="Planning.EnsembleModels.Runners"/>);
    /// null picks the first in-process one the device offers (green contexts, MPS execution affinity, none).
    /// </summary>
    public PartitionMechanism? SmPartitionMechanism { get; init; }
}
