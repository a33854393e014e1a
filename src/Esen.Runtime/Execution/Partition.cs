using System.Diagnostics;
using System.Threading.Channels;
using Esen.Kernels.Graph;

namespace Esen.Runtime.Execution;

/// <summary>The output of one batch on a partition, with its wall-clock span.</summary>
internal sealed record PartitionResult(Tensor Output, long StartTimestamp, long FinishTimestamp);

/// <summary>
/// A member's place to run: a dedicated worker thread that takes batches from a bounded queue and runs
/// them one at a time on the member's runner. The queue bound is the backpressure: submitting waits
/// while the member is that many batches behind.
/// </summary>
internal sealed class Partition : IDisposable
{
    private readonly Channel<Job> _jobs;
    private readonly IMemberRunner _runner;
    private readonly Thread _worker;
    private readonly CancellationToken _stopping;

    public Partition(string member, IMemberRunner runner, int queueCapacity, CancellationToken stopping)
    {
        Member = member;
        _runner = runner;
        _stopping = stopping;
        _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(queueCapacity) { SingleReader = true });
        _worker = new Thread(Work) { IsBackground = true, Name = $"esen member {member}" };
        _worker.Start();
    }

    public string Member { get; }

    public IMemberRunner Runner => _runner;

    /// <summary>Queues a batch (waiting while the queue is full) and completes with its output.</summary>
    public async Task<PartitionResult> RunAsync(Tensor batch, CancellationToken cancellationToken)
    {
        var job = new Job(batch);
        await _jobs.Writer.WriteAsync(job, cancellationToken);
        return await job.Completion.Task;
    }

    /// <summary>Stops taking batches, cancels queued ones, waits for the worker and disposes the runner.</summary>
    public void Dispose()
    {
        _jobs.Writer.TryComplete();
        _worker.Join();
        _runner.Dispose();
    }

    private void Work()
    {
        ChannelReader<Job> reader = _jobs.Reader;
        while (WaitForJob(reader))
        {
            while (reader.TryRead(out Job? job))
            {
                if (_stopping.IsCancellationRequested)
                {
                    job.Completion.TrySetCanceled(_stopping);
                    continue;
                }

                long start = Stopwatch.GetTimestamp();
                try
                {
                    Tensor output = _runner.Run(job.Input, _stopping);
                    job.Completion.TrySetResult(new PartitionResult(output, start, Stopwatch.GetTimestamp()));
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    job.Completion.TrySetCanceled(_stopping);
                }
                catch (Exception ex)
                {
                    // Keeps the kind (a tensor the member rejects is bad input; a driver failure leaves it
                    // unavailable) so the host answers the request as it would the same error anywhere else.
                    string message = $"member {Member} failed: {ex.Message}";
                    job.Completion.TrySetException(EsenException.KindOf(ex) is { } kind
                        ? new EsenException(kind, message, ex)
                        : new InvalidOperationException(message, ex));
                }
            }
        }
    }

    // The worker owns its thread, so it blocks here instead of occupying a pool thread.
    private static bool WaitForJob(ChannelReader<Job> reader) => reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();

    private sealed class Job(Tensor input)
    {
        public Tensor Input { get; } = input;

        public TaskCompletionSource<PartitionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
