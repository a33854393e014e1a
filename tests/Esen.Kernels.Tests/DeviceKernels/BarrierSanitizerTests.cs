using Esen.Kernels.Cuda.Host;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// The host shim runs each CUDA thread on its own OS thread, so ThreadSanitizer sees a missing
/// __syncthreads as the data race it is. kernels/host/tsan_softmax_driver.cpp runs esen_softmax
/// (two block reductions per row) as a standalone program built with -fsanitize=thread, once as is
/// and once with ESEN_TEST_OMIT_REDUCTION_BARRIER, which drops the barrier inside the reduction loop.
/// </summary>
public sealed class BarrierSanitizerTests
{
    private static readonly Dictionary<string, string> s_tsanOptions = new()
    {
        // No symbolizer is installed with clang-19; the report's first line is what is checked.
        ["TSAN_OPTIONS"] = "symbolize=0 halt_on_error=0",
    };

    [SkippableFact]
    public void CorrectReduction_HasNoDataRace()
    {
        HostProcessResult run = RunDriver(omitBarrier: false);

        Assert.DoesNotContain("ThreadSanitizer", run.Stderr, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains("softmax rows summing to 1: 3 of 3", run.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ReductionWithoutItsLoopBarrier_IsReportedAsADataRace()
    {
        HostProcessResult run = RunDriver(omitBarrier: true);

        Assert.Contains("WARNING: ThreadSanitizer: data race", run.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, run.ExitCode);
    }

    private static HostProcessResult RunDriver(bool omitBarrier)
    {
        KernelToolchain.RequireThreadSanitizer();
        string[] flags = ["-std=c++20", "-O1", "-g", "-pthread", "-fsanitize=thread"];
        string driver = HostToolchain.CachedBuild(
            omitBarrier ? "tsan_softmax_missing_barrier" : "tsan_softmax",
            "host/tsan_softmax_driver.cpp",
            omitBarrier ? [.. flags, "-DESEN_TEST_OMIT_REDUCTION_BARRIER"] : flags);
        return HostToolchain.Run(driver, [], s_tsanOptions);
    }
}
