using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.Profiles;

namespace Esen.Runtime.Benchmarking;

/// <summary>What <see cref="EnsembleBench.RunAsync"/> measures, and for how long.</summary>
public sealed record BenchOptions
{
    /// <summary>The batches: each is the runtime's largest batch and the batch of the batch-time measurements.</summary>
    public IReadOnlyList<int> Batches { get; init; } = [8];

    /// <summary>
    /// The mechanisms to measure, each of which must be available; null: every one the device offers in
    /// this process, and sequential (the others are reported as not measured, with the reason).
    /// </summary>
    public IReadOnlyList<BenchMechanism>? Mechanisms { get; init; }

    /// <summary>Closed-loop clients; null: twice the batch, so a batch fills while the previous one runs.</summary>
    public int? Clients { get; init; }

    /// <summary>Timed requests of each closed loop, in batches' worth.</summary>
    public int LoopBatches { get; init; } = 20;

    /// <summary>Warm-up requests of each closed loop, in batches' worth.</summary>
    public int WarmupBatches { get; init; } = 3;

    /// <summary>Where the planned split's measured curves are kept; null measures them every time.</summary>
    public ProfileStore? Store { get; init; }

    /// <summary>The closed loop at <paramref name="batch"/>.</summary>
    public ClosedLoopOptions LoopAt(int batch) => new(Clients ?? 2 * batch, LoopBatches * batch, WarmupBatches * batch);
}

/// <summary>
/// Whether sharing a GPU pays for an ensemble, measured on that GPU. At each batch: every member alone
/// on all SMs (<see cref="IGpuMeasurer"/>); then the ensemble under each mechanism: green contexts and
/// MPS execution affinity with the equal split (<see cref="EqualShare"/>) and the planned split
/// (<see cref="MeasuredPlanner"/>), no partitions, and sequential. Each partitioned or unpartitioned
/// row has the batch time of all members launched together and a closed loop of requests through the
/// runtime (<see cref="IClosedLoop"/>: throughput, p50, p99). Sequential is derived, not run: the
/// members one after another take the sum of their times alone per batch.
/// </summary>
public static class EnsembleBench
{
    /// <summary>
    /// <paramref name="spec"/> with every member on <paramref name="device"/>.
    /// </summary>
    /// <exception cref="EnsembleSpecException">The spec is a cascade.</exception>
    public static EnsembleSpec PlaceOn(EnsembleSpec spec, DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind == EnsembleKind.Ensemble
            ? spec with { Device = device, Members = [.. spec.Members.Select(m => m with { Device = null })] }
            : throw new EnsembleSpecException(spec.SourceName, "$.kind", "esen bench measures ensembles (every member sees every input), not cascades");
    }

    /// <summary>
    /// The equal split in shares the policy grants: the largest grantable share that
    /// <paramref name="members"/> members can each have at once (at most 100 % and the device's units in
    /// all), so every member really gets <see cref="SmPartitionPolicy.SmsForShare"/>; null when even
    /// the smallest partition is too large.
    /// </summary>
    public static int? EqualShare(SmPartitionPolicy policy, int members)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);

        // A share's units are a ceiling: 4 × 25 % of 66 units asks for 4 × 17, more than the device has.
        return policy.GrantableShares()
            .Where(s => s * members <= 100 && policy.UnitsForShare(s) * members <= policy.AvailableUnits)
            .Select(s => (int?)s)
            .LastOrDefault();
    }

    /// <summary>
    /// Runs the bench of <paramref name="models"/> (every member on the measurer's GPU, see
    /// <see cref="PlaceOn"/>) in the spec's precision, which the measurer's executors must share.
    /// </summary>
    /// <param name="models">The ensemble.</param>
    /// <param name="measurer">Measures members alone and together on the GPU.</param>
    /// <param name="load">Runs the closed loops.</param>
    /// <param name="options">Batches, mechanisms, loop sizes.</param>
    /// <param name="progress">A line per step, as it measures.</param>
    /// <param name="cancellationToken">Stops the closed loops.</param>
    /// <exception cref="ArgumentException">A member is not on the measurer's GPU, the spec is a cascade, or an option is out of range (no batches, a batch, client count or loop length below 1).</exception>
    /// <exception cref="NotSupportedException">A mechanism in <see cref="BenchOptions.Mechanisms"/> is unavailable; the message names it and says why.</exception>
    public static async Task<BenchReport> RunAsync(
        EnsembleModels models,
        IGpuMeasurer measurer,
        IClosedLoop load,
        BenchOptions? options = null,
        Action<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(measurer);
        ArgumentNullException.ThrowIfNull(load);
        options ??= new BenchOptions();
        progress ??= _ => { };
        ArgumentOutOfRangeException.ThrowIfZero(options.Batches.Count, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Batches.Min(), 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Clients ?? 1, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LoopBatches, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WarmupBatches, nameof(options));
        EnsembleSpec spec = models.Spec;
        var device = new DeviceSpec(DeviceKind.Cuda, measurer.Gpu.Ordinal);
        if (spec.Kind != EnsembleKind.Ensemble || Enumerable.Range(0, spec.Members.Count).Any(i => spec.DeviceOf(i) != device))
        {
            throw new ArgumentException($"{spec.SourceName}: the bench needs an ensemble with every member on {device} (EnsembleBench.PlaceOn)", nameof(models));
        }

        var omissions = new List<BenchOmission>();
        IReadOnlyList<BenchMechanism> mechanisms = Choose(measurer.Capabilities, options.Mechanisms, device, omissions);
        int n = spec.Members.Count;
        var equalShares = new Dictionary<PartitionMechanism, int>();
        foreach (PartitionMechanism mechanism in mechanisms.Select(m => m.Partitions).OfType<PartitionMechanism>().Where(m => m != PartitionMechanism.None))
        {
            SmPartitionPolicy policy = measurer.Policy(mechanism);
            if (EqualShare(policy, n) is int share)
            {
                equalShares[mechanism] = share;
            }
            else
            {
                int smallest = policy.GrantableShares()[0];
                omissions.Add(new BenchOmission(new BenchMechanism(mechanism), BenchSplit.Equal, null,
                    $"{n} members cannot have equal partitions: the smallest is {smallest} % ({policy.SmsForShare(smallest)} SMs)"));
            }
        }

        var alone = new List<BenchMember>();
        var rows = new List<BenchRow>();
        foreach (int batch in options.Batches)
        {
            EnsembleModels atBatch = models.WithBatching(spec.Batching with { MaxBatch = batch });
            ClosedLoopOptions loop = options.LoopAt(batch);
            var sequentialSms = new int[n];
            double sequentialMs = 0;
            for (int i = 0; i < n; i++)
            {
                progress($"batch {batch}: {spec.Members[i].Name} alone on all SMs");
                PartitionMeasurement single = measurer.Measure([models.Graphs[i]], batch, PartitionMechanism.None, [100], progress);
                alone.Add(new BenchMember(batch, spec.Members[i].Name, single.Members[0], single.MemoryBytes[0], single.FirstRunMs?[0]));
                sequentialSms[i] = single.GrantedSms[0];
                sequentialMs += single.Members[0].MedianMs;
            }

            foreach (BenchMechanism mechanism in mechanisms)
            {
                if (mechanism.Partitions is not PartitionMechanism partitions)
                {
                    rows.Add(new BenchRow(batch, mechanism, BenchSplit.None, [.. Enumerable.Repeat(100, n)], sequentialSms, sequentialMs, null));
                    continue;
                }

                if (partitions == PartitionMechanism.None)
                {
                    rows.Add(await MeasureAsync(atBatch, measurer, load, mechanism, BenchSplit.None, [.. Enumerable.Repeat(100, n)], loop, progress, cancellationToken));
                    continue;
                }

                if (equalShares.TryGetValue(partitions, out int share))
                {
                    rows.Add(await MeasureAsync(atBatch, measurer, load, mechanism, BenchSplit.Equal, [.. Enumerable.Repeat(share, n)], loop, progress, cancellationToken));
                }

                progress($"batch {batch}: planning {mechanism} partitions from measured curves");
                MeasuredPlan planned;
                try
                {
                    planned = MeasuredPlanner.Plan(atBatch, _ => measurer, options.Store, partitions, progress: progress);
                }
                catch (EsenException ex) when (ex.Kind == EsenErrorKind.Infeasible)
                {
                    omissions.Add(new BenchOmission(mechanism, BenchSplit.Planned, batch, ex.Message));
                    continue;
                }

                // Planned with a partitioning mechanism forced, so its layout was measured.
                PartitionMeasurement together = planned.Devices.Single().PlannedRun!;
                rows.Add(await LoadAsync(atBatch, load, mechanism, BenchSplit.Planned, planned.Plan, together, loop, progress, cancellationToken));
            }
        }

        return new BenchReport(measurer.Gpu, spec.SourceName, [.. spec.Members.Select(m => m.Name)], spec.Precision, spec.Cuda, [.. options.Batches], alone, rows, omissions);
    }

    // The mechanisms to measure, in PartitionPlanner.Preference order then sequential; unavailable ones
    // are omissions, or an error when asked for by name.
    private static List<BenchMechanism> Choose(PartitionCapabilities capabilities, IReadOnlyList<BenchMechanism>? requested, DeviceSpec device, List<BenchOmission> omissions)
    {
        var chosen = new List<BenchMechanism>();
        foreach (PartitionMechanism partitions in PartitionPlanner.Preference)
        {
            var mechanism = new BenchMechanism(partitions);
            if (requested is not null && !requested.Contains(mechanism))
            {
                continue;
            }

            if (WhyUnavailable(capabilities, partitions) is not string reason)
            {
                chosen.Add(mechanism);
            }
            else if (requested is null)
            {
                omissions.Add(new BenchOmission(mechanism, null, null, reason));
            }
            else
            {
                throw new NotSupportedException($"{mechanism} is not available on {device}: {reason}");
            }
        }

        if (requested is null || requested.Contains(BenchMechanism.Sequential))
        {
            chosen.Add(BenchMechanism.Sequential);
        }

        return chosen;
    }

    // What the device offers (the planner's rule), then what the runtime can run in this process (its rule).
    private static string? WhyUnavailable(PartitionCapabilities capabilities, PartitionMechanism mechanism)
    {
        MechanismAvailability availability = PartitionPlanner.Assess(capabilities, mechanism);
        if (!availability.Available)
        {
            return availability.Reason;
        }

        try
        {
            _ = CudaRunnerFactory.ChooseMechanism(capabilities, mechanism);
            return null;
        }
        catch (NotSupportedException ex)
        {
            return ex.Message;
        }
    }

    private static Task<BenchRow> MeasureAsync(
        EnsembleModels models, IGpuMeasurer measurer, IClosedLoop load, BenchMechanism mechanism, BenchSplit split, int[] shares,
        ClosedLoopOptions loop, Action<string> progress, CancellationToken cancellationToken)
    {
        EnsembleSpec spec = models.Spec;
        progress($"batch {spec.Batching.MaxBatch}: {mechanism} {split.ToName()} [{string.Join('/', shares)} %]: every member's batch launched together");
        PartitionMeasurement together = measurer.Measure([.. models.Graphs], spec.Batching.MaxBatch, mechanism.Partitions!.Value, shares, progress);
        var plan = new RuntimePlan(spec, spec.Members.Select((m, i) => new MemberPlacement(m.Name, shares[i])), split.ToName());
        return LoadAsync(models, load, mechanism, split, plan, together, loop, progress, cancellationToken);
    }

    private static async Task<BenchRow> LoadAsync(
        EnsembleModels models, IClosedLoop load, BenchMechanism mechanism, BenchSplit split, RuntimePlan plan, PartitionMeasurement together,
        ClosedLoopOptions loop, Action<string> progress, CancellationToken cancellationToken)
    {
        int batch = models.Spec.Batching.MaxBatch;
        string what = $"batch {batch}: {mechanism} {split.ToName()} [{string.Join('/', plan.Shares)} %]";
        progress($"{what}: closed loop of {loop.Clients} clients, {loop.WarmupRequests} warm-up and {loop.Requests} timed requests");
        ClosedLoopResult result = await load.RunAsync(models, plan, mechanism.Partitions!.Value, loop, cancellationToken);
        progress($"{what}: {result.ThroughputPerSecond:F1} inputs/s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms");
        return new BenchRow(batch, mechanism, split, plan.Shares, together.GrantedSms, together.Batch.MedianMs, result);
    }
}
