using Esen.Kernels.Cpu;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Tests.Conformance;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Execution;

/// <summary>
/// Concat inputs written by their producers straight into their slice of the Concat's output: the
/// outputs must equal the copying path's, and the memory plan must stay sound.
/// </summary>
public class ConcatInPlaceTests
{
    public static TheoryData<string> GraphNames => ConcatGraphs.Names;

    [Theory]
    [MemberData(nameof(GraphNames))]
    public void Outputs_EqualTheCopyingPath(string name)
    {
        (LayerGraph graph, int inPlace) = ConcatGraphs.All[name]();

        // The oracle: the same graph with every Concat input also a graph output, which makes none of them eligible.
        LayerGraph copying = WithConcatInputsAsOutputs(graph);
        Dictionary<string, TensorShape> shapes = graph.Inputs.ToDictionary(i => i.Name, i => i.Shape);
        Dictionary<string, Tensor> inputs = graph.Inputs.Select((v, i) => KeyValuePair.Create(v.Name, Tensor.SeededRandom(v.Shape, 20261122 + i, 1f))).ToDictionary();
        using var executor = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });
        using var reference = new CpuExecutor(copying, new CpuExecutorOptions { Threads = 1 });
        Assert.Equal(inPlace, executor.Prepare(shapes).InPlaceConcatInputs);
        Assert.Equal(0, reference.Prepare(shapes).InPlaceConcatInputs);

        // Twice: the second run reuses the plan and an arena that still holds the first run's values.
        for (int run = 0; run < 2; run++)
        {
            IReadOnlyDictionary<string, Tensor> actual = executor.Run(inputs), expected = reference.Run(inputs);
            foreach (ValueInfo output in graph.Outputs)
            {
                TensorAssert.Close(expected[output.Name], actual[output.Name], rtol: 1e-6, atol: 1e-7, $"{name} run {run} output '{output.Name}'");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GraphNames))]
    public void Plan_OverlapsLiveValuesOnlyWhereOneIsASliceOfTheOther(string name)
    {
        (LayerGraph graph, int inPlace) = ConcatGraphs.All[name]();
        ExecutionSchedule schedule = Schedule(graph, graph.Inputs.ToDictionary(i => i.Name, i => i.Shape));
        Assert.Equal(inPlace, schedule.InPlaceConcatInputs);
        AssertSoundPlacement(schedule);
    }

    [Fact]
    public void ExpandOutputsOfAFireModule_LiveAtTheirChannelOffsets()
    {
        LayerGraph graph = ConcatGraphs.Fire(batch: 1);
        ExecutionSchedule schedule = Schedule(graph, graph.Inputs.ToDictionary(i => i.Name, i => i.Shape));
        Node concat = graph.Nodes.First(n => n.OpType == "Concat");
        string expand1 = concat.Inputs[0], expand3 = concat.Inputs[1], output = concat.Outputs[0];

        // [1, 5, 9, 9] then [1, 5, 9, 9] along the channels: the second starts 5·81 elements in.
        Assert.Equal(schedule.ArenaOffset(output), schedule.ArenaOffset(expand1));
        Assert.Equal(schedule.ArenaOffset(output) + (5 * 81), schedule.ArenaOffset(expand3));
        Assert.Equal(output, schedule.ConcatContainerOf(expand1));

        // The output's buffer is live from the first expand convolution on.
        Assert.Equal(schedule.LiveRange(expand1).First, schedule.LiveRange(output).First);
    }

    [SkippableFact]
    public void SqueezeNet_WritesBothExpandOutputsOfEveryFireModuleInPlace()
    {
        string directory = Requires.SharedDirectory("models/squeezenet1.1-fp32");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        IReadOnlyList<Tensor> data = OnnxTestCase.ReadTensors(new OnnxTestCase(directory).DataSets.First(), "input");
        ExecutionSchedule schedule = Schedule(graph, graph.Inputs.Select((v, i) => KeyValuePair.Create(v.Name, data[i].Shape)).ToDictionary());
        Assert.Equal(8, graph.Nodes.Count(n => n.OpType == "Concat"));
        Assert.Equal(16, schedule.InPlaceConcatInputs);
        AssertSoundPlacement(schedule);
    }

    /// <summary>Whether <paramref name="inner"/> lives in a slice of <paramref name="outer"/>, directly or through nested Concats.</summary>
    internal static bool IsSliceOf(ExecutionSchedule schedule, string inner, string outer)
    {
        for (string? container = schedule.ConcatContainerOf(inner); container is not null; container = schedule.ConcatContainerOf(container))
        {
            if (container == outer)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every arena value inside its arena; an in-place Concat input exactly where the Concat would
    /// copy it and live only while its container is; and no two values live at the same step share
    /// memory unless one is a slice of the other.
    /// </summary>
    private static void AssertSoundPlacement(ExecutionSchedule schedule)
    {
        var values = schedule.ArenaValues.Select(v =>
        {
            long start = schedule.ArenaOffset(v)!.Value;
            return (Name: v, Type: schedule.Shapes[v].DataType, Start: start, End: start + schedule.Shapes[v].Shape.ElementCount, Live: schedule.LiveRange(v));
        }).ToArray();
        foreach (var a in values)
        {
            Assert.True(a.Start >= 0 && a.End <= schedule.ArenaElements[a.Type], $"{a.Name} [{a.Start}, {a.End}) is outside its arena");
            if (schedule.ConcatContainerOf(a.Name) is { } container)
            {
                Node concat = schedule.Running.Single(n => n.OpType == "Concat" && n.Outputs[0] == container);
                long slice = concat.Inputs.TakeWhile(i => i != a.Name).Sum(i => schedule.Shapes[i].Shape.ElementCount);
                Assert.Equal(schedule.ArenaOffset(container) + slice, a.Start);
                (int first, int last) = schedule.LiveRange(container);
                Assert.True(first <= a.Live.First && a.Live.Last <= last, $"{a.Name} is live outside its container {container}");
            }

            foreach (var b in values.Where(b => b.Type == a.Type && string.CompareOrdinal(a.Name, b.Name) < 0))
            {
                bool liveTogether = a.Live.First <= b.Live.Last && b.Live.First <= a.Live.Last;
                bool overlap = a.Start < b.End && b.Start < a.End;
                Assert.False(
                    liveTogether && overlap && !IsSliceOf(schedule, a.Name, b.Name) && !IsSliceOf(schedule, b.Name, a.Name),
                    $"{a.Name} [{a.Start}, {a.End}) and {b.Name} [{b.Start}, {b.End}) are live together and overlap");
            }
        }
    }

    private static ExecutionSchedule Schedule(LayerGraph graph, Dictionary<string, TensorShape> shapes) =>
        ExecutionSchedule.Build(graph, ShapeInference.Infer(graph, shapes));

    private static LayerGraph WithConcatInputsAsOutputs(LayerGraph graph)
    {
        var notComputed = graph.Inputs.Select(i => i.Name).Concat(graph.Initializers.Keys).Concat(graph.Outputs.Select(o => o.Name)).ToHashSet();
        ValueInfo[] extra = graph.Nodes.Where(n => n.OpType == "Concat").SelectMany(n => n.Inputs)
            .Where(i => !notComputed.Contains(i)).Distinct().Select(i => new ValueInfo(i, DataType.Float32, TensorShape.Scalar)).ToArray();
        return new LayerGraph(graph.Name, graph.Inputs, [.. graph.Outputs, .. extra], graph.Nodes, graph.Initializers, graph.Opset);
    }
}
