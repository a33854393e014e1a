using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>One parallel loop body; the kernels keep a cached instance per calling thread so a call allocates nothing.</summary>
internal abstract class ParallelWork
{
    /// <summary>Runs item <paramref name="index"/> of the loop.</summary>
    public abstract void Execute(int index);
}

/// <summary>
/// A fixed set of background workers shared by the CPU kernels. A loop runs on the caller plus up to
/// threads − 1 workers that take indices from a shared counter. The caller never waits for a worker that has
/// not started: once every index is taken it closes the loop and waits only for workers that joined, so on a
/// busy machine a descheduled worker costs nothing. When another loop already holds the workers (two models
/// running at once), the call runs serially on its own thread instead of queueing.
/// <para>
/// A model runs one parallel loop per layer, tens of microseconds apart, while waking a blocked thread costs
/// about as much. So after a loop a worker spins for up to <see cref="SpinTime"/> watching for the next one and
/// only then blocks; a loop wakes just the workers that blocked.
/// </para>
/// </summary>
internal static class CpuParallel
{
    private const int OpenBit = 1 << 30;

    /// <summary>How long an idle worker watches for the next loop before it blocks.</summary>
    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(200);

    private static readonly Lock s_gate = new();
    private static readonly SemaphoreSlim s_start = new(0);
    private static int s_workerCount;
    private static ParallelWork? s_work;
    private static int s_count;
    private static int s_next;
    private static int s_finished;
    private static Exception? s_error;

    /// <summary>Counts loops; a worker spinning for the next loop watches it change.</summary>
    private static int s_generation;

    /// <summary>Workers blocked (or about to block) on <see cref="s_start"/>.</summary>
    private static int s_sleeping;

    /// <summary>OpenBit while workers may join the current loop, plus the number that joined.</summary>
    private static int s_state;

    /// <summary>Runs <paramref name="work"/> for every index in [0, count) on at most <paramref name="threads"/> threads.</summary>
    public static void For(ParallelWork work, int count, int threads)
    {
        int helpers = Math.Min(Math.Min(threads, count), Environment.ProcessorCount) - 1;
        if (helpers <= 0 || !s_gate.TryEnter())
        {
            for (int i = 0; i < count; i++)
            {
                work.Execute(i);
            }

            return;
        }

        try
        {
            EnsureWorkers(helpers);
            s_work = work;
            s_count = count;
            s_next = -1;
            s_finished = 0;
            s_error = null;
            Interlocked.Exchange(ref s_state, OpenBit);
            Interlocked.Increment(ref s_generation);
            int sleeping = Volatile.Read(ref s_sleeping);
            if (sleeping > 0)
            {
                s_start.Release(Math.Min(sleeping, helpers));
            }
            try
            {
                Drain(work);
            }
            finally
            {
                int joined = Interlocked.And(ref s_state, ~OpenBit) & ~OpenBit;
                var spin = default(SpinWait);
                while (Volatile.Read(ref s_finished) < joined)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }

            if (s_error is { } error)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }
        finally
        {
            s_work = null;
            s_gate.Exit();
        }
    }

    private static void EnsureWorkers(int needed)
    {
        while (s_workerCount < needed)
        {
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"esen-cpu-{s_workerCount + 1}" };
            thread.Start();
            s_workerCount++;
        }
    }

    private static void WorkerLoop()
    {
        int seen = Volatile.Read(ref s_generation);
        while (true)
        {
            if (!AwaitNextLoop(ref seen) || !TryJoin())
            {
                continue;
            }

            try
            {
                Drain(s_work!);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref s_error, ex, null);
            }

            Interlocked.Increment(ref s_finished);
        }
    }

    /// <summary>
    /// Spins until a loop newer than <paramref name="seen"/> starts, then blocks. True when a new loop was seen;
    /// false after a wake-up that found none (a loop that saw this worker about to block released it, but it had
    /// spotted that loop itself), which only costs another round.
    /// </summary>
    private static bool AwaitNextLoop(ref int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
        do
        {
            int generation = Volatile.Read(ref s_generation);
            if (generation != seen)
            {
                seen = generation;
                return true;
            }

            Thread.SpinWait(16);
        }
        while (Stopwatch.GetTimestamp() < deadline);

        // Announce the sleep before the last look, so a loop that starts in between either is seen here or
        // sees this worker and releases it.
        Interlocked.Increment(ref s_sleeping);
        try
        {
            int generation = Volatile.Read(ref s_generation);
            if (generation == seen)
            {
                s_start.Wait();
                generation = Volatile.Read(ref s_generation);
            }

            bool started = generation != seen;
            seen = generation;
            return started;
        }
        finally
        {
            Interlocked.Decrement(ref s_sleeping);
        }
    }

    /// <summary>Counts this worker into the open loop; false when it woke too late and the loop is closed.</summary>
    private static bool TryJoin()
    {
        int state = Volatile.Read(ref s_state);
        while ((state & OpenBit) != 0)
        {
            int seen = Interlocked.CompareExchange(ref s_state, state + 1, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    private static void Drain(ParallelWork work)
    {
        int i;
        while ((i = Interlocked.Increment(ref s_next)) < s_count)
        {
            work.Execute(i);
        }
    }
}
