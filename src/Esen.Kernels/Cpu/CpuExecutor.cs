using System.Diagnostics;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu;

/// <summary>Options of the CPU executor.</summary>
public sealed record CpuExecutorOptions
{
    /// <summary>Worker threads the GEMM and convolution kernels may use (default: all cores).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Whether to run <see cref="GraphRewrites.Optimize"/> (constant folding, BatchNorm folded into Conv,
    /// activations fused into Conv/Gemm) before planning, and <see cref="GraphRewrites.FuseActivationsIntoAdd"/> on
    /// each plan (default: true). Outputs stay equal up to float rounding.
    /// </summary>
    public bool Optimize { get; init; } = true;
}

/// <summary>
/// Runs a <see cref="LayerGraph"/> on the CPU, after the graph rewrites unless they are turned off
/// (<see cref="CpuExecutorOptions.Optimize"/>). For each binding of the input shapes it infers shapes,
/// evaluates constant nodes once, aliases view ops (Reshape, Flatten, Identity...) onto their input,
/// places every other intermediate in one arena per element type with a liveness-based planner
/// (<see cref="MemoryPlanner"/>), and compiles each node into a kernel. After that, a run allocates
/// nothing but its output tensors. Runs are serialised (one arena per executor).
/// </summary>
public sealed class CpuExecutor : IExecutor
{
    /// <summary>int64 inputs up to this many elements specialise the plan on their values.</summary>
    public const int MaxSpecializedElements = ExecutionSchedule.MaxSpecializedElements;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Plan> _plans = [];

    /// <summary>The graph that is planned and run: <see cref="Graph"/>, rewritten when <see cref="CpuExecutorOptions.Optimize"/> is set.</summary>
    private readonly LayerGraph _runGraph;
    private Plan? _last;

    /// <summary>Creates an executor; planning happens on the first run of each input shape.</summary>
    public CpuExecutor(LayerGraph graph, CpuExecutorOptions? options = null)
    {
        Graph = graph;
        Options = options ?? new CpuExecutorOptions();
        if (Options.Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Threads, "Threads must be at least 1");
        }

        _runGraph = Options.Optimize ? GraphRewrites.Optimize(graph) : graph;
    }

    /// <inheritdoc/>
    public LayerGraph Graph { get; }

    /// <summary>The options.</summary>
    public CpuExecutorOptions Options { get; }

    /// <summary>Plans (or returns the cached plan) for the given input shapes and describes it.</summary>
    /// <exception cref="GraphException">Shape inference or compilation failed.</exception>
    public ExecutionPlanInfo Prepare(IReadOnlyDictionary<string, TensorShape> inputShapes)
    {
        lock (_gate)
        {
            return GetPlan(inputShapes).Info;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs) => Run(inputs, times: null);

    /// <summary>
    /// Runs like <see cref="Run(IReadOnlyDictionary{string, Tensor})"/> and also times each node that ran, in
    /// plan order (the graph after the rewrites, constant nodes left out), on the wall clock. For
    /// finding the slow layers of a model; the plain run never reads the clock.
    /// </summary>
    /// <exception cref="GraphException">An input is missing or has the wrong type, or planning failed.</exception>
    public (IReadOnlyDictionary<string, Tensor> Outputs, IReadOnlyList<NodeTime> Times) RunProfiled(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var times = new List<NodeTime>();
        return (Run(inputs, times), times);
    }

    private Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, List<NodeTime>? times)
    {
        foreach (ValueInfo input in Graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out Tensor? tensor))
            {
                throw new GraphException($"graph '{Graph.Name}': input '{input.Name}' was not given");
            }

            if (tensor.DataType != input.DataType)
            {
                throw new GraphException($"input '{input.Name}' is {DataTypes.Name(tensor.DataType)}, the graph expects {DataTypes.Name(input.DataType)}");
            }
        }

        lock (_gate)
        {
            // The common case, the same shapes as last time, finds its plan without allocating.
            Plan plan = _last is not null && Matches(_last, inputs)
                ? _last
                : GetPlan(_runGraph.Inputs.ToDictionary(i => i.Name, i => inputs[i.Name].Shape), inputs);
            _last = plan;
            for (int i = 0; i < _runGraph.Inputs.Count; i++)
            {
                plan.Slots[plan.InputSlots[i]].Bind(inputs[_runGraph.Inputs[i].Name]);
            }

            for (int i = 0; i < plan.Steps.Length; i++)
            {
                long start = times is null ? 0 : Stopwatch.GetTimestamp();
                plan.Steps[i](plan.Slots);
                times?.Add(new NodeTime(plan.Nodes[i].Name, plan.Nodes[i].OpType, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
            }

            var outputs = new Dictionary<string, Tensor>(_runGraph.Outputs.Count);
            foreach (ValueInfo output in _runGraph.Outputs)
            {
                outputs[output.Name] = plan.Slots[plan.SlotOf[output.Name]].ToTensor();
            }

            return outputs;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _plans.Clear();
            _last = null;
        }
    }

    private Plan GetPlan(IReadOnlyDictionary<string, TensorShape> shapes, IReadOnlyDictionary<string, Tensor>? inputs = null)
    {
        Dictionary<string, Tensor> known = ExecutionSchedule.SpecializedInputs(_runGraph, inputs);
        string key = ExecutionSchedule.PlanKey(_runGraph, shapes, known);
        if (!_plans.TryGetValue(key, out Plan? plan))
        {
            InferredShapes inferred = ShapeInference.Infer(_runGraph, shapes, known);
            LayerGraph planned = Options.Optimize ? GraphRewrites.FuseActivationsIntoAdd(_runGraph, name => inferred[name].DataType) : _runGraph;
            plan = BuildPlan(planned, inferred);
            _plans[key] = plan;
        }

        return plan;
    }

    private Plan BuildPlan(LayerGraph graph, InferredShapes shapes)
    {
        var slots = new List<ValueSlot>();
        var slotOf = new Dictionary<string, int>();
        int SlotFor(string name)
        {
            if (!slotOf.TryGetValue(name, out int index))
            {
                index = slots.Count;
                slotOf[name] = index;
                slots.Add(new ValueSlot(name, shapes[name]));
            }

            return index;
        }

        // Constant folding, view aliasing and liveness-based arena offsets are shared with the CUDA executor.
        var schedule = ExecutionSchedule.Build(graph, shapes);
        IReadOnlyDictionary<string, Tensor> constants = schedule.Constants;
        IReadOnlyList<Node> running = schedule.Running;
        foreach (ValueInfo input in graph.Inputs)
        {
            SlotFor(input.Name);
        }

        Dictionary<DataType, Array> arenas = schedule.ArenaElements.ToDictionary(a => a.Key, a => Array.CreateInstance(DataTypes.ClrType(a.Key), a.Value));

        var kernels = new List<CpuKernel>(running.Count);
        foreach (Node node in running)
        {
            int[] inputs = node.Inputs.Select(i => i.Length == 0 ? -1 : SlotFor(i)).ToArray();
            int[] outputs = node.Outputs.Select(o => o.Length == 0 ? -1 : SlotFor(o)).ToArray();
            kernels.Add(CpuNodeCompiler.Compile(ContextFor(graph, shapes, constants, node), [.. slots], inputs, outputs, Options.Threads));
        }

        foreach (ValueInfo output in graph.Outputs)
        {
            SlotFor(output.Name);
        }

        foreach ((string name, int index) in slotOf)
        {
            if (constants.TryGetValue(name, out Tensor? constant))
            {
                slots[index].Bind(constant);
            }
            else if (schedule.ArenaOffset(name) is { } offset)
            {
                slots[index].Bind(arenas[slots[index].Info.DataType], (int)offset);
            }
        }

        var info = new ExecutionPlanInfo(shapes, running.Count, schedule.ArenaBytes, schedule.UnplannedBytes, schedule.InPlaceConcatInputs);
        return new Plan([.. slots], slotOf, graph.Inputs.Select(i => slotOf[i.Name]).ToArray(), [.. kernels], [.. running], info);
    }

    private static InferenceContext ContextFor(LayerGraph graph, InferredShapes shapes, IReadOnlyDictionary<string, Tensor> constants, Node node)
    {
        var values = new Dictionary<string, TensorInfo>(node.Inputs.Where(i => i.Length > 0).Distinct().Select(i => KeyValuePair.Create(i, shapes[i])));
        var known = new Dictionary<string, Tensor>(node.Inputs.Where(constants.ContainsKey).Distinct().Select(i => KeyValuePair.Create(i, constants[i])));
        return new InferenceContext(graph.Opset, node, values, known);
    }

    private bool Matches(Plan plan, IReadOnlyDictionary<string, Tensor> inputs)
    {
        for (int i = 0; i < _runGraph.Inputs.Count; i++)
        {
            Tensor tensor = inputs[_runGraph.Inputs[i].Name];
            if (tensor.Shape != plan.Slots[plan.InputSlots[i]].Info.Shape
                || (plan.Info.Shapes.Constants.TryGetValue(_runGraph.Inputs[i].Name, out Tensor? known) && !known.Int64s.AsSpan().SequenceEqual(tensor.Int64s)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A plan: <see cref="Steps"/>[i] runs <see cref="Nodes"/>[i].</summary>
    private sealed record Plan(ValueSlot[] Slots, Dictionary<string, int> SlotOf, int[] InputSlots, CpuKernel[] Steps, Node[] Nodes, ExecutionPlanInfo Info);
}

/// <summary>How long one node took in <see cref="CpuExecutor.RunProfiled"/>.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="OpType">Its op type (after the rewrites, e.g. a Conv with a fused ReLU is one Conv).</param>
/// <param name="Milliseconds">Wall-clock time of its kernel.</param>
public readonly record struct NodeTime(string Node, string OpType, double Milliseconds);
