using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native;
using Esen.Native.Cuda;
using Esen.Native.Partitions;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Execution;

/// <summary>
/// Runners for members on <c>cuda:N</c>: each CUDA device is split once into SM partitions for the
/// shares the plan gives its members (<see cref="SmPartitionSet"/>, mechanism chosen by capability or
/// forced), and each member's <see cref="CudaExecutor"/> queues all its work on its partition's stream,
/// computing in the spec's <see cref="EnsembleSpec.Precision"/>.
/// Members on other devices go to the CPU runner factory. The factory owns the partitions: dispose it
/// after the runtime built from it.
/// </summary>
public sealed class CudaRunnerFactory : IMemberRunnerFactory, IDisposable
{
    private readonly EnsembleSpec _spec;
    private readonly RuntimePlan _plan;
    private readonly Func<EnsembleSpec, int, LayerGraph> _graphs;
    private readonly PartitionMechanism? _mechanism;
    private readonly CpuRunnerFactory _otherDevices;
    private readonly Dictionary<DeviceSpec, SmPartitionSet> _partitions = [];
    private readonly Lock _gate = new();

    /// <summary>Creates the factory; every CUDA device of the spec must be present.</summary>
    /// <param name="spec">The spec the runtime is built from.</param>
    /// <param name="plan">The shares; the members on one CUDA device become that device's partitions.</param>
    /// <param name="graphs">Member graphs; defaults to <see cref="MemberGraphs.Load"/>.</param>
    /// <param name="mechanism">Forces a partition mechanism; null picks the first one the device offers.</param>
    /// <exception cref="NotSupportedException">A CUDA device of the spec is unavailable; the message names it and says why.</exception>
    public CudaRunnerFactory(EnsembleSpec spec, RuntimePlan plan, Func<EnsembleSpec, int, LayerGraph>? graphs = null, PartitionMechanism? mechanism = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(plan);
        EnsureDevices(spec, NativeRuntime.Probe());
        _spec = spec;
        _plan = plan;
        _graphs = graphs ?? MemberGraphs.Load;
        _mechanism = mechanism;
        _otherDevices = new CpuRunnerFactory(_graphs);
    }

    /// <summary>
    /// Fails unless every <c>cuda:N</c> device the spec uses answered the probe. Call it before
    /// planning to fail early; the constructor calls it too.
    /// </summary>
    /// <exception cref="NotSupportedException">The message names the device and the probe's reason.</exception>
    public static void EnsureDevices(EnsembleSpec spec, NativeAvailability probe)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(probe);
        foreach (DeviceSpec device in CudaDevices(spec))
        {
            if (probe.MissingDevice(device.Ordinal) is { } reason)
            {
                throw new NotSupportedException($"no CUDA device {device}: {reason}");
            }
        }
    }

    /// <summary>The mechanism a runtime uses: the forced one, or the first in-process one the device offers.</summary>
    /// <exception cref="NotSupportedException">The forced mechanism is unavailable, or is MPS thread percentage (its partitions live in worker processes).</exception>
    public static PartitionMechanism ChooseMechanism(PartitionCapabilities capabilities, PartitionMechanism? forced)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        if (forced == PartitionMechanism.MpsThreadPercentage)
        {
            throw new NotSupportedException("MPS thread percentage puts each partition in its own worker process; the runtime runs its members in this process (use green contexts, MPS execution affinity or none)");
        }

        try
        {
            return forced is { } wanted
                ? PartitionPlanner.Choose(capabilities, wanted)
                : PartitionPlanner.Assess(capabilities).First(a => a.Available && a.Mechanism != PartitionMechanism.MpsThreadPercentage).Mechanism;
        }
        catch (InvalidOperationException ex)
        {
            throw new NotSupportedException(ex.Message, ex);
        }
    }

    /// <summary>The members on <paramref name="device"/>, in spec order: the order of its partitions.</summary>
    public static IReadOnlyList<int> MembersOn(EnsembleSpec spec, DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [.. Enumerable.Range(0, spec.Members.Count).Where(i => spec.DeviceOf(i) == device)];
    }

    /// <summary>
    /// The SM partitions the plan's shares become on <paramref name="device"/> (pure: the
    /// <see cref="PartitionPlanner"/>'s rounding; one entry per member of <see cref="MembersOn"/>).
    /// </summary>
    public static PartitionPlan PlanDevice(EnsembleSpec spec, RuntimePlan plan, DeviceSpec device, PartitionCapabilities capabilities, PartitionMechanism mechanism)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return PartitionPlanner.Plan(capabilities, [.. MembersOn(spec, device).Select(i => (double)plan.Shares[i])], mechanism);
    }

    /// <summary>The options of a member's executor on <paramref name="device"/>: the spec's CUDA settings, its ordinal and the spec's precision.</summary>
    public static CudaExecutorOptions ExecutorOptions(EnsembleSpec spec, DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(device);
        return spec.Cuda with { DeviceOrdinal = device.Ordinal, Precision = spec.Precision };
    }

    /// <summary><paramref name="options"/> for an executor in a partition: cuBLAS targets the SMs it was granted.</summary>
    public static CudaExecutorOptions InPartition(CudaExecutorOptions options, PartitionMechanism mechanism, int grantedSms)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { CublasSmCountTarget = SmPartition.CublasSmCountTarget(mechanism, grantedSms) };
    }

    /// <inheritdoc/>
    public IMemberRunner Create(EnsembleSpec spec, int index, PartitionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Device.Kind != DeviceKind.Cuda)
        {
            return _otherDevices.Create(spec, index, grant);
        }

        SmPartition partition = PartitionOf(index, grant.Device);
        var executor = new CudaExecutor(_graphs(spec, index), partition.Stream,
            InPartition(ExecutorOptions(spec, grant.Device), partition.Mechanism, partition.GrantedSmCount ?? 0));
        return new GraphMemberRunner(executor);
    }

    /// <summary>Destroys every partition (their contexts and streams); the runners must be disposed first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (SmPartitionSet set in _partitions.Values)
            {
                set.Dispose();
            }

            _partitions.Clear();
        }
    }

    private static IEnumerable<DeviceSpec> CudaDevices(EnsembleSpec spec) =>
        Enumerable.Range(0, spec.Members.Count).Select(spec.DeviceOf).Where(d => d.Kind == DeviceKind.Cuda).Distinct();

    // A device is split once, for all its members together, when its first member's runner is made.
    private SmPartition PartitionOf(int index, DeviceSpec device)
    {
        lock (_gate)
        {
            if (!_partitions.TryGetValue(device, out SmPartitionSet? set))
            {
                CudaDevice gpu = CudaDriver.GetDevice(device.Ordinal);
                var capabilities = PartitionCapabilities.From(CudaDriver.GetProperties(gpu), NativeRuntime.Probe().DriverVersion ?? 0);
                PartitionMechanism mechanism = ChooseMechanism(capabilities, _mechanism);
                IReadOnlyList<int> members = MembersOn(_spec, device);
                try
                {
                    set = SmPartitionSet.Create(gpu, [.. members.Select(i => (double)_plan.Shares[i])], mechanism);
                }
                catch (InvalidOperationException ex)
                {
                    throw new NotSupportedException($"device {device}: {ex.Message}", ex);
                }

                _partitions[device] = set;
            }

            return set.Partitions[MembersOn(_spec, device).ToList().IndexOf(index)];
        }
    }
}
