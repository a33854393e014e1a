using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>When a prepared plan is captured as a CUDA graph, replayed, or run step by step.</summary>
public class CudaGraphPolicyTests
{
    [Fact]
    public void WithGraphs_FirstRunIsEager_SecondCaptures_LaterRunsReplay()
    {
        var modes = new List<PlanRunMode>();
        bool hasGraph = false;
        for (int completed = 0; completed < 4; completed++)
        {
            PlanRunMode mode = CudaGraphPolicy.Next(useGraphs: true, completed, hasGraph, captureFailed: false);
            modes.Add(mode);
            hasGraph |= mode == PlanRunMode.Capture;
        }

        Assert.Equal([PlanRunMode.Eager, PlanRunMode.Capture, PlanRunMode.Replay, PlanRunMode.Replay], modes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    public void WithoutGraphs_EveryRunIsEager(int completedRuns) =>
        Assert.Equal(PlanRunMode.Eager, CudaGraphPolicy.Next(useGraphs: false, completedRuns, hasGraph: false, captureFailed: false));

    [Fact]
    public void AFailedCapture_IsNotRetried() =>
        Assert.Equal(PlanRunMode.Eager, CudaGraphPolicy.Next(useGraphs: true, completedRuns: 5, hasGraph: false, captureFailed: true));

    [Fact]
    public void Options_DefaultToGraphsOn_MeasuredConvolutions_And256MiBOfWorkspace()
    {
        var options = new CudaExecutorOptions();

        Assert.True(options.UseCudaGraphs);
        Assert.True(options.MeasureConvolutions);
        Assert.Equal(256L * 1024 * 1024, options.ConvolutionWorkspaceLimitBytes);
        Assert.False((options with { UseCudaGraphs = false }).UseCudaGraphs);
    }
}
