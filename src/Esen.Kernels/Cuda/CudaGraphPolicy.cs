namespace Esen.Kernels.Cuda;

/// <summary>How one run of a prepared plan reaches the GPU.</summary>
internal enum PlanRunMode
{
    /// <summary>Every step is issued one by one.</summary>
    Eager,

    /// <summary>The steps are captured into a CUDA graph, which is then launched (and kept).</summary>
    Capture,

    /// <summary>The plan's captured graph is launched.</summary>
    Replay,
}

/// <summary>
/// When a plan is captured as a CUDA graph. Pure, so it is tested without a GPU. The first run of a plan is eager:
/// it loads the PTX modules its kernels need and lets cuBLAS and cuDNN set themselves up, calls that allocate
/// or synchronise and so must not happen inside a capture. The second run captures and launches the graph; every
/// later run replays it. A plan whose capture failed stays eager, and so does every plan when graphs are off.
/// </summary>
internal static class CudaGraphPolicy
{
    /// <summary>Eager runs before a capture.</summary>
    public const int WarmUpRuns = 1;

    /// <summary>The mode of the next run of a plan that has completed <paramref name="completedRuns"/> runs.</summary>
    /// <param name="useGraphs"><see cref="CudaExecutorOptions.UseCudaGraphs"/>.</param>
    /// <param name="completedRuns">Runs of the plan so far.</param>
    /// <param name="hasGraph">Whether the plan holds a captured graph.</param>
    /// <param name="captureFailed">Whether capturing the plan failed before.</param>
    public static PlanRunMode Next(bool useGraphs, int completedRuns, bool hasGraph, bool captureFailed) =>
        !useGraphs || captureFailed ? PlanRunMode.Eager
        : hasGraph ? PlanRunMode.Replay
        : completedRuns >= WarmUpRuns ? PlanRunMode.Capture
        : PlanRunMode.Eager;
}
