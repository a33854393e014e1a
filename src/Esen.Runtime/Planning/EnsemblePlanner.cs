using Esen.Native.Partitions;
using Esen.Runtime.Specs;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Runtime.Planning;

/// <summary>The plan of the members that share one device: the problem posed and the solver's answer.</summary>
/// <param name="Device">The device.</param>
/// <param name="Members">Indices (in the spec) of the members on it.</param>
/// <param name="Problem">The <c>esen-problem/1</c> problem built from the cost model.</param>
/// <param name="Result">The solver's result.</param>
public sealed record DevicePlan(DeviceSpec Device, IReadOnlyList<int> Members, Problem Problem, PlanResult Result);

/// <summary>
/// Plans a spec: the members on each device become an allocation problem whose latency tables come
/// from the analytic cost model at the spec's largest batch, solved by a named solver. A cascade is
/// planned for its period, by default with every stage's reach at 1 (the exit ratios are only known once
/// it runs); given exit ratios, each stage's table is for the rows that reach it (<see cref="StageRows"/>).
/// </summary>
public static class EnsemblePlanner
{
    /// <summary>The shares the cost-model tables offer by default: 10 % steps (MPS percentages on a GPU, compute fractions on a CPU).</summary>
    public static IReadOnlyList<int> GpuShares { get; } = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

    /// <summary>
    /// The shares a solver chooses among on <paramref name="device"/>: 10 % steps where every percent can
    /// be granted (a CPU, MPS thread percentage), else the partition sizes the GPU's mechanism grants.
    /// </summary>
    public static IReadOnlyList<int> SharesFor(Device device) =>
        device is GpuDevice { Mechanism: not PartitionMechanism.MpsThreadPercentage } gpu ? gpu.Partitioning.GrantableShares() : GpuShares;

    /// <summary>
    /// The catalogue device behind a spec device: the local CPU for <c>cpu</c>; for <c>sim:NAME</c> the
    /// GPU of that name, or else the first catalogue GPU whose name starts with it (<c>sim:h100</c> is
    /// the H100-SXM).
    /// </summary>
    /// <exception cref="NotSupportedException">A CUDA device (not in the catalogue), or an unknown name.</exception>
    public static Device Resolve(DeviceSpec device, DeviceCatalog? catalog = null)
    {
        catalog ??= DeviceCatalog.BuiltIn;
        switch (device.Kind)
        {
            case DeviceKind.Cpu:
                return catalog.Find(DeviceCatalog.LocalCpuName);
            case DeviceKind.Simulated:
                string name = device.SimulatedDevice!;
                if (catalog.TryFind(name, out Device exact))
                {
                    return exact;
                }

                string key = Normalize(name);
                GpuDevice? prefix = DeviceCatalog.BuiltInGpus.FirstOrDefault(g => Normalize(g.Name).StartsWith(key, StringComparison.Ordinal));
                return prefix ?? throw new NotSupportedException($"unknown simulated device '{name}'; known: {string.Join(", ", DeviceCatalog.BuiltInGpus.Select(g => g.Name))}");
            default:
                throw new NotSupportedException($"{device}: the cost model has no tables for a real CUDA device; plan for the matching sim:NAME GPU and run the plan on {device}");
        }
    }

    /// <summary>
    /// A member's latency in ms at a share of a device. On a GPU the share becomes whole SMs (the
    /// partitioning's rounding); on a CPU it is a fraction of the machine's compute, so members can
    /// share fewer cores than there are members (their worker threads are time-sliced).
    /// </summary>
    public static double LatencyMs(AnalyticCostModel model, ModelWork work, Device device, int share) => device is CpuDevice cpu
        ? model.Kernels(work, cpu).Sum(k => k.Seconds(share / 100.0 * cpu.Cores)) * 1000
        : model.LatencySecondsAtShare(work, device, share) * 1000;

    /// <summary>
    /// The rows each stage of a cascade runs per batch of <paramref name="batch"/> when the fraction
    /// <c>exitRatios[k]</c> of the inputs that reach stage k leave there: batch × Π_{j&lt;k} (1 − exitRatios[j]),
    /// rounded, at least 1. ESCAN sizes each stage's partition for these rows.
    /// </summary>
    /// <param name="batch">The rows of a batch (what the first stage runs).</param>
    /// <param name="exitRatios">One ratio in [0, 1] per stage but the last.</param>
    /// <exception cref="ArgumentException">A ratio outside [0, 1].</exception>
    public static int[] StageRows(int batch, IReadOnlyList<double> exitRatios)
    {
        ArgumentNullException.ThrowIfNull(exitRatios);
        var rows = new int[exitRatios.Count + 1];
        double reach = 1;
        for (int k = 0; k < rows.Length; k++)
        {
            rows[k] = Math.Max(1, (int)Math.Round(batch * reach));
            if (k < exitRatios.Count)
            {
                double exit = exitRatios[k];
                reach *= exit is >= 0 and <= 1 ? 1 - exit : throw new ArgumentException($"stage {k}: exit ratio {exit} is outside [0, 1]", nameof(exitRatios));
            }
        }

        return rows;
    }

    /// <summary>The allocation problem of <paramref name="members"/> on one device, from the cost model.</summary>
    /// <param name="work">Member index → its kernels at the spec's batch (a cascade stage's: at the rows that reach it).</param>
    /// <param name="reachOf">Cascade only: member index → the fraction of the inputs that reach it; null is 1 for every stage.</param>
    public static Problem BuildProblem(
        EnsembleSpec spec, IReadOnlyList<int> members, Device device, Func<int, ModelWork> work, AnalyticCostModel? model = null, Func<int, double>? reachOf = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        model ??= AnalyticCostModel.Default;
        IReadOnlyList<int> shares = SharesFor(device);
        return BuildProblem(spec, members, device.Name, device.MemoryMb, i =>
        {
            ModelWork w = work(i);
            return (new LatencyTable(shares, [.. shares.Select(p => LatencyMs(model, w, device, p))]), w.MemoryBytes / (1024.0 * 1024.0));
        }, reachOf);
    }

    /// <summary>The allocation problem of <paramref name="members"/> on one device, from given tables (measured ones, say).</summary>
    /// <param name="deviceName">The device's name in the problem.</param>
    /// <param name="memoryMb">The device's memory in MiB.</param>
    /// <param name="tableOf">Member index → its latency table and memory in MiB.</param>
    /// <param name="reachOf">Cascade only: member index → the fraction of the inputs that reach it; null is 1 for every stage.</param>
    public static Problem BuildProblem(
        EnsembleSpec spec, IReadOnlyList<int> members, string deviceName, double memoryMb, Func<int, (LatencyTable Table, double MemoryMb)> tableOf, Func<int, double>? reachOf = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(tableOf);
        bool cascade = spec.Kind == EnsembleKind.Cascade;
        // Relative to the device's first stage: a problem's first member sees every input that reaches the device.
        double firstReach = cascade && reachOf is not null && members.Count > 0 ? reachOf(members[0]) : 1;
        ProblemMember[] problemMembers =
        [
            .. members.Select(i =>
            {
                (LatencyTable table, double memberMb) = tableOf(i);
                return new ProblemMember(spec.Members[i].Name, memberMb, table, cascade && reachOf is not null ? reachOf(i) / firstReach : 1.0);
            }),
        ];
        return new Problem(
            cascade ? ProblemKind.Cascade : ProblemKind.Ensemble,
            cascade ? Objective.Period : Objective.Makespan,
            [new ProblemDevice(deviceName, memoryMb)],
            problemMembers,
            $"{spec.SourceName} on {deviceName}, batch {spec.Batching.MaxBatch}");
    }

    /// <summary>Solves one device's problem with the named solver.</summary>
    /// <exception cref="ArgumentException">An unknown solver.</exception>
    /// <exception cref="EsenException">No feasible plan (<see cref="EsenErrorKind.Infeasible"/>; the message names the device and says why).</exception>
    public static PlanResult Solve(Problem problem, string solver, DeviceSpec device, SolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        IAllocationSolver allocation = AllocationSolvers.Create(solver) ?? throw new ArgumentException($"unknown solver '{solver}'", nameof(solver));
        PlanResult result = allocation.Solve(problem, options ?? new SolverOptions { TimeLimit = TimeSpan.FromSeconds(20) });
        return result.Plan is null
            ? throw new EsenException(EsenErrorKind.Infeasible, $"{solver} found no plan for {device}: {result.Status}, {result.Reason}")
            : result;
    }

    /// <summary>Plans every device of the spec with <paramref name="solver"/> (the spec's by default), from the cost model.</summary>
    /// <exception cref="EsenException">A device has no feasible plan (<see cref="EsenErrorKind.Infeasible"/>; the message says why).</exception>
    /// <param name="reachOf">Cascade only: member index → the fraction of the inputs that reach it (<paramref name="work"/> is then at those rows); null is 1 for every stage.</param>
    public static (RuntimePlan Plan, IReadOnlyList<DevicePlan> Devices) Plan(
        EnsembleSpec spec, Func<int, ModelWork> work, string? solver = null, SolverOptions? options = null, DeviceCatalog? catalog = null, Func<int, double>? reachOf = null) =>
        Plan(spec, (device, members) => BuildProblem(spec, members, Resolve(device, catalog), work, reachOf: reachOf), solver, options);

    /// <summary>Plans every device of the spec with <paramref name="solver"/> (the spec's by default) on the problems given.</summary>
    /// <param name="problemOf">A device and the indices of its members → their allocation problem.</param>
    /// <exception cref="EsenException">A device has no feasible plan (<see cref="EsenErrorKind.Infeasible"/>; the message says why).</exception>
    public static (RuntimePlan Plan, IReadOnlyList<DevicePlan> Devices) Plan(
        EnsembleSpec spec, Func<DeviceSpec, IReadOnlyList<int>, Problem> problemOf, string? solver = null, SolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(problemOf);
        solver ??= spec.Solver;
        var shares = new int[spec.Members.Count];
        var devices = new List<DevicePlan>();
        foreach (IGrouping<DeviceSpec, int> group in Enumerable.Range(0, spec.Members.Count).GroupBy(spec.DeviceOf))
        {
            int[] members = [.. group];
            Problem problem = problemOf(group.Key, members);
            PlanResult result = Solve(problem, solver, group.Key, options);
            for (int j = 0; j < members.Length; j++)
            {
                shares[members[j]] = result.Plan!.ShareOf[j];
            }

            devices.Add(new DevicePlan(group.Key, members, problem, result));
        }

        return (new RuntimePlan(spec, spec.Members.Select((m, i) => new MemberPlacement(m.Name, shares[i])), solver), devices);
    }

    private static string Normalize(string name) =>
        new([.. name.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToLowerInvariant)]);
}
