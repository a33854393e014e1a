using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native.Errors;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.Profiles;

namespace Esen.Runtime.Planning;

/// <summary>One CUDA device planned from measured curves, and its two layouts measured side by side.</summary>
/// <param name="Device">The device.</param>
/// <param name="Gpu">What it is.</param>
/// <param name="Mechanism">The partition mechanism the curves were measured and the plan made with.</param>
/// <param name="Members">Indices (in the spec) of its members.</param>
/// <param name="Tables">Each member's measured curve, in <paramref name="Members"/> order (empty without partitions).</param>
/// <param name="Planned">The solver's plan on the measured tables; null when the device cannot be partitioned.</param>
/// <param name="PlannedRun">The planned partitions measured with every member running; null with <paramref name="Planned"/>.</param>
/// <param name="Unpartitioned">Every member running together on all SMs (ESEN's default concurrency).</param>
public sealed record MeasuredDevicePlan(
    DeviceSpec Device,
    GpuIdentity Gpu,
    PartitionMechanism Mechanism,
    IReadOnlyList<int> Members,
    IReadOnlyList<MeasuredMemberTable> Tables,
    DevicePlan? Planned,
    PartitionMeasurement? PlannedRun,
    PartitionMeasurement Unpartitioned)
{
    /// <summary>The solver's objective: the batch time the measured tables predict for the plan.</summary>
    public double? PredictedBatchMs => Planned?.Result.ObjectiveMs;
}

/// <summary>The plan a spec with <c>cuda:N</c> members runs with, and why.</summary>
/// <param name="Plan">The shares (ignored on devices run without partitions).</param>
/// <param name="Mechanism">How the CUDA devices' SMs are shared when it runs: the planned mechanism, or none.</param>
/// <param name="Devices">Each CUDA device's measured planning.</param>
/// <param name="Others">The cost-model plans of members on other devices.</param>
public sealed record MeasuredPlan(RuntimePlan Plan, PartitionMechanism Mechanism, IReadOnlyList<MeasuredDevicePlan> Devices, IReadOnlyList<DevicePlan> Others)
{
    /// <summary>Members run on SM partitions (false: all members share all SMs).</summary>
    public bool Partitioned => Mechanism != PartitionMechanism.None;
}

/// <summary>
/// Plans a spec on real GPUs from measurements, not from the cost model: each CUDA device's members
/// are profiled on every partition size its mechanism grants (<see cref="MeasuredGpuProfiler"/>, cached
/// in a <see cref="ProfileStore"/>), the spec's solver chooses shares among those sizes, and then the
/// planned partitions and no partitions at all are both measured with every member running. Partitions
/// are used only when they measure faster (ESEN: partition only when it helps).
/// </summary>
public static class MeasuredPlanner
{
    /// <summary>Plans <paramref name="models"/>' spec.</summary>
    /// <param name="models">The spec's members.</param>
    /// <param name="measurerOf">The measurer of each <c>cuda:N</c> device.</param>
    /// <param name="store">Where measured curves are kept (keyed by the spec's precision among others); null measures everything.</param>
    /// <param name="forced">A mechanism to use instead of the device's first in-process one.</param>
    /// <param name="solver">The solver; the spec's by default.</param>
    /// <param name="progress">Progress lines.</param>
    /// <exception cref="NotSupportedException">A device or mechanism is unavailable (the message says which and why).</exception>
    /// <exception cref="EsenException">A device has no feasible plan (<see cref="EsenErrorKind.Infeasible"/>).</exception>
    public static MeasuredPlan Plan(
        EnsembleModels models,
        Func<DeviceSpec, IGpuMeasurer> measurerOf,
        ProfileStore? store,
        PartitionMechanism? forced = null,
        string? solver = null,
        Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(measurerOf);
        progress ??= _ => { };
        EnsembleSpec spec = models.Spec;
        int batch = spec.Batching.MaxBatch;
        var gpus = new Dictionary<DeviceSpec, (IGpuMeasurer Measurer, PartitionMechanism Mechanism)>();
        foreach (DeviceSpec device in Enumerable.Range(0, spec.Members.Count).Select(spec.DeviceOf).Where(d => d.Kind == DeviceKind.Cuda).Distinct())
        {
            IGpuMeasurer measurer = measurerOf(device);
            gpus[device] = (measurer, CudaRunnerFactory.ChooseMechanism(measurer.Capabilities, forced));
        }

        bool partitions = gpus.Values.All(g => g.Mechanism != PartitionMechanism.None);
        var tables = new Dictionary<int, MeasuredMemberTable>();
        if (partitions)
        {
            foreach ((DeviceSpec device, (IGpuMeasurer measurer, PartitionMechanism mechanism)) in gpus)
            {
                var profiler = new MeasuredGpuProfiler(measurer, store, spec.Precision.ToName(), progress);
                foreach (int i in CudaRunnerFactory.MembersOn(spec, device))
                {
                    tables[i] = profiler.Profile(spec.Members[i].Name, models.Graphs[i], MeasuredGpuProfiler.IdentityOf(spec.Members[i].ModelPath, spec.Members[i].Architecture, spec.Members[i].Seed, models.Graphs[i]), batch, mechanism);
                }
            }
        }

        RuntimePlan plan;
        IReadOnlyList<DevicePlan> planned;
        if (partitions)
        {
            (plan, planned) = EnsemblePlanner.Plan(spec, (device, members) => device.Kind == DeviceKind.Cuda
                ? EnsemblePlanner.BuildProblem(spec, members, gpus[device].Measurer.Gpu.Name, gpus[device].Measurer.Gpu.MemoryBytes / (1024.0 * 1024.0), i => (tables[i].Table, tables[i].MemoryMb))
                : EnsemblePlanner.BuildProblem(spec, members, EnsemblePlanner.Resolve(device), i => models.Work(i, batch)), solver);
        }
        else
        {
            // Nothing to partition: every CUDA member runs on the whole device; members elsewhere split theirs equally.
            RuntimePlan equal = RuntimePlan.Equal(spec);
            plan = new RuntimePlan(spec, spec.Members.Select((m, i) => new MemberPlacement(m.Name, spec.DeviceOf(i).Kind == DeviceKind.Cuda ? 100 : equal.Shares[i])), "none");
            planned = [];
        }

        var devices = new List<MeasuredDevicePlan>();
        foreach ((DeviceSpec device, (IGpuMeasurer measurer, PartitionMechanism mechanism)) in gpus)
        {
            IReadOnlyList<int> members = CudaRunnerFactory.MembersOn(spec, device);
            LayerGraph[] graphs = [.. members.Select(i => models.Graphs[i])];
            DevicePlan? devicePlan = partitions ? planned.Single(p => p.Device == device) : null;
            PartitionMeasurement? plannedRun = null;
            if (devicePlan is not null)
            {
                progress($"{device}: measuring the planned partitions with every member running");
                plannedRun = MeasureLayout(measurer, spec, members, () => measurer.Measure(graphs, batch, mechanism, [.. members.Select(i => plan.Shares[i])], progress));
            }

            progress($"{device}: measuring every member on all SMs at once (no partitions)");
            PartitionMeasurement unpartitioned = MeasureLayout(measurer, spec, members, () => measurer.Measure(graphs, batch, PartitionMechanism.None, [.. members.Select(_ => 100)], progress));
            devices.Add(new MeasuredDevicePlan(device, measurer.Gpu, mechanism, members, [.. members.Where(tables.ContainsKey).Select(i => tables[i])], devicePlan, plannedRun, unpartitioned));
        }

        // The ensemble's batch is as slow as its slowest device.
        bool pays = partitions
            && devices.Max(d => d.PlannedRun!.Batch.MedianMs) <= devices.Max(d => d.Unpartitioned.Batch.MedianMs);
        PartitionMechanism chosen = pays ? gpus.Values.First().Mechanism : PartitionMechanism.None;
        return new MeasuredPlan(plan, chosen, devices, [.. planned.Where(p => p.Device.Kind != DeviceKind.Cuda)]);
    }

    // A driver error while the members run together (out of memory, a refused context) is one line
    // naming the device and the members, not a stack trace.
    private static PartitionMeasurement MeasureLayout(IGpuMeasurer measurer, EnsembleSpec spec, IReadOnlyList<int> members, Func<PartitionMeasurement> measure)
    {
        try
        {
            return measure();
        }
        catch (EsenNativeException ex)
        {
            throw new NotSupportedException($"{measurer.Gpu}: members {string.Join(", ", members.Select(i => spec.Members[i].Name))} together: {ex.Message}", ex);
        }
    }
}
