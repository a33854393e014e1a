using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Esen.Kernels.Cuda;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Native;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;
using Esen.Solver.Profiles;

namespace Esen.Runtime;

/// <summary>What <see cref="EnsembleSession.LoadAsync(string, SessionOptions?, CancellationToken)"/> may change about a spec and how it runs.</summary>
public sealed record SessionOptions
{
    /// <summary>The math of GPU convolutions and GEMMs; null keeps the spec's <see cref="EnsembleSpec.Precision"/>.</summary>
    public GpuPrecision? Precision { get; init; }

    /// <summary>The solver; null keeps the spec's.</summary>
    public string? Solver { get; init; }

    /// <summary>Members on <c>cuda:N</c>: the SM partition mechanism; null picks the first the device offers, <see cref="PartitionMechanism.None"/> runs without partitions.</summary>
    public PartitionMechanism? Mechanism { get; init; }

    /// <summary>Members on <c>cuda:N</c>: where measured latency curves are kept between runs; null uses the default store.</summary>
    public ProfileStore? Store { get; init; }

    /// <summary>Queue, batching pipeline and timeline settings of the runtime.</summary>
    public RuntimeOptions Runtime { get; init; } = new();

    /// <summary>Progress lines of long steps (measuring members on partitions, say) and one line per re-plan; null prints nothing.</summary>
    public Action<string>? Progress { get; init; }

    /// <summary>
    /// Cascades: re-plan, while running, when the observed exit ratios drift from the planned ones
    /// (<see cref="ExitRatioDriftOptions"/>); null never re-plans on its own, and neither does a spec that fixes the shares.
    /// </summary>
    public ExitRatioDriftOptions? ExitRatioDrift { get; init; }
}

/// <summary>
/// An ensemble or cascade ready to answer requests: the one entry point of the library. It owns the
/// members' graphs, the plan (from the cost model, or measured on real SM partitions for members on
/// <c>cuda:N</c>), the partitions and the runtime, and releases them in that order's reverse.
/// Every failure it reports is an <see cref="EsenException"/> whose kind says whose fault it is.
/// </summary>
/// <example>
/// <code>
/// await using var session = await EnsembleSession.LoadAsync("ensemble.json");
/// Tensor y = await session.InferAsync(x, cancellationToken);
/// </code>
/// </example>
public sealed class EnsembleSession : IAsyncDisposable
{
    private readonly SessionOptions _options;
    private readonly EnsembleRuntime _runtime;
    private readonly SemaphoreSlim _replanning = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Lock _replansGate = new();
    private readonly List<Replan> _replans = [];
    private State _state;
    private IReadOnlyList<StageStatistics> _sincePlan = [];
    private Task _driftReplan = Task.CompletedTask;

    private EnsembleSession(SessionOptions options, State state, EnsembleRuntime runtime)
    {
        _options = options;
        _state = state;
        _runtime = runtime;
        _runtime.SpansRecorded += (_, spans) => SpansRecorded?.Invoke(this, spans);
    }

    /// <summary>The spec, with the options' overrides applied (the latest one a re-plan switched to).</summary>
    public EnsembleSpec Spec => Models.Spec;

    /// <summary>The members' graphs and what is derived from them (cost-model work, predictions).</summary>
    public EnsembleModels Models => Volatile.Read(ref _state).Models;

    /// <summary>The shares the members run at: solved, or fixed by the spec (<see cref="RuntimePlan.IsFixed"/>).</summary>
    public RuntimePlan Plan => Volatile.Read(ref _state).Plan;

    /// <summary>The solver's result per device when planned on the cost model; empty when <see cref="Measured"/>.</summary>
    public IReadOnlyList<DevicePlan> DevicePlans => Volatile.Read(ref _state).DevicePlans;

    /// <summary>Members on <c>cuda:N</c>: the measured curves, the planned and unpartitioned runs and the mechanism chosen; null otherwise.</summary>
    public MeasuredPlan? Measured => Volatile.Read(ref _state).Measured;

    /// <summary>Cascades: the exit ratios the current plan assumed (per stage but the last); null when it assumed none, every stage planned for the whole batch.</summary>
    public IReadOnlyList<double>? PlannedExitRatios => Volatile.Read(ref _state).ExitRatios;

    /// <summary>The re-plan on exit-ratio drift in progress (<see cref="SessionOptions.ExitRatioDrift"/>); a completed task when none is. It does not fail: a failed re-plan is reported through <see cref="SessionOptions.Progress"/>.</summary>
    public Task PendingReplan => _driftReplan;

    /// <summary>Every re-plan so far, in order (<see cref="ReplanAsync"/>, member changes and exit-ratio drift).</summary>
    public IReadOnlyList<Replan> Replans
    {
        get
        {
            lock (_replansGate)
            {
                return [.. _replans];
            }
        }
    }

    /// <summary>The input every request carries: its name and shape, the first dimension the batch.</summary>
    public InputSpec Input => Spec.Input ?? new InputSpec(Models.Graphs[0].Inputs[0].Name, Models.Graphs[0].Inputs[0].Shape);

    /// <summary>The answers' shape, the first dimension the batch (every member of an ensemble or cascade answers alike).</summary>
    public TensorShape OutputShape => Models.Graphs[0].Outputs[0].Shape;

    /// <summary>Whether a member runs on a real CUDA device.</summary>
    public bool UsesCuda => UsesCudaDevice(Spec);

    /// <summary>Counts so far (batches, inputs, each cascade stage's reach and exits).</summary>
    public RuntimeStatistics Statistics => _runtime.Statistics;

    /// <summary>What each member's partition holds (spec order): its device, share, and cores or SMs.</summary>
    public IReadOnlyList<PartitionGrant> Grants => _runtime.Grants;

    /// <summary>Every member's span per batch so far (empty unless <see cref="RuntimeOptions.RecordTimeline"/>).</summary>
    public IReadOnlyList<TimelineEntry> Timeline => _runtime.Timeline;

    /// <summary>Raised with each batch's member spans as they are recorded, kept or not (<see cref="EnsembleRuntime.SpansRecorded"/>).</summary>
    public event EventHandler<SpansRecordedEventArgs>? SpansRecorded;

    /// <summary>Reads the spec file, loads its members, plans and starts the runtime.</summary>
    /// <exception cref="EsenException">A bad spec or model, an infeasible plan or an unavailable device (the message names it).</exception>
    public static Task<EnsembleSession> LoadAsync(string specPath, SessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specPath);
        return LoadAsync(() => EnsembleSpecReader.ReadFile(specPath), options, cancellationToken);
    }

    /// <summary>Loads the members of <paramref name="spec"/>, plans and starts the runtime.</summary>
    /// <exception cref="EsenException">A bad model, an infeasible plan or an unavailable device (the message names it).</exception>
    public static Task<EnsembleSession> LoadAsync(EnsembleSpec spec, SessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return LoadAsync(() => spec, options, cancellationToken);
    }

    /// <summary>
    /// Fails unless every <c>cuda:N</c> device of <paramref name="spec"/> is present; <see cref="LoadAsync(EnsembleSpec, SessionOptions?, CancellationToken)"/>
    /// checks it first too. A host calls it to fail before work of its own (reading inputs, say).
    /// </summary>
    /// <exception cref="EsenException">A device is missing (<see cref="EsenErrorKind.Unavailable"/>; the message names it and the probe's reason).</exception>
    public static void EnsureDevices(EnsembleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (UsesCudaDevice(spec))
        {
            try
            {
                CudaRunnerFactory.EnsureDevices(spec, NativeRuntime.Probe());
            }
            catch (NotSupportedException ex)
            {
                throw new EsenException(EsenErrorKind.Unavailable, ex.Message, ex);
            }
        }
    }

    /// <summary>
    /// Infers one request: <paramref name="input"/> is [rows, …sample] with rows ≥ 1 and the answer
    /// [rows, …output]. Requests from any number of callers are batched together; waits while the
    /// request queue is full.
    /// </summary>
    /// <exception cref="EsenException">The input does not fit the spec's input (<see cref="EsenErrorKind.BadInput"/>), or a member failed.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed (also for requests pending at disposal).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Tensor> InferAsync(Tensor input, CancellationToken cancellationToken = default)
    {
        Tensor output;
        try
        {
            output = await _runtime.InferAsync(input, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new EsenException(EsenErrorKind.BadInput, ex.Message, ex);
        }

        WatchExitRatios();
        return output;
    }

    /// <summary>
    /// Re-plans while serving and moves the members to the new partitions (<see cref="EnsembleRuntime.ReallocateAsync"/>):
    /// every request is answered exactly once, by the old partitions or the new; dispatch pauses only while the
    /// batches on the old partitions finish. The plan comes from the cost model (or measured curves on
    /// <c>cuda:N</c>) for the new spec, exit ratios or request rate; when the spec and the shares stay, nothing moves.
    /// A spec that fixes the shares (<see cref="MemberSpec.Share"/>) keeps them whatever the exit ratios or rate: only
    /// a new spec changes them, to its own fixed shares or, when it fixes none, to solved ones.
    /// </summary>
    /// <exception cref="EsenException">A bad spec or ratio (<see cref="EsenErrorKind.BadInput"/>), no feasible plan or an unavailable device; the session keeps running as before.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public async Task<Replan> ReplanAsync(ReplanRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        await _replanning.WaitAsync(cancel.Token);
        try
        {
            return await ReplanLockedAsync(request, cancel.Token);
        }
        catch (Exception ex) when (ex is not EsenException and not OperationCanceledException and not ObjectDisposedException && EsenException.From(ex) is { } esen)
        {
            throw esen;
        }
        finally
        {
            _replanning.Release();
        }
    }

    /// <summary>Adds a member while serving (<see cref="ReplanAsync"/>): a new ensemble member, or a cascade's new last stage.</summary>
    /// <param name="member">The member; its name must be new.</param>
    /// <param name="exitThreshold">Cascades: the exit threshold of the stage that was last until now (required there; unused for an ensemble).</param>
    /// <param name="cancellationToken">Cancels the re-plan before the switch.</param>
    /// <exception cref="EsenException">A taken name, a missing threshold, a model that does not load or fit, a member without a share added to a spec that fixes them (<see cref="EsenErrorKind.BadInput"/>), or no plan.</exception>
    public Task<Replan> AddMemberAsync(MemberSpec member, double? exitThreshold = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        EnsembleSpec spec = Spec;
        if (spec.Members.Any(m => m.Name == member.Name))
        {
            throw new EsenException(EsenErrorKind.BadInput, $"{spec.SourceName} already has a member named {member.Name}");
        }

        ExitSpec? exit = spec.Exit;
        if (spec.Kind == EnsembleKind.Cascade)
        {
            exit = exitThreshold is double threshold && threshold is >= 0 and <= 1
                ? new ExitSpec([.. spec.Exit!.Thresholds, threshold])
                : throw new EsenException(EsenErrorKind.BadInput, $"adding stage {member.Name} to cascade {spec.SourceName} needs the exit threshold (0..1) of its stage {spec.Members[^1].Name}");
        }

        return ReplanAsync(new ReplanRequest { Spec = spec with { Members = [.. spec.Members, member], Exit = exit }, Reason = $"member {member.Name} added" }, cancellationToken);
    }

    /// <summary>Removes a member while serving (<see cref="ReplanAsync"/>); a cascade stage takes its exit threshold with it.</summary>
    /// <exception cref="EsenException">An unknown name, or the last member (<see cref="EsenErrorKind.BadInput"/>).</exception>
    public Task<Replan> RemoveMemberAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        EnsembleSpec spec = Spec;
        int index = spec.Members.ToList().FindIndex(m => m.Name == name);
        if (index < 0)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"{spec.SourceName} has no member named {name}; members: {string.Join(", ", spec.Members.Select(m => m.Name))}");
        }

        if (spec.Members.Count == 1)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"{name} is the only member of {spec.SourceName}; it cannot be removed");
        }

        ExitSpec? exit = spec.Exit is { } cascade
            ? new ExitSpec([.. cascade.Thresholds.Where((_, k) => k != Math.Min(index, cascade.Thresholds.Count - 1))])
            : null;
        return ReplanAsync(new ReplanRequest { Spec = spec with { Members = [.. spec.Members.Where((_, i) => i != index)], Exit = exit }, Reason = $"member {name} removed" }, cancellationToken);
    }

    /// <summary>
    /// Infers every row of <paramref name="batch"/> ([N, …sample], float) as a request of its own, all
    /// at once, so they batch as independent clients' requests would; the answers are stacked in row order.
    /// </summary>
    /// <exception cref="EsenException">The batch is not float with N ≥ 1 rows of the spec's sample shape, or a member failed.</exception>
    public async Task<Tensor> InferRowsAsync(Tensor batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.DataType != DataType.Float32 || batch.Shape.Rank < 1 || batch.Shape[0] < 1)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"the input is {batch}; expected float with the batch as its first dimension");
        }

        int rows = checked((int)batch.Shape[0]);
        Tensor[] answers = await Task.WhenAll(Enumerable.Range(0, rows).Select(r => InferAsync(Row(batch, r), cancellationToken)));
        return Tensor.FromFloats(new TensorShape([rows, .. answers[0].Shape.Dimensions[1..]]), [.. answers.SelectMany(a => a.Floats)]);
    }

    /// <summary>
    /// The independent check of an ensemble's answers: <paramref name="outputs"/> against every member run
    /// alone on <paramref name="batch"/> by the CPU executor and combined by the spec's rule. The bound is
    /// the CUDA executor's for the spec's precision when a member runs on a GPU; on the CPU, float
    /// rounding (batched and single-row GEMMs block their sums differently).
    /// </summary>
    /// <exception cref="NotSupportedException">A cascade: which stage answers a row depends on the run's exits.</exception>
    public ReferenceCheck CheckAgainstCpu(Tensor batch, Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(outputs);
        ReferenceComparison comparison = CpuReference.Compare(outputs.Floats, CpuReference.Run(Spec, Models.Graphs, batch).Floats);
        return UsesCuda
            ? new ReferenceCheck(comparison, new GpuMath(Spec.Precision).CpuRelativeL2Tolerance, comparison.RelativeL2)
            : new ReferenceCheck(comparison, 1e-4, comparison.MaxAbsDifference / Math.Max(1, comparison.MaxMagnitude));
    }

    /// <summary>Stops the runtime (requests not answered yet fail with <see cref="ObjectDisposedException"/>), then releases the partitions.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        await _closing.CancelAsync();
        await _replanning.WaitAsync();
        await _driftReplan;
        await _runtime.DisposeAsync();
        _state.Partitions?.Dispose();
        _closing.Dispose();
        _replanning.Dispose();
    }

    private static async Task<EnsembleSession> LoadAsync(Func<EnsembleSpec> read, SessionOptions? options, CancellationToken cancellationToken)
    {
        options ??= new SessionOptions();
        try
        {
            // Loading graphs and measuring on partitions take seconds; the caller's thread stays free.
            return await Task.Run(() => Load(read(), options), cancellationToken);
        }
        catch (Exception ex) when (ex is not EsenException && EsenException.From(ex) is { } esen)
        {
            throw esen;
        }
    }

    [SuppressMessage("Reliability", "CA2000", Justification = "The runtime is owned by the session it is handed to.")]
    private static EnsembleSession Load(EnsembleSpec spec, SessionOptions options)
    {
        if (options.Precision is { } precision)
        {
            spec = spec with { Precision = precision };
        }

        // Before loading anything, so a missing GPU is the first and only complaint.
        EnsureDevices(spec);

        options.ExitRatioDrift?.Validate();
        EnsembleModels models = EnsembleModels.Load(spec);
        (State state, RuntimeOptions runtimeOptions, IMemberRunnerFactory runners) = PlanState(models, options, spec.Batching.MaxBatch, null);
        try
        {
            EnsembleRuntime runtime = EnsembleRuntime.Create(spec, state.Plan, runners, runtimeOptions);
            return new EnsembleSession(options, state, runtime);
        }
        catch
        {
            state.Partitions?.Dispose();
            throw;
        }
    }

    /// <summary>Plans <paramref name="models"/> (measured on <c>cuda:N</c>, else the cost model) and makes the runners for the plan.</summary>
    private static (State State, RuntimeOptions Runtime, IMemberRunnerFactory Runners) PlanState(EnsembleModels models, SessionOptions options, int batch, IReadOnlyList<double>? exitRatios)
    {
        EnsembleSpec spec = models.Spec;
        RuntimePlan plan;
        IReadOnlyList<DevicePlan> devicePlans = [];
        MeasuredPlan? measured = null;
        if (RuntimePlan.Fixed(spec) is { } fixedPlan)
        {
            // The spec fixes the shares (an exported plan, say): nothing is measured or solved, and exit ratios
            // and request rates do not move them; only a spec with other shares does.
            plan = options.Solver is { } solver
                ? throw new EsenException(EsenErrorKind.BadInput, $"{spec.SourceName}: the members' shares fix the plan (members[].share), so solver '{solver}' has nothing to plan; remove the shares or the solver")
                : fixedPlan;
        }
        else if (UsesCudaDevice(spec))
        {
            // Measured curves are at the spec's batch; exit ratios and rates only change cost-model plans.
            measured = MeasuredPlanner.Plan(
                models, d => new CudaGpuMeasurer(d.Ordinal, CudaRunnerFactory.ExecutorOptions(spec, d)), options.Store ?? new ProfileStore(), options.Mechanism, options.Solver, options.Progress);
            plan = measured.Plan;
        }
        else
        {
            (plan, devicePlans) = models.Plan(options.Solver, batch, exitRatios);
        }

        RuntimeOptions runtimeOptions = options.Runtime with
        {
            VirtualTiming = options.Runtime.VirtualTiming ?? models.Timing,
            SmPartitionMechanism = measured?.Mechanism ?? options.Mechanism ?? options.Runtime.SmPartitionMechanism,
        };
        IMemberRunnerFactory runners = models.Runners(plan, runtimeOptions);
        return (new State(models, plan, devicePlans, measured, runners as IDisposable, batch, exitRatios, runtimeOptions.VirtualTiming), runtimeOptions, runners);
    }

    private async Task<Replan> ReplanLockedAsync(ReplanRequest request, CancellationToken cancellationToken)
    {
        State before = _state;
        EnsembleSpec spec = request.Spec is { } given ? given with { Precision = _options.Precision ?? given.Precision } : before.Models.Spec;
        CheckSpec(spec);
        EnsureDevices(spec);
        bool sameStages = spec.Members.Count == before.Models.Spec.Members.Count && spec.Kind == before.Models.Spec.Kind;
        IReadOnlyList<double>? exitRatios = request.ExitRatios ?? (sameStages ? before.ExitRatios : null);
        if (exitRatios is not null)
        {
            CheckExitRatios(spec, exitRatios);
        }

        int batch = request.RequestRate is double rate
            ? RowsAtRate(spec.Batching, rate)
            : request.Spec is null ? before.PlanBatch : spec.Batching.MaxBatch;

        // Loading new members and solving take a while; the runtime keeps serving on the old plan meanwhile.
        (State next, _, IMemberRunnerFactory runners) = await Task.Run(() => PlanState(before.Models.With(spec), _options, batch, exitRatios), cancellationToken);
        Reallocation? reallocation = null;
        try
        {
            if (!SameRunning(spec, before.Models.Spec) || !next.Plan.Shares.SequenceEqual(before.Plan.Shares))
            {
                reallocation = await _runtime.ReallocateAsync(spec, next.Plan, runners, next.VirtualTiming, cancellationToken);
            }
        }
        catch
        {
            next.Partitions?.Dispose();
            throw;
        }

        if (reallocation is null)
        {
            // Nothing moved: the runners made for the plan were never used.
            next.Partitions?.Dispose();
            next = next with { Partitions = before.Partitions };
        }
        else
        {
            before.Partitions?.Dispose();
        }

        Volatile.Write(ref _state, next);
        _sincePlan = _runtime.Statistics.Stages;
        var replan = new Replan(request.Reason, before.Plan, next.Plan, batch, exitRatios, reallocation);
        lock (_replansGate)
        {
            _replans.Add(replan);
        }

        _options.Progress?.Invoke(replan.ToString());
        return replan;
    }

    /// <summary>Cascades with <see cref="SessionOptions.ExitRatioDrift"/>: starts a re-plan in the background when the observed exit ratios drift from the planned ones.</summary>
    private void WatchExitRatios()
    {
        if (_options.ExitRatioDrift is not { } drift || Spec.Kind != EnsembleKind.Cascade || Plan.IsFixed || !_driftReplan.IsCompleted || _closing.IsCancellationRequested)
        {
            return;
        }

        lock (_replansGate)
        {
            if (!_driftReplan.IsCompleted)
            {
                return;
            }

            IReadOnlyList<StageStatistics> now = _runtime.Statistics.Stages;
            IReadOnlyList<StageStatistics> baseline = _sincePlan;
            StageStatistics[] since = [.. now.Select(s => baseline.FirstOrDefault(b => b.Member == s.Member) is { } b ? s with { Reached = s.Reached - b.Reached, Exited = s.Exited - b.Exited } : s)];
            IReadOnlyList<double> planned = PlannedExitRatios ?? [.. Enumerable.Repeat(0.0, now.Count - 1)];
            if (drift.Drifted(planned, since) is not { } observed)
            {
                return;
            }

            string reason = "exit ratios drifted: " + string.Join(", ", observed.Select((r, k) =>
                string.Create(CultureInfo.InvariantCulture, $"{now[k].Member} {r:P1} observed, {planned[k]:P1} planned")));
            _driftReplan = ReplanOnDriftAsync(new ReplanRequest { ExitRatios = observed, Reason = reason });
        }
    }

    private async Task ReplanOnDriftAsync(ReplanRequest request)
    {
        // Off the caller's path: the request that noticed the drift already has its answer.
        await Task.Yield();
        try
        {
            await ReplanAsync(request, _closing.Token);
        }
        catch (Exception ex) when (ex is EsenException or OperationCanceledException or ObjectDisposedException)
        {
            if (!_closing.IsCancellationRequested)
            {
                _options.Progress?.Invoke($"re-planning on exit-ratio drift failed, the current plan stays: {ex.Message}");
            }
        }
    }

    /// <summary>What the spec reader checks of a file, for a spec a host builds in code: members, names and thresholds.</summary>
    private static void CheckSpec(EnsembleSpec spec)
    {
        string? repeated = spec.Members.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1)?.Key;
        string? problem = spec.Members.Count == 0 ? "has no member"
            : repeated is not null ? $"names two members {repeated}"
            : spec.Kind == EnsembleKind.Cascade && spec.Exit?.Thresholds.Count != spec.Members.Count - 1
                ? $"is a cascade of {spec.Members.Count} stages with {spec.Exit?.Thresholds.Count ?? 0} exit thresholds (one per stage but the last)"
            : null;
        if (problem is not null)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"{spec.SourceName} {problem}");
        }
    }

    private static void CheckExitRatios(EnsembleSpec spec, IReadOnlyList<double> exitRatios)
    {
        if (spec.Kind != EnsembleKind.Cascade)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"{spec.SourceName} is an ensemble: exit ratios are for cascades");
        }

        if (exitRatios.Count != spec.Members.Count - 1 || exitRatios.Any(r => !(r is >= 0 and <= 1)))
        {
            throw new EsenException(EsenErrorKind.BadInput,
                $"cascade {spec.SourceName} needs {spec.Members.Count - 1} exit ratios in [0, 1] (one per stage but the last), got [{string.Join(", ", exitRatios.Select(r => r.ToString(CultureInfo.InvariantCulture)))}]");
        }
    }

    private static int RowsAtRate(BatchingSpec batching, double rate)
    {
        try
        {
            return batching.RowsAtRate(rate);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"request rate {rate.ToString(CultureInfo.InvariantCulture)}: {ex.Message}", ex);
        }
    }

    /// <summary>Whether two specs run the same way (same members, rule, thresholds, batching, input, precision), so equal shares need no move.</summary>
    private static bool SameRunning(EnsembleSpec a, EnsembleSpec b) =>
        a.Kind == b.Kind && a.Combine == b.Combine && a.Device == b.Device && a.Members.SequenceEqual(b.Members) && a.Batching == b.Batching
        && a.Input == b.Input && a.Precision == b.Precision && a.Cuda == b.Cuda
        && (a.Exit?.Thresholds ?? []).SequenceEqual(b.Exit?.Thresholds ?? []);

    private static bool UsesCudaDevice(EnsembleSpec spec) => Enumerable.Range(0, spec.Members.Count).Any(i => spec.DeviceOf(i).Kind == DeviceKind.Cuda);

    private static Tensor Row(Tensor batch, int row)
    {
        int length = checked((int)batch.Shape.Product(1, batch.Shape.Rank));
        return Tensor.FromFloats(new TensorShape([1, .. batch.Shape.Dimensions[1..]]), batch.Floats.AsSpan(row * length, length).ToArray());
    }
}

/// <summary>What a session runs with: the models, their plan and the partitions' owner, replaced together by a re-plan.</summary>
internal sealed record State(
    EnsembleModels Models, RuntimePlan Plan, IReadOnlyList<DevicePlan> DevicePlans, MeasuredPlan? Measured, IDisposable? Partitions,
    int PlanBatch, IReadOnlyList<double>? ExitRatios, Func<DeviceSpec, Timing.IVirtualDeviceTiming>? VirtualTiming);

/// <summary>An ensemble's answers against the CPU reference (<see cref="EnsembleSession.CheckAgainstCpu"/>).</summary>
/// <param name="Comparison">The element-wise comparison.</param>
/// <param name="Bound">The largest <paramref name="Error"/> that passes.</param>
/// <param name="Error">Relative L2 on a GPU; max |difference| over max(1, max |reference|) on the CPU.</param>
public sealed record ReferenceCheck(ReferenceComparison Comparison, double Bound, double Error)
{
    /// <summary>Whether the answers agree with the reference within <see cref="Bound"/>.</summary>
    public bool Passed => Error <= Bound;
}
