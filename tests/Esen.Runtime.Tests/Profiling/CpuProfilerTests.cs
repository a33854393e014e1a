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

    [Fact]
    public void Measure_AFileThatFixesBatch1_RunsOtherBatchesOrRefusesNamingTheNode()
    {
        // Before the batch was made dynamic, every batch of such a graph silently ran as batch 1.
        var b = new GraphBuilder("fixed", 3);
        string x = b.Input("x", 1, 3, 8, 8);
        string features = b.Flatten(b.GlobalAveragePool(b.Conv(x, 4, 3, pad: 1)));
        b.Output(b.Gemm(features, 5));
        Assert.Equal([1, 4], CpuProfiler.Measure(b.Build(), [1, 4], [1], repetitions: 1).Select(p => p.Batch));

        var hardCoded = new GraphBuilder("hard-coded", 3);
        hardCoded.Output(hardCoded.Gemm(hardCoded.Reshape(hardCoded.Input("x", 1, 3, 8, 8), [1, 192], name: "to_row"), 5));
        var e = Assert.Throws<GraphException>(() => CpuProfiler.Measure(hardCoded.Build(), [4], [1], repetitions: 1));
        Assert.StartsWith("Reshape node 'to_row'", e.Message, StringComparison.Ordinal);
    }
}
