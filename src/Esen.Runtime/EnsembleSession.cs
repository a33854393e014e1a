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

    /// <summary>Progress lines of long steps (measuring members on partitions, say); null prints nothing.</summary>
    public Action<string>? Progress { get; init; }
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
    private readonly IDisposable? _partitions;
    private readonly EnsembleRuntime _runtime;

    private EnsembleSession(EnsembleModels models, RuntimePlan plan, IReadOnlyList<DevicePlan> devicePlans, MeasuredPlan? measured, IDisposable? partitions, EnsembleRuntime runtime)
    {
        Models = models;
        Plan = plan;
        DevicePlans = devicePlans;
        Measured = measured;
        _partitions = partitions;
        _runtime = runtime;
        _runtime.SpansRecorded += (_, spans) => SpansRecorded?.Invoke(this, spans);
    }

    /// <summary>The spec, with the options' overrides applied.</summary>
    public EnsembleSpec Spec => Models.Spec;

    /// <summary>The members' graphs and what is derived from them (cost-model work, predictions).</summary>
    public EnsembleModels Models { get; }

    /// <summary>The shares the members run at.</summary>
    public RuntimePlan Plan { get; }

    /// <summary>The solver's result per device when planned on the cost model; empty when <see cref="Measured"/>.</summary>
    public IReadOnlyList<DevicePlan> DevicePlans { get; }

    /// <summary>Members on <c>cuda:N</c>: the measured curves, the planned and unpartitioned runs and the mechanism chosen; null otherwise.</summary>
    public MeasuredPlan? Measured { get; }

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
        try
        {
            return await _runtime.InferAsync(input, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new EsenException(EsenErrorKind.BadInput, ex.Message, ex);
        }
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
        await _runtime.DisposeAsync();
        _partitions?.Dispose();
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

    private static EnsembleSession Load(EnsembleSpec spec, SessionOptions options)
    {
        if (options.Precision is { } precision)
        {
            spec = spec with { Precision = precision };
        }

        // Before loading anything, so a missing GPU is the first and only complaint.
        EnsureDevices(spec);
        bool cuda = UsesCudaDevice(spec);

        EnsembleModels models = EnsembleModels.Load(spec);
        RuntimePlan plan;
        IReadOnlyList<DevicePlan> devicePlans = [];
        MeasuredPlan? measured = null;
        if (cuda)
        {
            measured = MeasuredPlanner.Plan(
                models, d => new CudaGpuMeasurer(d.Ordinal, CudaRunnerFactory.ExecutorOptions(spec, d)), options.Store ?? new ProfileStore(), options.Mechanism, options.Solver, options.Progress);
            plan = measured.Plan;
        }
        else
        {
            (plan, devicePlans) = models.Plan(options.Solver);
        }

        RuntimeOptions runtimeOptions = options.Runtime with
        {
            VirtualTiming = options.Runtime.VirtualTiming ?? models.Timing,
            SmPartitionMechanism = measured?.Mechanism ?? options.Mechanism ?? options.Runtime.SmPartitionMechanism,
        };
        IMemberRunnerFactory runners = models.Runners(plan, runtimeOptions);
        var partitions = runners as IDisposable;
        try
        {
            return new EnsembleSession(models, plan, devicePlans, measured, partitions, EnsembleRuntime.Create(spec, plan, runners, runtimeOptions));
        }
        catch
        {
            partitions?.Dispose();
            throw;
        }
    }

    private static bool UsesCudaDevice(EnsembleSpec spec) => Enumerable.Range(0, spec.Members.Count).Any(i => spec.DeviceOf(i).Kind == DeviceKind.Cuda);

    private static Tensor Row(Tensor batch, int row)
    {
        int length = checked((int)batch.Shape.Product(1, batch.Shape.Rank));
        return Tensor.FromFloats(new TensorShape([1, .. batch.Shape.Dimensions[1..]]), batch.Floats.AsSpan(row * length, length).ToArray());
    }
}

/// <summary>An ensemble's answers against the CPU reference (<see cref="EnsembleSession.CheckAgainstCpu"/>).</summary>
/// <param name="Comparison">The element-wise comparison.</param>
/// <param name="Bound">The largest <paramref name="Error"/> that passes.</param>
/// <param name="Error">Relative L2 on a GPU; max |difference| over max(1, max |reference|) on the CPU.</param>
public sealed record ReferenceCheck(ReferenceComparison Comparison, double Bound, double Error)
{
    /// <summary>Whether the answers agree with the reference within <see cref="Bound"/>.</summary>
    public bool Passed => Error <= Bound;
}
