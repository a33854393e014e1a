using Esen.Kernels.Cpu;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

/// <summary>The CPU executor with two threads (so the threaded kernel paths run too).</summary>
public sealed class CpuExecutorFixture : IExecutorFixture
{
    public IExecutor Create(LayerGraph graph) => new CpuExecutor(graph, new CpuExecutorOptions { Threads = 2 });

    public void RequireDevice()
    {
    }
}

public sealed class CpuExecutorConformanceTests(CpuExecutorFixture fixture)
    : ExecutorConformanceTests<CpuExecutorFixture>(fixture);
