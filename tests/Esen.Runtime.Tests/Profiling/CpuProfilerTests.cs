using Esen.Kernels.Graph;
using Esen.Runtime.Profiling;
using Esen.Solver.Problems;

namespace Esen.Runtime.Tests.Profiling;

public sealed class CpuProfilerTests
{
    [Fact]
    public void Measure_EveryBatchAndThreadCount_WritesAReadableProblem()
    {
        var b = new GraphBuilder("tiny", 3);
        string x = b.Input("x", TensorShape.Dynamic, 3, 8, 8);
        b.Output(b.Gemm(b.Flatten(b.GlobalAveragePool(b.Relu(b.Conv(x, 4, 3, pad: 1)))), 5));
        LayerGraph graph = b.Build();

        IReadOnlyList<CpuMeasurement> points = CpuProfiler.Measure(graph, [1, 4], [1, 2], repetitions: 3);
        Problem problem = CpuProfiler.ToProblem("tiny", points, batch => 1000L * batch, cores: 4, deviceMemoryMb: 1024);
        Problem reread = ProblemReader.Read(ProblemWriter.ToJson(problem), "profile.json");

        Assert.Equal([(1, 1), (4, 1), (1, 2), (4, 2)], points.Select(p => (p.Batch, p.Threads)));
        Assert.All(points, p => Assert.True(p.MinMs > 0 && p.MinMs <= p.MedianMs));
        Assert.Equal(["tiny-b1-fp32", "tiny-b4-fp32"], reread.Members.Select(m => m.Name));
        Assert.Equal([25, 50], reread.Members[0].LatencyMs.Shares);
        Assert.Equal(points[0].MedianMs, reread.Members[0].LatencyMs.LatencyAt(25), 9);
    }
}
