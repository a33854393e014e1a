using System.Diagnostics;
using System.Threading.Channels;
using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Execution;
using Esen.Runtime.Pipeline;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;
using Esen.Solver.Devices;

namespace Esen.Runtime;

/// <summary>
/// Runs an ensemble or a cascade as an asynchronous pipeline: requests → dynamic batching →
/// prediction on every member's partition → combination (ensemble) or stage-by-stage early exit
/// (cascade). Queues are bounded, so callers feel backpressure; every request gets its own answer.
/// </summary>
/// <example>
/// <code>
/// await using var runtime = EnsembleRuntime.Create(spec, plan, runners);
/// Tensor y = await runtime.InferAsync(x, cancellationToken);
/// </code>
/// </example>
public sealed class EnsembleRuntime : IAsyncDisposable
{
    private readonly RuntimeOptions _options;
    private readonly TensorShape _sampleShape;
    private readonly Channel<InferenceRequest> _requests;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly Lock _timelineGate = new();
    private readonly List<TimelineEntry> _timeline = [];
    private readonly Dictionary<DeviceSpec, double> _virtualClocks = [];
    private readonly Task _batching;

    // Held by the batcher while it hands a batch to the partitions, and by a reallocation while it
    // switches them: no batch is dispatched half to the old partitions and half to the new.
    private readonly SemaphoreSlim _dispatchGate = new(1, 1);
    private readonly SemaphoreSlim _reallocating = new(1, 1);
    private readonly Lock _statisticsGate = new();
    private readonly Dictionary<string, (long Reached, long Exited)> _retiredStages = new(StringComparer.Ordinal);
    private readonly List<Reallocation> _reallocations = [];
    private Func<DeviceSpec, IVirtualDeviceTiming>? _virtualTiming;
    private Deployment _current;
    private long _batches;
    private long _rows;
    private int _disposed;

    private EnsembleRuntime(EnsembleSpec spec, RuntimePlan plan, IMemberRunnerFactory runners, RuntimeOptions options)
    {
        _options = options;
        _virtualTiming = options.VirtualTiming;
        try
        {
            _current = Deploy(spec, plan, runners, _virtualTiming);
        }
        catch
        {
            _stop.Dispose();
            _dispatchGate.Dispose();
            _reallocating.Dispose();
            throw;
        }

        _sampleShape = SampleShapeOf(_current);
        _requests = Channel.CreateBounded<InferenceRequest>(new BoundedChannelOptions(options.RequestQueueCapacity) { SingleReader = true });
        _batching = Task.Run(BatchLoopAsync);
    }

    /// <summary>What each member was granted, in spec order.</summary>
    public IReadOnlyList<PartitionGrant> Grants => Volatile.Read(ref _current).Grants;

    /// <summary>The spec being run (the latest one a <see cref="ReallocateAsync"/> switched to).</summary>
    public EnsembleSpec Spec => Volatile.Read(ref _current).Spec;

    /// <summary>
    /// Counts so far: batches, inputs, each cascade stage's reach and exits (a stage's counts carry over
    /// reallocations that keep its member name) and the reallocations with their pauses.
    /// </summary>
    public RuntimeStatistics Statistics
    {
        get
        {
            lock (_statisticsGate)
            {
                Deployment current = _current;
                StageStatistics[] stages = current.Spec.Kind == EnsembleKind.Cascade
                    ? [.. current.Spec.Members.Select((m, k) =>
                    {
                        (long reached, long exited) = _retiredStages.GetValueOrDefault(m.Name);
                        return new StageStatistics(m.Name, reached + Interlocked.Read(ref current.Reached[k]), exited + Interlocked.Read(ref current.Exited[k]));
                    })]
                    : [];
                return new RuntimeStatistics(Interlocked.Read(ref _batches), Interlocked.Read(ref _rows), stages)
                {
                    Reallocations = [.. _reallocations],
                };
            }
        }
    }

    /// <summary>
    /// Raised with one batch's member spans (on the thread that ran the batch) whether or not
    /// <see cref="RuntimeOptions.RecordTimeline"/> keeps them, so a long-running host can observe
    /// spans without the timeline growing.
    /// </summary>
    public event EventHandler<SpansRecordedEventArgs>? SpansRecorded;

    /// <summary>Every member's span per batch so far, ordered by batch then member.</summary>
    public IReadOnlyList<TimelineEntry> Timeline
    {
        get
        {
            lock (_timelineGate)
            {
                List<string> members = [.. Spec.Members.Select(m => m.Name)];
                return [.. _timeline.OrderBy(e => e.Batch).ThenBy(e => members.IndexOf(e.Member))];
            }
        }
    }

    /// <summary>Builds the partitions (one runner per member, sized by the plan) and starts the pipeline.</summary>
    /// <exception cref="NotSupportedException">A member's device is unavailable (no GPU; no timing for a simulated device).</exception>
    public static EnsembleRuntime Create(EnsembleSpec spec, RuntimePlan plan, IMemberRunnerFactory runners, RuntimeOptions? options = null)
    {
        options ??= new RuntimeOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RequestQueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchesInFlight, 1);
        CheckPlan(spec, plan);
        return new EnsembleRuntime(spec, plan, runners, options);
    }

    /// <summary>
    /// Infers one request: <paramref name="input"/> is [rows, …sample] with rows ≥ 1; the answer is
    /// [rows, …output]. Waits while the request queue is full.
    /// </summary>
    /// <exception cref="ArgumentException">The input's type or sample shape does not match the ensemble's input.</exception>
    /// <exception cref="ObjectDisposedException">The runtime was disposed (also for requests pending at disposal).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<Tensor> InferAsync(Tensor input, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        CheckInput(input);
        var request = new InferenceRequest(input, cancellationToken);
        try
        {
            await _requests.Writer.WriteAsync(request, cancellationToken);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException($"the runtime of {Spec.SourceName} is disposed", ex);
        }

        return await request.Task;
    }

    /// <summary>
    /// Moves the pipeline to new partitions while it serves: builds a runner per member of
    /// <paramref name="spec"/> for <paramref name="plan"/> alongside the running ones (requests keep
    /// being admitted and dispatched to the old partitions meanwhile), then stops dispatching, lets every
    /// batch already on the old partitions finish and answer, and switches dispatch to the new ones. No
    /// request is lost or answered twice: a request is either in a batch that the old partitions finish,
    /// or still queued and batched for the new ones. Each new runner runs a zero input first (executors
    /// plan and make weights on their first batch). The pause, from dispatch stopping to dispatch
    /// resuming, is measured; the old runners are disposed after it.
    /// </summary>
    /// <param name="spec">The spec to run from now on: members may be added, removed or changed, but every request must still fit, so its sample shape must be the current one.</param>
    /// <param name="plan">A share per member of <paramref name="spec"/>.</param>
    /// <param name="runners">Creates the new runners; the caller keeps owning it (and the previous factory until this returns).</param>
    /// <param name="virtualTiming">The timing of each simulated device for the new members (their indices are <paramref name="spec"/>'s); null keeps the current one, right when the members stay.</param>
    /// <param name="cancellationToken">Cancels the wait for another reallocation in progress and the build; not the switch once it began.</param>
    /// <exception cref="ArgumentException">The plan does not fit the spec, or the spec takes another sample shape.</exception>
    /// <exception cref="NotSupportedException">A member's device is unavailable (the old partitions keep running).</exception>
    /// <exception cref="ObjectDisposedException">The runtime was disposed.</exception>
    public async Task<Reallocation> ReallocateAsync(
        EnsembleSpec spec, RuntimePlan plan, IMemberRunnerFactory runners, Func<DeviceSpec, IVirtualDeviceTiming>? virtualTiming = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(runners);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        CheckPlan(spec, plan);
        await _reallocating.WaitAsync(cancellationToken);
        Deployment? next = null;
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            long buildStart = Stopwatch.GetTimestamp();
            next = Deploy(spec, plan, runners, virtualTiming ?? _virtualTiming);
            if (!SampleShapeOf(next).Dimensions.SequenceEqual(_sampleShape.Dimensions))
            {
                throw new ArgumentException($"{spec.SourceName} takes samples of shape {SampleShapeOf(next)}; the running pipeline's requests are {_sampleShape}", nameof(spec));
            }

            // The first batch plans an executor and makes its weights: a zero input pays for it before the switch, not a request after it.
            Tensor warmUp = Tensor.Zeros(DataType.Float32, new TensorShape([1, .. _sampleShape.Dimensions]));
            await Task.WhenAll(next.Partitions.Select(p => p.RunAsync(warmUp, cancellationToken)));
            TimeSpan build = Stopwatch.GetElapsedTime(buildStart);
            try
            {
                await _dispatchGate.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException ex)
            {
                throw new ObjectDisposedException($"the runtime of {Spec.SourceName} was disposed during a reallocation", ex);
            }

            long pauseStart = Stopwatch.GetTimestamp();
            Deployment previous = _current;
            long drained;
            try
            {
                drained = Interlocked.Read(ref previous.Dispatched) - Interlocked.Read(ref previous.Finished);
                previous.CompleteInput();
                await Task.WhenAll(previous.Downstream);
                lock (_statisticsGate)
                {
                    for (int k = 0; k < previous.Reached.Length; k++)
                    {
                        string name = previous.Spec.Members[k].Name;
                        (long reached, long exited) = _retiredStages.GetValueOrDefault(name);
                        _retiredStages[name] = (reached + previous.Reached[k], exited + previous.Exited[k]);
                    }

                    Volatile.Write(ref _current, next);
                    _virtualTiming = virtualTiming ?? _virtualTiming;
                }
            }
            finally
            {
                _dispatchGate.Release();
            }

            TimeSpan pause = Stopwatch.GetElapsedTime(pauseStart);
            Deployment old = previous;
            next = null;
            old.Dispose();
            var reallocation = new Reallocation(
                [.. old.Spec.Members.Select(m => m.Name)], old.Grants, [.. spec.Members.Select(m => m.Name)], _current.Grants, build, pause, drained);
            lock (_statisticsGate)
            {
                _reallocations.Add(reallocation);
            }

            return reallocation;
        }
        finally
        {
            if (next is not null)
            {
                // Never switched to: its loops end on the completed input before its partitions go.
                next.CompleteInput();
                await Task.WhenAll(next.Downstream);
            }

            next?.Dispose();

            _reallocating.Release();
        }
    }

    /// <summary>
    /// Stops the pipeline: requests not answered yet fail with <see cref="ObjectDisposedException"/>,
    /// worker threads end and runners are disposed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _requests.Writer.TryComplete();
        await _stop.CancelAsync();
        await _batching;

        // A reallocation in progress ends first (it sees the stop), so the partitions disposed below are the last ones.
        await _reallocating.WaitAsync();
        Deployment current = _current;
        current.CompleteInput();
        await Task.WhenAll(current.Downstream);
        current.Dispose();
        _stop.Dispose();
        _dispatchGate.Dispose();
        _reallocating.Dispose();
    }

    private static void CheckPlan(EnsembleSpec spec, RuntimePlan plan)
    {
        if (plan.Shares.Length != spec.Members.Count)
        {
            throw new ArgumentException($"the plan has {plan.Shares.Length} shares for {spec.Members.Count} members", nameof(plan));
        }
    }

    private static TensorShape SampleShapeOf(Deployment deployment) => deployment.Spec.Input is { } input
        ? new TensorShape(input.Shape.Dimensions[1..])
        : new TensorShape(deployment.Partitions[0].Runner.InputShape.Dimensions[1..]);

    /// <summary>Builds a runner and a partition per member and starts the combiner (ensemble) or the stage loops (cascade).</summary>
    private Deployment Deploy(EnsembleSpec spec, RuntimePlan plan, IMemberRunnerFactory runners, Func<DeviceSpec, IVirtualDeviceTiming>? virtualTiming)
    {
        var timings = new Dictionary<DeviceSpec, IVirtualDeviceTiming>();
        PartitionGrant[] grants = [.. spec.Members.Select((m, i) => Grant(spec.DeviceOf(i), plan.Shares[i], timings, virtualTiming))];

        var partitions = new Partition[spec.Members.Count];
        try
        {
            for (int i = 0; i < partitions.Length; i++)
            {
                IMemberRunner runner = runners.Create(spec, i, grants[i]);
                partitions[i] = new Partition(spec.Members[i].Name, runner, _options.BatchesInFlight, _stop.Token);
            }
        }
        catch
        {
            foreach (Partition? partition in partitions)
            {
                partition?.Dispose();
            }

            throw;
        }

        var deployment = new Deployment(spec, grants, partitions, timings, _options.BatchesInFlight);
        lock (_timelineGate)
        {
            // Simulated stages start where their device's clock stands, not at the runtime's start.
            for (int k = 0; k < partitions.Length; k++)
            {
                deployment.StageVirtualFree[k] = _virtualClocks.GetValueOrDefault(spec.DeviceOf(k));
            }
        }

        deployment.Downstream = spec.Kind == EnsembleKind.Ensemble
            ? [Task.Run(() => CombineLoopAsync(deployment))]
            : [.. Enumerable.Range(0, spec.Members.Count).Select(k => Task.Run(() => StageLoopAsync(deployment, k)))];
        return deployment;
    }

    private static PartitionGrant Grant(DeviceSpec device, int share, Dictionary<DeviceSpec, IVirtualDeviceTiming> timings, Func<DeviceSpec, IVirtualDeviceTiming>? timingOf)
    {
        switch (device.Kind)
        {
            case DeviceKind.Cpu:
                return new PartitionGrant(device, share, CpuDevice.CoresForShare(share, Environment.ProcessorCount));
            case DeviceKind.Simulated:
                if (!timings.TryGetValue(device, out IVirtualDeviceTiming? timing))
                {
                    timings[device] = timing = timingOf?.Invoke(device)
                        ?? throw new NotSupportedException($"device {device}: no simulator timing was given for the simulated GPU (RuntimeOptions.VirtualTiming)");
                }

                return new PartitionGrant(device, share, timing.UnitsForShare(share));
            default:
                // The SM count is the runner factory's to find: it owns the CUDA context.
                return new PartitionGrant(device, share, 0);
        }
    }

    private void CheckInput(Tensor input)
    {
        TensorShape shape = input.Shape;
        if (input.DataType != DataType.Float32 || shape.Rank != _sampleShape.Rank + 1 || shape[0] < 1
            || !shape.Dimensions[1..].SequenceEqual(_sampleShape.Dimensions))
        {
            throw new ArgumentException(
                $"input {input} does not match {Spec.SourceName}: expected float[rows,{string.Join(',', _sampleShape.Dimensions.ToArray())}] with rows ≥ 1",
                nameof(input));
        }
    }

    private async Task BatchLoopAsync()
    {
        ChannelReader<InferenceRequest> reader = _requests.Reader;
        InferenceRequest? carried = null;
        var members = new List<InferenceRequest>();
        int index = 0;
        try
        {
            while (true)
            {
                InferenceRequest? first = carried ?? await NextLiveAsync(reader);
                carried = null;
                if (first is null)
                {
                    break;
                }

                // Read per batch: a reallocation may have changed the batching.
                BatchingSpec batching = Spec.Batching;
                int maxBatch = batching.MaxBatch;
                TimeSpan maxDelay = TimeSpan.FromMilliseconds(batching.MaxDelayMs);
                members.Clear();
                members.Add(first);
                int rows = first.Rows;
                long opened = Stopwatch.GetTimestamp();
                while (rows < maxBatch)
                {
                    if (reader.TryRead(out InferenceRequest? next))
                    {
                        if (next.IsFinished)
                        {
                            continue;
                        }

                        if (rows + next.Rows > maxBatch)
                        {
                            carried = next;
                            break;
                        }

                        members.Add(next);
                        rows += next.Rows;
                        continue;
                    }

                    TimeSpan left = maxDelay - Stopwatch.GetElapsedTime(opened);
                    if (left <= TimeSpan.Zero || !await WaitAsync(reader, left))
                    {
                        break;
                    }
                }

                members.RemoveAll(r => r.IsFinished);
                if (members.Count == 0)
                {
                    continue;
                }

                Batch batch = Batch.Stack(index++, members);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _rows, batch.Rows);
                await _dispatchGate.WaitAsync(_stop.Token);
                try
                {
                    await DispatchAsync(_current, batch);
                }
                finally
                {
                    _dispatchGate.Release();
                }

                // Dispatched: its requests are the partitions' to answer now.
                members.Clear();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal: what is still queued is failed below.
        }
        finally
        {
            var disposed = new ObjectDisposedException($"the runtime of {Spec.SourceName} was disposed before answering");
            carried?.Fail(disposed);
            foreach (InferenceRequest request in members.Where(r => !r.IsFinished))
            {
                request.Fail(disposed);
            }

            while (reader.TryRead(out InferenceRequest? left))
            {
                left.Fail(disposed);
            }
        }
    }

    private async Task<InferenceRequest?> NextLiveAsync(ChannelReader<InferenceRequest> reader)
    {
        while (await reader.WaitToReadAsync(_stop.Token))
        {
            while (reader.TryRead(out InferenceRequest? request))
            {
                if (!request.IsFinished)
                {
                    return request;
                }
            }
        }

        return null;
    }

    private async Task<bool> WaitAsync(ChannelReader<InferenceRequest> reader, TimeSpan timeout)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timer.CancelAfter(timeout);
        try
        {
            return await reader.WaitToReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task DispatchAsync(Deployment deployment, Batch batch)
    {
        if (deployment.Ensemble is not { } ensemble)
        {
            await deployment.StageQueues[0].Writer.WriteAsync(batch, _stop.Token);
            Interlocked.Increment(ref deployment.Dispatched);
            return;
        }

        // The slot bounds the batches in flight; the partitions' queues are as deep, so the writes below do not wait.
        await ensemble.Slots.WaitAsync(_stop.Token);
        Task<PartitionResult>[] results = [.. deployment.Partitions.Select(p => p.RunAsync(batch.Input, _stop.Token))];
        await ensemble.Batches.Writer.WriteAsync((batch, results), _stop.Token);
        Interlocked.Increment(ref deployment.Dispatched);
    }

    private async Task CombineLoopAsync(Deployment deployment)
    {
        EnsembleSpec spec = deployment.Spec;
        EnsemblePath ensemble = deployment.Ensemble!;
        double[] weights = [.. spec.Members.Select(m => m.Weight)];
        await foreach ((Batch batch, Task<PartitionResult>[] pending) in ensemble.Batches.Reader.ReadAllAsync())
        {
            try
            {
                PartitionResult[] results = await Task.WhenAll(pending);
                Record(deployment, batch, [.. Enumerable.Range(0, results.Length)], results);
                batch.Scatter(Combiner.Combine(spec.Combine, [.. results.Select(r => r.Output)], weights));
            }
            catch (Exception ex)
            {
                batch.Fail(Translate(ex));
            }
            finally
            {
                ensemble.Slots.Release();
                Interlocked.Increment(ref deployment.Finished);
            }
        }
    }

    private async Task StageLoopAsync(Deployment deployment, int stage)
    {
        EnsembleSpec spec = deployment.Spec;
        bool last = stage == spec.Members.Count - 1;
        try
        {
            await foreach (Batch batch in deployment.StageQueues[stage].Reader.ReadAllAsync())
            {
                Batch? next = null;
                try
                {
                    PartitionResult result = await deployment.Partitions[stage].RunAsync(batch.Input, _stop.Token);
                    Record(deployment, batch, [stage], [result]);
                    bool[] exits = last ? [.. Enumerable.Repeat(true, batch.Rows)] : CascadeExit.Exits(result.Output, spec.Exit!.Thresholds[stage]);
                    // Counted before answering, so a caller that saw its answer sees the counts that include it.
                    Interlocked.Add(ref deployment.Reached[stage], batch.Rows);
                    Interlocked.Add(ref deployment.Exited[stage], exits.Count(e => e));
                    Answer(batch, result.Output, exits);
                    if (exits.Contains(false))
                    {
                        next = batch.Select([.. exits.Select(e => !e)]);
                    }
                }
                catch (Exception ex)
                {
                    batch.Fail(Translate(ex));
                }

                if (next is null)
                {
                    Interlocked.Increment(ref deployment.Finished);
                    continue;
                }

                try
                {
                    await deployment.StageQueues[stage + 1].Writer.WriteAsync(next, _stop.Token);
                }
                catch (OperationCanceledException ex)
                {
                    next.Fail(Translate(ex));
                    Interlocked.Increment(ref deployment.Finished);
                }
            }
        }
        finally
        {
            if (!last)
            {
                deployment.StageQueues[stage + 1].Writer.TryComplete();
            }
        }
    }

    private static void Answer(Batch batch, Tensor output, bool[] exits)
    {
        TensorShape shape = output.Shape;
        if (shape.Rank == 0 || shape[0] != batch.Rows)
        {
            throw new InvalidOperationException($"a batch of {batch.Rows} inputs produced output {shape}");
        }

        int rowLength = checked((int)shape.Product(1, shape.Rank));
        float[] data = output.Floats;
        for (int i = 0; i < exits.Length; i++)
        {
            if (exits[i])
            {
                (InferenceRequest request, int row) = batch.Owners[i];
                request.SetRow(row, data.AsSpan(i * rowLength, rowLength), shape);
            }
        }
    }

    private Exception Translate(Exception error) =>
        _stop.IsCancellationRequested && error is OperationCanceledException
            ? new ObjectDisposedException($"the runtime of {Spec.SourceName} was disposed before answering", error)
            : error;

    /// <summary>
    /// Adds the members' spans for a batch: measured wall time on real devices; on a simulated device
    /// the simulator's times for the members launched together, placed after the device's previous
    /// batch (ensemble) or after both the stage's previous batch and the earlier stage (cascade).
    /// </summary>
    private void Record(Deployment deployment, Batch batch, int[] members, PartitionResult[] results)
    {
        EventHandler<SpansRecordedEventArgs>? observers = SpansRecorded;
        if (!_options.RecordTimeline && observers is null)
        {
            return;
        }

        EnsembleSpec spec = deployment.Spec;
        var entries = new List<TimelineEntry>();
        for (int j = 0; j < members.Length; j++)
        {
            int m = members[j];
            if (spec.DeviceOf(m).Kind != DeviceKind.Simulated)
            {
                entries.Add(new TimelineEntry(batch.Index, spec.Members[m].Name, batch.Rows, Seconds(results[j].StartTimestamp), Seconds(results[j].FinishTimestamp), false));
            }
        }

        lock (_timelineGate)
        {
            foreach (var group in members.Where(m => spec.DeviceOf(m).Kind == DeviceKind.Simulated).GroupBy(m => spec.DeviceOf(m)))
            {
                int[] onDevice = [.. group];
                IVirtualDeviceTiming timing = deployment.Timings[group.Key];
                double clock = _virtualClocks.GetValueOrDefault(group.Key);
                double launch = spec.Kind == EnsembleKind.Ensemble
                    ? clock
                    : Math.Max(deployment.StageVirtualFree[onDevice[0]], onDevice[0] == 0 ? 0 : deployment.TakeStageFinish(batch.Index, onDevice[0] - 1));
                IReadOnlyList<(double Start, double Finish)> spans = timing.Run([.. onDevice.Select(m => new VirtualLaunch(m, deployment.Grants[m].Units, batch.Rows))]);
                for (int j = 0; j < onDevice.Length; j++)
                {
                    entries.Add(new TimelineEntry(batch.Index, spec.Members[onDevice[j]].Name, batch.Rows, launch + spans[j].Start, launch + spans[j].Finish, true));
                    deployment.StageVirtualFree[onDevice[j]] = launch + spans[j].Finish;
                    if (spec.Kind == EnsembleKind.Cascade && onDevice[j] < spec.Members.Count - 1)
                    {
                        deployment.StageVirtualFinish[onDevice[j]][batch.Index] = launch + spans[j].Finish;
                    }
                }

                _virtualClocks[group.Key] = Math.Max(clock, launch + spans.Max(s => s.Finish));
            }

            if (_options.RecordTimeline)
            {
                _timeline.AddRange(entries);
            }
        }

        observers?.Invoke(this, new SpansRecordedEventArgs(entries));
    }

    private double Seconds(long timestamp) => (double)(timestamp - _startTimestamp) / Stopwatch.Frequency;

    /// <summary>
    /// One set of partitions and what feeds them: a runner per member of one spec, the combiner
    /// (ensemble) or the stage queues (cascade), and the counts of its batches.
    /// </summary>
    private sealed class Deployment(
        EnsembleSpec spec, PartitionGrant[] grants, Partition[] partitions, Dictionary<DeviceSpec, IVirtualDeviceTiming> timings, int inFlight) : IDisposable
    {
        // Batches handed to these partitions, and those answered in full (or failed).
        public long Dispatched;
        public long Finished;

        public EnsembleSpec Spec { get; } = spec;

        public PartitionGrant[] Grants { get; } = grants;

        public Partition[] Partitions { get; } = partitions;

        /// <summary>The simulator's timing of each simulated device, for this spec's member indices.</summary>
        public Dictionary<DeviceSpec, IVirtualDeviceTiming> Timings { get; } = timings;

        public EnsemblePath? Ensemble { get; } = spec.Kind == EnsembleKind.Ensemble ? new EnsemblePath(inFlight) : null;

        public Channel<Batch>[] StageQueues { get; } =
            spec.Kind == EnsembleKind.Cascade ? [.. spec.Members.Select(_ => Channel.CreateBounded<Batch>(inFlight))] : [];

        public long[] Reached { get; } = new long[spec.Members.Count];

        public long[] Exited { get; } = new long[spec.Members.Count];

        public double[] StageVirtualFree { get; } = new double[spec.Members.Count];

        // Per cascade stage: the virtual finish of each batch a later stage has not started yet (a later stage
        // launches a batch no earlier than its previous stage finished it).
        public Dictionary<int, double>[] StageVirtualFinish { get; } = [.. spec.Members.Select(_ => new Dictionary<int, double>())];

        public Task[] Downstream { get; set; } = [];

        /// <summary>
        /// The virtual finish of <paramref name="batch"/> at <paramref name="stage"/>, forgetting it and any
        /// earlier batch's (those whose rows all exited never reach the next stage).
        /// </summary>
        public double TakeStageFinish(int batch, int stage)
        {
            Dictionary<int, double> finishes = StageVirtualFinish[stage];
            double finish = finishes.GetValueOrDefault(batch);
            foreach (int done in finishes.Keys.Where(b => b <= batch).ToList())
            {
                finishes.Remove(done);
            }

            return finish;
        }

        /// <summary>No more batches: the combiner or the stages finish those they hold, then end.</summary>
        public void CompleteInput()
        {
            Ensemble?.Batches.Writer.TryComplete();
            if (StageQueues.Length > 0)
            {
                StageQueues[0].Writer.TryComplete();
            }
        }

        public void Dispose()
        {
            foreach (Partition partition in Partitions)
            {
                partition.Dispose();
            }

            Ensemble?.Dispose();
        }
    }

    /// <summary>The ensemble's combination stage: batches in flight in order, and the bound on how many.</summary>
    private sealed class EnsemblePath(int inFlight) : IDisposable
    {
        public SemaphoreSlim Slots { get; } = new(inFlight, inFlight);

        public Channel<(Batch Batch, Task<PartitionResult>[] Results)> Batches { get; } =
            Channel.CreateUnbounded<(Batch, Task<PartitionResult>[])>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public void Dispose() => Slots.Dispose();
    }
}
