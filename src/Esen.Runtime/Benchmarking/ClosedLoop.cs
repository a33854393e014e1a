using System.Diagnostics;
using Esen.Kernels.Graph;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;

namespace Esen.Runtime.Benchmarking;

/// <summary>The size of a closed loop of requests.</summary>
/// <param name="Clients">Clients sending at once; each sends its next request when its last one is answered.</param>
/// <param name="Requests">Requests timed, one input each, over all clients.</param>
/// <param name="WarmupRequests">Requests sent the same way before timing (executors load, choose algorithms, upload weights).</param>
public sealed record ClosedLoopOptions(int Clients, int Requests, int WarmupRequests);

/// <summary>What a closed loop measured.</summary>
/// <param name="Clients">Clients that sent at once.</param>
/// <param name="Requests">Requests timed (one input each).</param>
/// <param name="WallSeconds">From the first timed request sent to the last one answered.</param>
/// <param name="LatenciesMs">Each timed request from sending to its answer, ascending.</param>
public sealed record ClosedLoopResult(int Clients, int Requests, double WallSeconds, IReadOnlyList<double> LatenciesMs)
{
    /// <summary>Inputs answered per second.</summary>
    public double ThroughputPerSecond => Requests / WallSeconds;

    /// <summary>Median latency (nearest rank).</summary>
    public double P50Ms => TimingSummary.Quantile(LatenciesMs, 0.5);

    /// <summary>99th percentile latency (nearest rank).</summary>
    public double P99Ms => TimingSummary.Quantile(LatenciesMs, 0.99);
}

/// <summary>
/// Runs a closed loop of requests through an ensemble laid out on a device: where a bench row's
/// throughput and latencies come from. <see cref="RuntimeClosedLoop"/> is the real one; tests give
/// recorded results.
/// </summary>
public interface IClosedLoop
{
    /// <summary>Runs <paramref name="loop"/> through <paramref name="models"/> with <paramref name="plan"/>'s shares under <paramref name="mechanism"/>.</summary>
    /// <exception cref="NotSupportedException">A device or the mechanism is unavailable.</exception>
    Task<ClosedLoopResult> RunAsync(EnsembleModels models, RuntimePlan plan, PartitionMechanism mechanism, ClosedLoopOptions loop, CancellationToken cancellationToken = default);
}

/// <summary>
/// A closed loop through <see cref="EnsembleRuntime.InferAsync"/>: the runtime is built on the plan's
/// partitions (<see cref="EnsembleModels.Runners"/>), then every client sends one-input requests back
/// to back, first the warm-up ones, then the timed ones. The runtime batches them as it would any
/// callers' requests.
/// </summary>
public sealed class RuntimeClosedLoop : IClosedLoop
{
    /// <inheritdoc/>
    public async Task<ClosedLoopResult> RunAsync(EnsembleModels models, RuntimePlan plan, PartitionMechanism mechanism, ClosedLoopOptions loop, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        var options = new RuntimeOptions { SmPartitionMechanism = mechanism, RecordTimeline = false };
        IMemberRunnerFactory runners = models.Runners(plan, options);
        using var partitions = runners as IDisposable;
        await using var runtime = EnsembleRuntime.Create(models.Spec, plan, runners, options);
        ValueInfo input = models.Graphs[0].Inputs[0];
        return await DriveAsync(runtime, Tensor.SeededRandom(input.Shape.WithBatch(1), 1, 1f), loop, cancellationToken);
    }

    /// <summary>Sends <paramref name="loop"/>'s requests, each <paramref name="request"/>, through a running <paramref name="runtime"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No clients or no timed requests, or negative warm-up.</exception>
    public static async Task<ClosedLoopResult> DriveAsync(EnsembleRuntime runtime, Tensor request, ClosedLoopOptions loop, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentOutOfRangeException.ThrowIfLessThan(loop.Clients, 1, nameof(loop));
        ArgumentOutOfRangeException.ThrowIfLessThan(loop.Requests, 1, nameof(loop));
        ArgumentOutOfRangeException.ThrowIfNegative(loop.WarmupRequests, nameof(loop));
        _ = await SendAsync(runtime, request, loop.Clients, loop.WarmupRequests, cancellationToken);
        long start = Stopwatch.GetTimestamp();
        double[] latencies = await SendAsync(runtime, request, loop.Clients, loop.Requests, cancellationToken);
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return new ClosedLoopResult(loop.Clients, loop.Requests, wall, latencies);
    }

    // Clients take request numbers from one counter until all are sent, so the total is exact whatever the pace of each.
    private static async Task<double[]> SendAsync(EnsembleRuntime runtime, Tensor request, int clients, int requests, CancellationToken cancellationToken)
    {
        double[] latencies = new double[requests];
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(clients, requests)).Select(_ => Task.Run(ClientAsync, cancellationToken)));
        return latencies;

        async Task ClientAsync()
        {
            for (int i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
            {
                long sent = Stopwatch.GetTimestamp();
                _ = await runtime.InferAsync(request, cancellationToken);
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }
    }
}
