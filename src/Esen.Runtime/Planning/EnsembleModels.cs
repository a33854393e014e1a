using System.Collections.Concurrent;
using Esen.Kernels.Graph;
using Esen.Runtime.Execution;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Simulation;

namespace Esen.Runtime.Planning;

/// <summary>A plan's predicted job completion time for one batch and the device's mean SM (or core) use.</summary>
/// <param name="JctMs">The slowest member's finish (ensemble) or the period (cascade), in ms.</param>
/// <param name="Utilization">Time-averaged busy fraction of the device's SMs, when simulated; null otherwise.</param>
/// <param name="Timeline">The simulation behind the prediction (kernels per member over time), when simulated.</param>
public sealed record Prediction(double JctMs, double? Utilization, SimulationResult? Timeline = null);

/// <summary>
/// The members' graphs of a spec with everything derived from them: kernel lists at any batch (cost
/// model), runners on the CPU executor and the simulator's timing of each simulated device.
/// </summary>
public sealed class EnsembleModels
{
    private readonly ConcurrentDictionary<(int Member, int Batch), ModelWork> _work = new();

    private EnsembleModels(EnsembleSpec spec, LayerGraph[] graphs)
    {
        Spec = spec;
        Graphs = graphs;
    }

    /// <summary>The spec.</summary>
    public EnsembleSpec Spec { get; }

    /// <summary>Each member's graph, in spec order.</summary>
    public IReadOnlyList<LayerGraph> Graphs { get; }

    /// <summary>Runners for <see cref="EnsembleRuntime.Create"/> on these graphs.</summary>
    public IMemberRunnerFactory CpuRunners => new CpuRunnerFactory((_, i) => Graphs[i]);

    /// <summary>
    /// Runners for <paramref name="plan"/>: the CPU executor, or, when a member is on <c>cuda:N</c>, a
    /// <see cref="CudaRunnerFactory"/> (SM partitions with <see cref="RuntimeOptions.SmPartitionMechanism"/>)
    /// that the caller disposes after the runtime.
    /// </summary>
    /// <exception cref="NotSupportedException">A CUDA device of the spec is unavailable; the message names it and the probe's reason.</exception>
    public IMemberRunnerFactory Runners(RuntimePlan plan, RuntimeOptions? options = null) =>
        Enumerable.Range(0, Spec.Members.Count).Any(i => Spec.DeviceOf(i).Kind == DeviceKind.Cuda)
            ? new CudaRunnerFactory(Spec, plan, (_, i) => Graphs[i], options?.SmPartitionMechanism)
            : CpuRunners;

    /// <summary>Loads every member's graph.</summary>
    /// <exception cref="EnsembleSpecException">A model cannot be loaded or does not fit the spec.</exception>
    public static EnsembleModels Load(EnsembleSpec spec) =>
        new(spec, [.. Enumerable.Range(0, spec.Members.Count).Select(i => MemberGraphs.Load(spec, i))]);

    /// <summary>The same graphs under other batching (a graph does not depend on it), e.g. to run one spec at several batch sizes.</summary>
    public EnsembleModels WithBatching(BatchingSpec batching) => new(Spec with { Batching = batching }, [.. Graphs]);

    /// <summary>Member <paramref name="member"/>'s kernels at <paramref name="batch"/> in the spec's precision (cached).</summary>
    public ModelWork Work(int member, int batch) =>
        _work.GetOrAdd((member, batch), key => GraphWorkload.Build(Graphs[key.Member], key.Batch, PrecisionMap.CostModel(Spec.Precision), Spec.Members[key.Member].Name));

    /// <summary>The simulator's timing of a simulated device, for <see cref="RuntimeOptions.VirtualTiming"/>.</summary>
    public SimulatedDeviceTiming Timing(DeviceSpec device)
    {
        Device resolved = EnsemblePlanner.Resolve(device);
        return new SimulatedDeviceTiming(resolved, (m, rows) => AnalyticCostModel.Default.Kernels(Work(m, rows), resolved), m => Spec.Members[m].Name);
    }

    /// <summary>Plans the spec with a solver, using the cost model at the spec's largest batch.</summary>
    public (RuntimePlan Plan, IReadOnlyList<DevicePlan> Devices) Plan(string? solver = null) => Plan(solver, Spec.Batching.MaxBatch, null);

    /// <summary>
    /// Plans the spec with a solver on the cost model at <paramref name="batch"/> rows per batch; a cascade with
    /// <paramref name="exitRatios"/> sizes each stage for the rows that reach it (<see cref="EnsemblePlanner.StageRows"/>).
    /// </summary>
    /// <param name="solver">The solver; null is the spec's.</param>
    /// <param name="batch">The rows per batch the tables are for.</param>
    /// <param name="exitRatios">Cascade only: per stage but the last, the fraction of the inputs reaching it that leave there; null plans every stage for the whole batch.</param>
    public (RuntimePlan Plan, IReadOnlyList<DevicePlan> Devices) Plan(string? solver, int batch, IReadOnlyList<double>? exitRatios)
    {
        if (Spec.Kind != EnsembleKind.Cascade || exitRatios is null)
        {
            return EnsemblePlanner.Plan(Spec, i => Work(i, batch), solver);
        }

        int[] rows = EnsemblePlanner.StageRows(batch, exitRatios);
        return EnsemblePlanner.Plan(Spec, i => Work(i, rows[i]), solver, reachOf: i => (double)rows[i] / batch);
    }

    /// <summary>
    /// The models of <paramref name="spec"/>, a changed version of this one's (members added, removed or
    /// re-planned): the graphs of members it keeps unchanged, under the same input, are reused; the others are loaded.
    /// </summary>
    /// <exception cref="EnsembleSpecException">A new model cannot be loaded or does not fit the spec.</exception>
    public EnsembleModels With(EnsembleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(spec, [.. spec.Members.Select((member, i) =>
        {
            // A member's share does not change its graph.
            int kept = spec.Input == Spec.Input ? Spec.Members.Select(m => m with { Share = null }).ToList().IndexOf(member with { Share = null }) : -1;
            return kept >= 0 ? Graphs[kept] : MemberGraphs.Load(spec, i);
        })]);
    }

    /// <summary>
    /// The predicted batch time of <paramref name="members"/> on <paramref name="device"/> at the given
    /// shares: the simulator on a GPU (partitions, shared bandwidth); the cost model on a CPU.
    /// </summary>
    public Prediction Predict(DeviceSpec device, IReadOnlyList<int> members, IReadOnlyList<int> shares)
    {
        Device resolved = EnsemblePlanner.Resolve(device);
        int batch = Spec.Batching.MaxBatch;
        if (resolved is CpuDevice)
        {
            return new Prediction(members.Select((m, j) => EnsemblePlanner.LatencyMs(AnalyticCostModel.Default, Work(m, batch), resolved, shares[j])).Max(), null);
        }

        SimulationResult result = Timing(device).Simulate([.. members.Select((m, j) => new VirtualLaunch(m, resolved.UnitsForShare(shares[j]), batch))]);
        return new Prediction(result.JctSeconds * 1000, result.MeanSmUtilization, result);
    }

    /// <summary>The default concurrency: every member at once on the whole device, no partitions (ESEN's baseline).</summary>
    public Prediction PredictDefault(DeviceSpec device, IReadOnlyList<int> members)
    {
        Device resolved = EnsemblePlanner.Resolve(device);
        int batch = Spec.Batching.MaxBatch;
        var simulator = new Simulator(resolved, new SimulationOptions { Mode = SharingMode.Default });
        SimulationResult result = simulator.Run(
            [.. members.Select(m => new SimulationMember(Spec.Members[m].Name, AnalyticCostModel.Default.Kernels(Work(m, batch), resolved), resolved.Units))]);
        return resolved is CpuDevice ? new Prediction(result.JctSeconds * 1000, null) : new Prediction(result.JctSeconds * 1000, result.MeanSmUtilization, result);
    }
}
