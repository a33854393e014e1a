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
    private readonly EnsembleSpec _spec;
    private readonly RuntimeOptions _options;
    private readonly Partition[] _partitions;
    private readonly TensorShape _sampleShape;
    private readonly Channel<InferenceRequest> _requests;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly Lock _timelineGate = new();
    private readonly List<TimelineEntry> _timeline = [];
    private readonly Dictionary<DeviceSpec, (IVirtualDeviceTiming Timing, double Clock)> _virtualDevices = [];
    private readonly double[] _stageVirtualFree;
    // Per cascade stage: the virtual finish of each batch a later stage has not started yet (a later stage
    // launches a batch no earlier than its previous stage finished it).
    private readonly Dictionary<int, double>[] _stageVirtualFinish;
    private readonly long[] _reached;
    private readonly long[] _exited;
    private readonly Task _batching;
    private readonly Task[] _downstream;
    private readonly EnsemblePath? _ensemble;
    private readonly Channel<Batch>[] _stageQueues = [];
    private long _batches;
    private long _rows;
    private int _disposed;

    private EnsembleRuntime(EnsembleSpec spec, RuntimePlan plan, IMemberRunnerFactory runners, RuntimeOptions options)
    {
        _spec = spec;
        _options = options;
        Grants = [.. spec.Members.Select((m, i) => Grant(spec.DeviceOf(i), plan.Shares[i]))];
        _partitions = new Partition[spec.Members.Count];
        try
        {
            for (int i = 0; i < _partitions.Length; i++)
            {
                IMemberRunner runner = runners.Create(spec, i, Grants[i]);
                _partitions[i] = new Partition(spec.Members[i].Name, runner, options.BatchesInFlight, _stop.Token);
            }
        }
        catch
        {
            foreach (Partition? partition in _partitions)
            {
                partition?.Dispose();
            }

            _stop.Dispose();
            throw;
        }

        _sampleShape = spec.Input is { } input ? new TensorShape(input.Shape.Dimensions[1..]) : new TensorShape(_partitions[0].Runner.InputShape.Dimensions[1..]);
        _requests = Channel.CreateBounded<InferenceRequest>(new BoundedChannelOptions(options.RequestQueueCapacity) { SingleReader = true });
        _stageVirtualFree = new double[spec.Members.Count];
        _stageVirtualFinish = [.. spec.Members.Select(_ => new Dictionary<int, double>())];
        _reached = new long[spec.Members.Count];
        _exited = new long[spec.Members.Count];
        if (spec.Kind == EnsembleKind.Ensemble)
        {
            _ensemble = new EnsemblePath(options.BatchesInFlight);
            _downstream = [Task.Run(CombineLoopAsync)];
        }
        else
        {
            _stageQueues = [.. spec.Members.Select(_ => Channel.CreateBounded<Batch>(options.BatchesInFlight))];
            _downstream = [.. Enumerable.Range(0, spec.Members.Count).Select(k => Task.Run(() => StageLoopAsync(k)))];
        }

        _batching = Task.Run(BatchLoopAsync);
    }

    /// <summary>What each member was granted, in spec order.</summary>
    public IReadOnlyList<PartitionGrant> Grants { get; }

    /// <summary>The spec being run.</summary>
    public EnsembleSpec Spec => _spec;

    /// <summary>Counts so far (batches, inputs, and each cascade stage's reach and exits).</summary>
    public RuntimeStatistics Statistics => new(
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _rows),
        _spec.Kind == EnsembleKind.Cascade
            ? [.. _spec.Members.Select((m, k) => new StageStatistics(m.Name, Interlocked.Read(ref _reached[k]), Interlocked.Read(ref _exited[k])))]
            : []);

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
                return [.. _timeline.OrderBy(e => e.Batch).ThenBy(e => _spec.Members.ToList().FindIndex(m => m.Name == e.Member))];
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
        if (plan.Shares.Length != spec.Members.Count)
        {
            throw new ArgumentException($"the plan has {plan.Shares.Length} shares for {spec.Members.Count} members", nameof(plan));
        }

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
            throw new ObjectDisposedException($"the runtime of {_spec.SourceName} is disposed", ex);
        }

        return await request.Task;
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
        await Task.WhenAll(_downstream);
        foreach (Partition partition in _partitions)
        {
            partition.Dispose();
        }

        _ensemble?.Dispose();
        _stop.Dispose();
    }

    private PartitionGrant Grant(DeviceSpec device, int share)
    {
        switch (device.Kind)
        {
            case DeviceKind.Cpu:
                return new PartitionGrant(device, share, CpuDevice.CoresForShare(share, Environment.ProcessorCount));
            case DeviceKind.Simulated:
                if (!_virtualDevices.TryGetValue(device, out var entry))
                {
                    IVirtualDeviceTiming timing = _options.VirtualTiming?.Invoke(device)
                        ?? throw new NotSupportedException($"device {device}: no simulator timing was given for the simulated GPU (RuntimeOptions.VirtualTiming)");
                    _virtualDevices[device] = entry = (timing, 0.0);
                }

                return new PartitionGrant(device, share, entry.Timing.UnitsForShare(share));
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
                $"input {input} does not match {_spec.SourceName}: expected float[rows,{string.Join(',', _sampleShape.Dimensions.ToArray())}] with rows ≥ 1",
                nameof(input));
        }
    }

    private async Task BatchLoopAsync()
    {
        ChannelReader<InferenceRequest> reader = _requests.Reader;
        InferenceRequest? carried = null;
        var members = new List<InferenceRequest>();
        int maxBatch = _spec.Batching.MaxBatch;
        TimeSpan maxDelay = TimeSpan.FromMilliseconds(_spec.Batching.MaxDelayMs);
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
                await DispatchAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal: what is still queued is failed below.
        }
        finally
        {
            var disposed = new ObjectDisposedException($"the runtime of {_spec.SourceName} was disposed before answering");
            carried?.Fail(disposed);
            foreach (InferenceRequest request in members.Where(r => !r.IsFinished))
            {
                request.Fail(disposed);
            }

            while (reader.TryRead(out InferenceRequest? left))
            {
                left.Fail(disposed);
            }

            _ensemble?.Batches.Writer.TryComplete();
            if (_stageQueues.Length > 0)
            {
                _stageQueues[0].Writer.TryComplete();
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

    private async Task DispatchAsync(Batch batch)
    {
        if (_ensemble is null)
        {
            await _stageQueues[0].Writer.WriteAsync(batch, _stop.Token);
            return;
        }

        // The slot bounds the batches in flight; the partitions' queues are as deep, so the writes below do not wait.
        await _ensemble.Slots.WaitAsync(_stop.Token);
        Task<PartitionResult>[] results = [.. _partitions.Select(p => p.RunAsync(batch.Input, _stop.Token))];
        await _ensemble.Batches.Writer.WriteAsync((batch, results), _stop.Token);
    }

    private async Task CombineLoopAsync()
    {
        double[] weights = [.. _spec.Members.Select(m => m.Weight)];
        await foreach ((Batch batch, Task<PartitionResult>[] pending) in _ensemble!.Batches.Reader.ReadAllAsync())
        {
            try
            {
                PartitionResult[] results = await Task.WhenAll(pending);
                Record(batch, [.. Enumerable.Range(0, results.Length)], results);
                batch.Scatter(Combiner.Combine(_spec.Combine, [.. results.Select(r => r.Output)], weights));
            }
            catch (Exception ex)
            {
                batch.Fail(Translate(ex));
            }
            finally
            {
                _ensemble.Slots.Release();
            }
        }
    }

    private async Task StageLoopAsync(int stage)
    {
        bool last = stage == _spec.Members.Count - 1;
        try
        {
            await foreach (Batch batch in _stageQueues[stage].Reader.ReadAllAsync())
            {
                Batch? next = null;
                try
                {
                    PartitionResult result = await _partitions[stage].RunAsync(batch.Input, _stop.Token);
                    Record(batch, [stage], [result]);
                    bool[] exits = last ? [.. Enumerable.Repeat(true, batch.Rows)] : CascadeExit.Exits(result.Output, _spec.Exit!.Thresholds[stage]);
                    // Counted before answering, so a caller that saw its answer sees the counts that include it.
                    Interlocked.Add(ref _reached[stage], batch.Rows);
                    Interlocked.Add(ref _exited[stage], exits.Count(e => e));
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

                if (next is not null)
                {
                    try
                    {
                        await _stageQueues[stage + 1].Writer.WriteAsync(next, _stop.Token);
                    }
                    catch (OperationCanceledException ex)
                    {
                        next.Fail(Translate(ex));
                    }
                }
            }
        }
        finally
        {
            if (!last)
            {
                _stageQueues[stage + 1].Writer.TryComplete();
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
            ? new ObjectDisposedException($"the runtime of {_spec.SourceName} was disposed before answering", error)
            : error;

    /// <summary>
    /// Adds the members' spans for a batch: measured wall time on real devices; on a simulated device
    /// the simulator's times for the members launched together, placed after the device's previous
    /// batch (ensemble) or after both the stage's previous batch and the earlier stage (cascade).
    /// </summary>
    private void Record(Batch batch, int[] members, PartitionResult[] results)
    {
        EventHandler<SpansRecordedEventArgs>? observers = SpansRecorded;
        if (!_options.RecordTimeline && observers is null)
        {
            return;
        }

        var entries = new List<TimelineEntry>();
        for (int j = 0; j < members.Length; j++)
        {
            int m = members[j];
            if (_spec.DeviceOf(m).Kind != DeviceKind.Simulated)
            {
                entries.Add(new TimelineEntry(batch.Index, _spec.Members[m].Name, batch.Rows, Seconds(results[j].StartTimestamp), Seconds(results[j].FinishTimestamp), false));
            }
        }

        lock (_timelineGate)
        {
            foreach (var group in members.Where(m => _spec.DeviceOf(m).Kind == DeviceKind.Simulated).GroupBy(m => _spec.DeviceOf(m)))
            {
                int[] onDevice = [.. group];
                (IVirtualDeviceTiming timing, double clock) = _virtualDevices[group.Key];
                double launch = _spec.Kind == EnsembleKind.Ensemble
                    ? clock
                    : Math.Max(_stageVirtualFree[onDevice[0]], onDevice[0] == 0 ? 0 : TakeStageFinish(batch.Index, onDevice[0] - 1));
                IReadOnlyList<(double Start, double Finish)> spans = timing.Run([.. onDevice.Select(m => new VirtualLaunch(m, Grants[m].Units, batch.Rows))]);
                for (int j = 0; j < onDevice.Length; j++)
                {
                    entries.Add(new TimelineEntry(batch.Index, _spec.Members[onDevice[j]].Name, batch.Rows, launch + spans[j].Start, launch + spans[j].Finish, true));
                    _stageVirtualFree[onDevice[j]] = launch + spans[j].Finish;
                    if (_spec.Kind == EnsembleKind.Cascade && onDevice[j] < _spec.Members.Count - 1)
                    {
                        _stageVirtualFinish[onDevice[j]][batch.Index] = launch + spans[j].Finish;
                    }
                }

                _virtualDevices[group.Key] = (timing, Math.Max(clock, launch + spans.Max(s => s.Finish)));
            }

            if (_options.RecordTimeline)
            {
                _timeline.AddRange(entries);
            }
        }

        observers?.Invoke(this, new SpansRecordedEventArgs(entries));
    }

    /// <summary>
    /// The virtual finish of <paramref name="batch"/> at <paramref name="stage"/>, forgetting it and any
    /// earlier batch's (those whose rows all exited never reach the next stage).
    /// </summary>
    private double TakeStageFinish(int batch, int stage)
    {
        Dictionary<int, double> finishes = _stageVirtualFinish[stage];
        double finish = finishes.GetValueOrDefault(batch);
        foreach (int done in finishes.Keys.Where(b => b <= batch).ToList())
        {
            finishes.Remove(done);
        }

        return finish;
    }

    private double Seconds(long timestamp) => (double)(timestamp - _startTimestamp) / Stopwatch.Frequency;

    /// <summary>The ensemble's combination stage: batches in flight in order, and the bound on how many.</summary>
    private sealed class EnsemblePath(int inFlight) : IDisposable
    {
        public SemaphoreSlim Slots { get; } = new(inFlight, inFlight);

        public Channel<(Batch Batch, Task<PartitionResult>[] Results)> Batches { get; } =
            Channel.CreateUnbounded<(Batch, Task<PartitionResult>[])>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public void Dispose() => Slots.Dispose();
    }
}
