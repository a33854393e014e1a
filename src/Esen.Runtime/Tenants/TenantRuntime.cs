using System.Diagnostics;
using Esen.Kernels.Cpu;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tenants;

/// <summary>One run of every tenant: each tenant's outputs and each round's wall time.</summary>
/// <param name="Outputs">Per tenant, its graph's outputs by name.</param>
/// <param name="RoundSeconds">Per round, the time from its first slice starting to its last finishing.</param>
public sealed record TenantRunResult(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> Outputs, IReadOnlyList<double> RoundSeconds)
{
    /// <summary>The time until every tenant is done.</summary>
    public double Seconds => RoundSeconds.Sum();
}

/// <summary>
/// Runs independent tenants (each its own graph and input) under a <see cref="TenantSchedule"/>: each tenant's
/// graph is cut by <see cref="GraphSlicer"/> into its slices of about equal work (FLOPs per node), and round by round
/// the round's slices run at once, each on an executor sized to the tenant's share for that round; a round starts when
/// the previous one has finished, which is the regulation (which slices of different tenants overlap). An executor is
/// built per tenant and round once, at creation.
/// </summary>
public sealed class TenantRuntime : IDisposable
{
    private readonly LayerGraph[] _tenants;
    private readonly TenantSchedule _schedule;
    private readonly IReadOnlyList<LayerGraph?>[] _slices;
    private readonly IExecutor?[][] _executors;

    private TenantRuntime(LayerGraph[] tenants, TenantSchedule schedule, Func<LayerGraph, int, IExecutor> executorFor)
    {
        _tenants = tenants;
        _schedule = schedule;
        _slices = new IReadOnlyList<LayerGraph?>[tenants.Length];
        _executors = new IExecutor?[tenants.Length][];
        try
        {
            for (int t = 0; t < tenants.Length; t++)
            {
                LayerGraph graph = tenants[t];
                long[] flops = [.. GraphCostAnalyzer.Analyze(graph).Nodes.Select(n => n.Flops)];
                int[] boundaries = GraphSlicer.EqualWorkBoundaries([.. flops.Select(f => (double)f)], schedule.SlicesPerTenant[t]);
                _slices[t] = GraphSlicer.Slice(graph, boundaries);
                _executors[t] = new IExecutor?[schedule.SlicesPerTenant[t]];
                for (int r = 0; r < _executors[t].Length; r++)
                {
                    _executors[t][r] = _slices[t][r] is { } slice ? executorFor(slice, schedule.RoundShares[r][t]) : null;
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The schedule being run.</summary>
    public TenantSchedule Schedule => _schedule;

    /// <summary>Each tenant's slices (null for an empty one), in round order.</summary>
    public IReadOnlyList<IReadOnlyList<LayerGraph?>> Slices => _slices;

    /// <summary>Tenants on the CPU executor: a slice at share p gets the cores <see cref="CpuDevice.CoresForShare"/> gives of <paramref name="cores"/>.</summary>
    /// <exception cref="ArgumentException">The schedule's tenant count differs from the graphs'.</exception>
    public static TenantRuntime CreateCpu(IReadOnlyList<LayerGraph> tenants, TenantSchedule schedule, int? cores = null)
    {
        int machine = cores ?? Environment.ProcessorCount;
        return Create(tenants, schedule, (graph, share) => new CpuExecutor(graph, new CpuExecutorOptions { Threads = CpuDevice.CoresForShare(share, machine) }));
    }

    /// <summary>Tenants on executors from <paramref name="executorFor"/> (a slice's graph and its share in percent → its executor, owned by the runtime).</summary>
    /// <exception cref="ArgumentException">The schedule's tenant count differs from the graphs'.</exception>
    public static TenantRuntime Create(IReadOnlyList<LayerGraph> tenants, TenantSchedule schedule, Func<LayerGraph, int, IExecutor> executorFor)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(executorFor);
        return schedule.SlicesPerTenant.Count == tenants.Count
            ? new TenantRuntime([.. tenants], schedule, executorFor)
            : throw new ArgumentException($"the schedule plans {schedule.SlicesPerTenant.Count} tenants, {tenants.Count} were given", nameof(schedule));
    }

    /// <summary>Runs one input set per tenant (by its graph's input names) through the rounds.</summary>
    /// <exception cref="ArgumentException">The input count differs from the tenants'.</exception>
    /// <exception cref="GraphException">A tenant's input is missing or of the wrong type or shape.</exception>
    public TenantRunResult Run(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != _tenants.Length)
        {
            throw new ArgumentException($"{inputs.Count} input sets for {_tenants.Length} tenants", nameof(inputs));
        }

        Dictionary<string, Tensor>[] values = [.. inputs.Select(i => new Dictionary<string, Tensor>(i, StringComparer.Ordinal))];
        double[] roundSeconds = new double[_schedule.Rounds];
        for (int r = 0; r < _schedule.Rounds; r++)
        {
            long start = Stopwatch.GetTimestamp();
            int round = r;
            Task[] running =
            [
                .. Enumerable.Range(0, _tenants.Length)
                    .Where(t => round < _executors[t].Length && _executors[t][round] is not null)
                    .Select(t => Task.Run(() => RunSlice(t, round, values[t]))),
            ];
            Task.WaitAll(running);
            roundSeconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return new TenantRunResult(
            [.. _tenants.Select((g, t) => (IReadOnlyDictionary<string, Tensor>)g.Outputs.ToDictionary(o => o.Name, o => values[t].TryGetValue(o.Name, out Tensor? v) ? v : g.Initializers[o.Name]))],
            roundSeconds);
    }

    /// <summary>Disposes every slice's executor.</summary>
    public void Dispose()
    {
        foreach (IExecutor?[]? executors in _executors)
        {
            foreach (IExecutor? executor in executors ?? [])
            {
                executor?.Dispose();
            }
        }
    }

    private void RunSlice(int tenant, int round, Dictionary<string, Tensor> values)
    {
        IExecutor executor = _executors[tenant][round]!;
        IReadOnlyDictionary<string, Tensor> outputs = executor.Run(executor.Graph.Inputs.ToDictionary(i => i.Name, i => values[i.Name], StringComparer.Ordinal));
        foreach ((string name, Tensor value) in outputs)
        {
            values[name] = value;
        }
    }
}
