using System.Diagnostics;
using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native;
using Esen.Native.Cuda;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;

namespace Esen.Runtime.Profiling;

/// <summary>
/// Measures members on real SM partitions of one CUDA device. Per measurement: the device is split
/// for the shares (<see cref="SmPartitionSet"/>), each member gets a <see cref="CudaExecutor"/> on its
/// partition's stream and a seeded input, runs <see cref="WarmupRuns"/> times untimed (PTX load, cuDNN
/// algorithm choice, weight upload; its device memory is read around this), then
/// <see cref="TimedRuns"/> times with every member launched together. A member's time is between CUDA
/// events recorded on its stream before its input upload and after its output download (host to host,
/// as a request sees it); the batch time is the host clock from launching all members to the last
/// one finishing.
/// </summary>
public sealed class CudaGpuMeasurer : IGpuMeasurer
{
    private readonly CudaDevice _device;

    /// <summary>Opens device <paramref name="ordinal"/>.</summary>
    /// <param name="ordinal">The CUDA device.</param>
    /// <param name="executorOptions">How members' executors run (precision, cuDNN).</param>
    /// <exception cref="NotSupportedException">No such device; the message names it and the probe's reason.</exception>
    public CudaGpuMeasurer(int ordinal, CudaExecutorOptions? executorOptions = null)
    {
        NativeAvailability probe = NativeRuntime.Probe();
        if (ordinal < 0 || ordinal >= probe.DeviceCount)
        {
            throw new NotSupportedException(probe.DeviceCount == 0
                ? $"no CUDA device cuda:{ordinal}: {probe.CudaReason ?? "no CUDA device answered"}"
                : $"no CUDA device cuda:{ordinal}: this machine has {probe.DeviceCount} (cuda:0 … cuda:{probe.DeviceCount - 1})");
        }

        _device = CudaDriver.GetDevice(ordinal);
        CudaDeviceProperties properties = CudaDriver.GetProperties(_device);
        int driver = probe.DriverVersion ?? CudaDriver.Version;
        Gpu = new GpuIdentity(ordinal, properties.Name, properties.SmCount, properties.ComputeMajor, driver, (long)properties.TotalMemoryBytes);
        Capabilities = PartitionCapabilities.From(properties, driver);
        ExecutorOptions = (executorOptions ?? new CudaExecutorOptions()) with { DeviceOrdinal = ordinal };
    }

    /// <inheritdoc/>
    public GpuIdentity Gpu { get; }

    /// <inheritdoc/>
    public PartitionCapabilities Capabilities { get; }

    /// <summary>The executors' options.</summary>
    public CudaExecutorOptions ExecutorOptions { get; }

    /// <summary>Untimed runs before timing (three: the first loads and chooses, the others settle clocks and caches).</summary>
    public int WarmupRuns { get; init; } = 3;

    /// <summary>Timed runs whose median is reported (at least 20, the issue's floor for a stable median).</summary>
    public int TimedRuns { get; init; } = 20;

    /// <inheritdoc/>
    public SmPartitionPolicy Policy(PartitionMechanism mechanism) => SmPartitionSet.PolicyFor(_device, mechanism);

    /// <inheritdoc/>
    public PartitionMeasurement Measure(IReadOnlyList<LayerGraph> members, int batch, PartitionMechanism mechanism, IReadOnlyList<int> sharesPercent, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(sharesPercent);
        ArgumentOutOfRangeException.ThrowIfNotEqual(sharesPercent.Count, members.Count, nameof(sharesPercent));
        if (mechanism == PartitionMechanism.MpsThreadPercentage)
        {
            throw new NotSupportedException("MPS thread percentage partitions live in worker processes; measure with green contexts, MPS execution affinity or none");
        }

        using SmPartitionSet set = SmPartitionSet.Create(_device, [.. sharesPercent.Select(s => (double)s)], mechanism);
        var runners = new List<MemberRun>(members.Count);
        try
        {
            foreach ((LayerGraph graph, SmPartition partition) in members.Zip(set.Partitions))
            {
                runners.Add(MemberRun.Start(graph, batch, partition, ExecutorOptions, WarmupRuns));
            }

            var memberMs = runners.Select(_ => new double[TimedRuns]).ToArray();
            double[] batchMs = new double[TimedRuns];
            for (int r = 0; r < TimedRuns; r++)
            {
                long start = Stopwatch.GetTimestamp();
                double[] times = RunTogether(runners);
                batchMs[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                for (int m = 0; m < runners.Count; m++)
                {
                    memberMs[m][r] = times[m];
                }
            }

            progress?.Invoke($"{mechanism.ToName()} [{string.Join('/', sharesPercent)} %]: batch {TimingSummary.Of(batchMs).MedianMs:F2} ms");
            return new PartitionMeasurement(
                mechanism,
                sharesPercent,
                [.. set.Partitions.Select(p => p.GrantedSmCount ?? Gpu.Sms)],
                [.. memberMs.Select(TimingSummary.Of)],
                TimingSummary.Of(batchMs),
                [.. runners.Select(r => r.MemoryBytes)],
                [.. runners.Select(r => r.FirstRunMs)]);
        }
        finally
        {
            foreach (MemberRun runner in runners)
            {
                runner.Dispose();
            }
        }
    }

    // One member alone needs no thread; several start together on their own threads.
    private static double[] RunTogether(IReadOnlyList<MemberRun> runners)
    {
        if (runners.Count == 1)
        {
            return [runners[0].TimedRun()];
        }

        double[] times = new double[runners.Count];
        Thread[] threads = [.. runners.Select((runner, i) => new Thread(() => times[i] = runner.TimedRun()) { IsBackground = true })];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return times;
    }

    private sealed class MemberRun : IDisposable
    {
        private readonly SmPartition _partition;
        private readonly CudaExecutor _executor;
        private readonly Dictionary<string, Tensor> _feed;
        private readonly CudaEvent _start;
        private readonly CudaEvent _end;

        private MemberRun(SmPartition partition, CudaExecutor executor, Dictionary<string, Tensor> feed, CudaEvent start, CudaEvent end, long memoryBytes)
        {
            _partition = partition;
            _executor = executor;
            _feed = feed;
            _start = start;
            _end = end;
            MemoryBytes = memoryBytes;
        }

        public long MemoryBytes { get; }

        public double FirstRunMs { get; private init; }

        public static MemberRun Start(LayerGraph graph, int batch, SmPartition partition, CudaExecutorOptions options, int warmupRuns)
        {
            LayerGraph runnable = graph.ForBatch(batch);
            ValueInfo input = runnable.Inputs[0];
            var feed = new Dictionary<string, Tensor> { [input.Name] = Tensor.SeededRandom(input.Shape.WithBatch(batch), batch, 1f) };
            ulong freeBefore = CudaDriver.MemoryInfo(partition.Context).Free;
            var executor = new CudaExecutor(runnable, partition.Stream, CudaRunnerFactory.InPartition(options, partition.Mechanism, partition.GrantedSmCount ?? 0));
            CudaEvent? start = null;
            try
            {
                double firstRunMs = 0;
                for (int i = 0; i < warmupRuns; i++)
                {
                    long began = Stopwatch.GetTimestamp();
                    _ = executor.Run(feed);
                    if (i == 0)
                    {
                        firstRunMs = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                    }
                }

                // Device memory is shared by every context on the device; members warm up one at a time,
                // so the drop in free memory is this member's.
                ulong freeAfter = CudaDriver.MemoryInfo(partition.Context).Free;
                start = CudaEvent.Create(partition.Context);
                CudaEvent end = CudaEvent.Create(partition.Context);
                return new MemberRun(partition, executor, feed, start, end, freeBefore > freeAfter ? (long)(freeBefore - freeAfter) : 0)
                {
                    FirstRunMs = firstRunMs,
                };
            }
            catch
            {
                start?.Dispose();
                executor.Dispose();
                throw;
            }
        }

        // The partition's context is current for the whole run, so the events and the executor's
        // launches all go to the same context whichever thread runs this.
        public double TimedRun()
        {
            using (_partition.Context.Push())
            {
                _start.Record(_partition.Stream);
                _ = _executor.Run(_feed);
                _end.Record(_partition.Stream);
                _end.Synchronize();
                return CudaEvent.ElapsedMilliseconds(_start, _end);
            }
        }

        public void Dispose()
        {
            _start.Dispose();
            _end.Dispose();
            _executor.Dispose();
        }
    }
}
