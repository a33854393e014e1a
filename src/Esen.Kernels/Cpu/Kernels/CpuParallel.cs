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
/// threads − 1 workers that take indices from a shared counter. When another loop already holds the
/// workers (two models running at once), the call runs serially on its own thread instead of queueing.
/// </summary>
internal static class CpuParallel
{
    private static readonly Lock s_gate = new();
    private static readonly SemaphoreSlim s_start = new(0);
    private static readonly ManualResetEventSlim s_done = new(false);
    private static int s_workerCount;
    private static ParallelWork? s_work;
    private static int s_count;
    private static int s_next;
    private static int s_pending;
    private static Exception? s_error;

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
            s_error = null;
            s_pending = helpers;
            s_done.Reset();
            s_start.Release(helpers);
            Drain(work);
            s_done.Wait();
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
        while (true)
        {
            s_start.Wait();
            try
            {
                Drain(s_work!);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref s_error, ex, null);
            }

            if (Interlocked.Decrement(ref s_pending) == 0)
            {
                s_done.Set();
            }
        }
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
