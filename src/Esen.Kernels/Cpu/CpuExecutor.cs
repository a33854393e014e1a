using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu;

/// <summary>Options of the CPU executor.</summary>
public sealed record CpuExecutorOptions
{
    /// <summary>Worker threads the GEMM and convolution kernels may use (default: all cores).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Runs a <see cref="LayerGraph"/> on the CPU. For each binding of the input shapes it infers shapes,
/// evaluates constant nodes once, aliases view ops (Reshape, Flatten, Identity...) onto their input,
/// places every other intermediate in one arena per element type with a liveness-based planner
/// (<see cref="MemoryPlanner"/>), and compiles each node into a kernel. After that, a run allocates
/// nothing but its output tensors. Runs are serialised (one arena per executor).
/// </summary>
public sealed class CpuExecutor : IExecutor
{
    /// <summary>int64 inputs up to this many elements specialise the plan on their values.</summary>
    public const int MaxSpecializedElements = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Plan> _plans = [];

    /// <summary>Creates an executor; planning happens on the first run of each input shape.</summary>
    public CpuExecutor(LayerGraph graph, CpuExecutorOptions? options = null)
    {
        Graph = graph;
        Options = options ?? new CpuExecutorOptions();
        if (Options.Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Threads, "Threads must be at least 1");
        }
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
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var shapes = new Dictionary<string, TensorShape>();
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

            shapes[input.Name] = tensor.Shape;
        }

        lock (_gate)
        {
            Plan plan = GetPlan(shapes, inputs);
            foreach (ValueInfo input in Graph.Inputs)
            {
                plan.Slots[plan.SlotOf[input.Name]].Bind(inputs[input.Name]);
            }

            foreach (CpuKernel step in plan.Steps)
            {
                step(plan.Slots);
            }

            var outputs = new Dictionary<string, Tensor>();
            foreach (ValueInfo output in Graph.Outputs)
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
        }
    }

    private Plan GetPlan(IReadOnlyDictionary<string, TensorShape> shapes, IReadOnlyDictionary<string, Tensor>? inputs = null)
    {
        // Small int64 inputs usually carry shapes, axes or indices that decide other shapes: the plan
        // is specialised on their values (part of the key), so that inference can use them.
        Dictionary<string, Tensor> known = Graph.Inputs
            .Where(i => i.DataType == DataType.Int64 && inputs is not null && inputs.TryGetValue(i.Name, out Tensor? t) && t.ElementCount <= MaxSpecializedElements)
            .ToDictionary(i => i.Name, i => inputs![i.Name]);
        string key = string.Join(';', Graph.Inputs.Select(i =>
            (shapes.TryGetValue(i.Name, out TensorShape? s) ? s.ToString() : "?")
            + (known.TryGetValue(i.Name, out Tensor? value) ? "=" + string.Join(',', value.Int64s) : string.Empty)));
        if (!_plans.TryGetValue(key, out Plan? plan))
        {
            plan = BuildPlan(ShapeInference.Infer(Graph, shapes, known));
            _plans[key] = plan;
        }

        return plan;
    }

    private Plan BuildPlan(InferredShapes shapes)
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

        // Constants: initializers and values inference already knows; constant nodes are evaluated once now.
        var constants = new Dictionary<string, Tensor>(shapes.Constants);

        var running = new List<Node>();
        foreach (Node node in Graph.Nodes)
        {
            if (node.Outputs.Where(o => o.Length > 0).All(constants.ContainsKey))
            {
                continue;
            }

            if (node.Inputs.All(i => i.Length == 0 || constants.ContainsKey(i)))
            {
                Tensor?[] values = CpuNodeCompiler.Evaluate(
                    Graph.Opset, node, node.Inputs.Select(i => i.Length == 0 ? null : constants[i]).ToArray(),
                    node.Outputs.Select(o => o.Length == 0 ? null : shapes[o]).ToArray());
                for (int i = 0; i < node.Outputs.Count; i++)
                {
                    if (values[i] is { } value)
                    {
                        constants[node.Outputs[i]] = value;
                    }
                }

                continue;
            }

            running.Add(node);
        }

        foreach (ValueInfo input in Graph.Inputs)
        {
            SlotFor(input.Name);
        }

        // Live ranges: a value is live from the step that writes it to the last step that reads it;
        // graph outputs stay live to the end. View ops share their input's buffer (the alias root).
        var root = new Dictionary<string, string>();
        var firstStep = new Dictionary<string, int>();
        var lastStep = new Dictionary<string, int>();
        string RootOf(string name) => root.TryGetValue(name, out string? r) ? r : name;
        for (int step = 0; step < running.Count; step++)
        {
            Node node = running[step];
            foreach (string input in node.Inputs.Where(i => i.Length > 0))
            {
                lastStep[RootOf(input)] = step;
            }

            for (int i = 0; i < node.Outputs.Count; i++)
            {
                string output = node.Outputs[i];
                if (output.Length == 0)
                {
                    continue;
                }

                string source = node.Inputs.Count > 0 ? node.Inputs[0] : string.Empty;
                bool alias = i == 0 && CpuNodeCompiler.IsView(node.OpType) && firstStep.ContainsKey(RootOf(source))
                    && shapes[source].DataType == shapes[output].DataType;
                if (alias)
                {
                    root[output] = RootOf(source);
                    lastStep[RootOf(source)] = step;
                }
                else
                {
                    firstStep[output] = step;
                    lastStep[output] = step;
                }
            }
        }

        foreach (ValueInfo output in Graph.Outputs)
        {
            if (firstStep.ContainsKey(RootOf(output.Name)))
            {
                lastStep[RootOf(output.Name)] = running.Count;
            }
        }

        long arenaBytes = 0, unplanned = 0;
        var arenaOffset = new Dictionary<string, (Array Arena, int Offset)>();
        foreach (DataType type in new[] { DataType.Float32, DataType.Int64 })
        {
            string[] names = firstStep.Keys.Where(n => shapes[n].DataType == type).ToArray();
            BufferRequest[] requests = names.Select(n => new BufferRequest(shapes[n].Shape.ElementCount, firstStep[n], lastStep[n])).ToArray();
            (long[] offsets, long size) = MemoryPlanner.Plan(requests);
            if (size > TensorShape.MaxElements)
            {
                throw new GraphException($"graph '{Graph.Name}': the activations need {size} {DataTypes.Name(type)} elements, more than one arena can hold");
            }

            Array arena = type == DataType.Float32 ? new float[size] : new long[size];
            arenaBytes += size * DataTypes.SizeOf(type);
            unplanned += requests.Sum(r => r.Size) * DataTypes.SizeOf(type);
            for (int i = 0; i < names.Length; i++)
            {
                arenaOffset[names[i]] = (arena, (int)offsets[i]);
            }
        }

        var kernels = new List<CpuKernel>(running.Count);
        foreach (Node node in running)
        {
            int[] inputs = node.Inputs.Select(i => i.Length == 0 ? -1 : SlotFor(i)).ToArray();
            int[] outputs = node.Outputs.Select(o => o.Length == 0 ? -1 : SlotFor(o)).ToArray();
            kernels.Add(CpuNodeCompiler.Compile(ContextFor(shapes, constants, node), [.. slots], inputs, outputs, Options.Threads));
        }

        foreach (ValueInfo output in Graph.Outputs)
        {
            SlotFor(output.Name);
        }

        foreach ((string name, int index) in slotOf)
        {
            if (constants.TryGetValue(name, out Tensor? constant))
            {
                slots[index].Bind(constant);
            }
            else if (arenaOffset.TryGetValue(RootOf(name), out (Array Arena, int Offset) place))
            {
                slots[index].Bind(place.Arena, place.Offset);
            }
        }

        var info = new ExecutionPlanInfo(shapes, running.Count, arenaBytes, unplanned);
        return new Plan([.. slots], slotOf, [.. kernels], info);
    }

    private InferenceContext ContextFor(InferredShapes shapes, Dictionary<string, Tensor> constants, Node node)
    {
        var values = new Dictionary<string, TensorInfo>(node.Inputs.Where(i => i.Length > 0).Distinct().Select(i => KeyValuePair.Create(i, shapes[i])));
        var known = new Dictionary<string, Tensor>(node.Inputs.Where(constants.ContainsKey).Distinct().Select(i => KeyValuePair.Create(i, constants[i])));
        return new InferenceContext(Graph.Opset, node, values, known);
    }

    private sealed record Plan(ValueSlot[] Slots, Dictionary<string, int> SlotOf, CpuKernel[] Steps, ExecutionPlanInfo Info);
}
