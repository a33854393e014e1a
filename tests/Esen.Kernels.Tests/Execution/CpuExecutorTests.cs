using Esen.Kernels.Cpu;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Execution;

public class CpuExecutorTests
{
    [Fact]
    public void MemoryPlanner_NeverOverlapsLiveBuffers_ByBruteForce()
    {
        var random = new Random(20231122);
        for (int trial = 0; trial < 200; trial++)
        {
            BufferRequest[] requests = Enumerable.Range(0, random.Next(1, 30)).Select(_ =>
            {
                int first = random.Next(0, 20);
                return new BufferRequest(random.Next(1, 100), first, first + random.Next(0, 6));
            }).ToArray();
            (long[] offsets, long arena) = MemoryPlanner.Plan(requests);
            for (int i = 0; i < requests.Length; i++)
            {
                Assert.True(offsets[i] >= 0 && offsets[i] + requests[i].Size <= arena);
                for (int j = i + 1; j < requests.Length; j++)
                {
                    bool liveTogether = requests[i].FirstStep <= requests[j].LastStep && requests[j].FirstStep <= requests[i].LastStep;
                    bool memoryOverlaps = offsets[i] < offsets[j] + requests[j].Size && offsets[j] < offsets[i] + requests[i].Size;
                    Assert.False(liveTogether && memoryOverlaps, $"trial {trial}: buffers {i} and {j} collide");
                }
            }

            Assert.True(arena <= requests.Sum(r => r.Size));
        }
    }

    private static LayerGraph Chain(int layers)
    {
        var b = new GraphBuilder("chain");
        string x = b.Input("x", TensorShape.Dynamic, 64);
        for (int i = 0; i < layers; i++)
        {
            x = b.Relu(b.Gemm(x, 64));
        }

        b.Output(b.Flatten(x));
        return b.Build();
    }

    [Fact]
    public void Plan_ReusesMemoryAlongAChain()
    {
        // Without the rewrites, so that every Relu is a step of its own with a buffer to plan.
        using var executor = new CpuExecutor(Chain(10), new CpuExecutorOptions { Threads = 1, Optimize = false });
        ExecutionPlanInfo plan = executor.Prepare(new Dictionary<string, TensorShape> { ["x"] = new TensorShape(8, 64) });
        Assert.Equal(21, plan.Steps);

        // A chain needs two live buffers at a time (plus the output kept to the end), not twenty.
        Assert.True(plan.ArenaBytes <= 3 * 8 * 64 * sizeof(float), $"arena {plan.ArenaBytes} B");
        Assert.Equal(20L * 8 * 64 * sizeof(float), plan.UnplannedBytes);
    }

    [Fact]
    public void RunProfiled_TimesEveryStepInPlanOrder_WithTheSameOutputs()
    {
        LayerGraph graph = Chain(3);
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new TensorShape(2, 64), Reference.Random(new Random(11), 2 * 64)) };
        using var executor = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1, Optimize = false });

        (IReadOnlyDictionary<string, Tensor> outputs, IReadOnlyList<NodeTime> times) = executor.RunProfiled(inputs);

        // Without the rewrites every node is a step (Gemm, Relu three times, then the Flatten view).
        Assert.Equal(graph.Nodes.Select(n => (n.Name, n.OpType)), times.Select(t => (t.Node, t.OpType)));
        Assert.All(times, t => Assert.True(t.Milliseconds >= 0, $"{t.Node}: {t.Milliseconds} ms"));
        string output = graph.Outputs[0].Name;
        Assert.Equal(executor.Run(inputs)[output].Floats, outputs[output].Floats);
    }

    [Fact]
    public void Optimize_FusesIntoFewerSteps_WithTheSameOutputs()
    {
        var b = new GraphBuilder("conv-bn-relu");
        string x = b.Input("x", TensorShape.Dynamic, 3, 12, 12);
        x = b.Relu(b.BatchNorm(b.Conv(x, 8, 3, pad: 1)));
        b.Output(b.Relu(b.Conv(x, 4, 1)));
        LayerGraph graph = b.Build();
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new TensorShape(2, 3, 12, 12), Reference.Random(new Random(3), 2 * 3 * 12 * 12)) };
        var shapes = new Dictionary<string, TensorShape> { ["x"] = inputs["x"].Shape };
        using var plain = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1, Optimize = false });
        using var optimized = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });

        Assert.Equal(5, plain.Prepare(shapes).Steps);
        Assert.Equal(2, optimized.Prepare(shapes).Steps);
        string output = graph.Outputs[0].Name;
        TensorAssert.Close(plain.Run(inputs)[output], optimized.Run(inputs)[output], 1e-5, 1e-6, output);
    }

    [Fact]
    public void Run_AfterTheFirst_AllocatesOnlyTheOutputs()
    {
        using var executor = new CpuExecutor(Chain(6), new CpuExecutorOptions { Threads = 1 });
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new TensorShape(4, 64), Reference.Random(new Random(1), 256)) };
        _ = executor.Run(inputs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        _ = executor.Run(inputs);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The output tensor (1 KiB of floats) plus its dictionary and wrappers.
        Assert.InRange(allocated, 0, 4 * 64 * sizeof(float) + 1024);
    }

    [Fact]
    public void Run_NewBatch_PlansAgainAndStaysCorrect()
    {
        using var executor = new CpuExecutor(Chain(2), new CpuExecutorOptions { Threads = 1 });
        float[] row = Reference.Random(new Random(2), 64);
        Tensor one = executor.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new TensorShape(1, 64), row) })[executor.Graph.Outputs[0].Name];
        Tensor three = executor.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new TensorShape(3, 64), [.. row, .. row, .. row]) })[executor.Graph.Outputs[0].Name];
        Assert.Equal(new TensorShape(3, 64), three.Shape);
        TensorAssert.Close(one.Floats, three.Floats.AsSpan(128, 64), 1e-6, 1e-7, "third row");
    }

    [Fact]
    public void Run_WrongInputType_NamesTheInput()
    {
        using var executor = new CpuExecutor(Chain(1));
        var e = Assert.Throws<GraphException>(() => executor.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.Vector(1, 2) }));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WrongInputShape_NamesTheInput()
    {
        using var executor = new CpuExecutor(Chain(1));
        var e = Assert.Throws<GraphException>(() => executor.Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new TensorShape(2, 3), new float[6]) }));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }
}
