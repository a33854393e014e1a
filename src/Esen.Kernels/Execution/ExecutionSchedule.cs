using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Execution;

/// <summary>
/// The planning every executor shares for one binding of the input shapes: constant nodes evaluated
/// once (on the host), the nodes that run per call in graph order, view ops (Reshape, Flatten,
/// Identity...) aliased onto their input, Concat inputs placed in their slice of the Concat's output
/// when the slices are contiguous (the Concat then has nothing to copy for them), and every other
/// intermediate placed in one arena per element type by <see cref="MemoryPlanner"/> from its live
/// range. The CPU executor backs the arenas with arrays, the CUDA executor with device memory; offsets
/// are in elements.
/// </summary>
internal sealed class ExecutionSchedule
{
    /// <summary>int64 inputs up to this many elements specialise a plan on their values (<see cref="SpecializedInputs"/>).</summary>
    public const int MaxSpecializedElements = 64;

    private readonly Dictionary<string, string> _root;
    private readonly Dictionary<string, long> _offsets;
    private readonly Dictionary<string, (int First, int Last)> _liveRanges;
    private readonly Dictionary<string, string> _concatContainer;

    private ExecutionSchedule(
        InferredShapes shapes, Dictionary<string, Tensor> constants, Node[] running, Dictionary<string, string> root,
        Dictionary<string, long> offsets, Dictionary<string, (int First, int Last)> liveRanges, Dictionary<string, string> concatContainer,
        Dictionary<DataType, long> arenaElements, long unplannedBytes)
    {
        Shapes = shapes;
        Constants = constants;
        Running = running;
        _root = root;
        _offsets = offsets;
        _liveRanges = liveRanges;
        _concatContainer = concatContainer;
        ArenaElements = arenaElements;
        UnplannedBytes = unplannedBytes;
    }

    /// <summary>Inferred types and shapes of every value.</summary>
    public InferredShapes Shapes { get; }

    /// <summary>Initializers, values inference knows, and the outputs of constant nodes.</summary>
    public IReadOnlyDictionary<string, Tensor> Constants { get; }

    /// <summary>The nodes that run per call, in execution order (step i is Running[i]).</summary>
    public IReadOnlyList<Node> Running { get; }

    /// <summary>Elements of the arena of each element type.</summary>
    public IReadOnlyDictionary<DataType, long> ArenaElements { get; }

    /// <summary>Bytes of all arenas.</summary>
    public long ArenaBytes => ArenaElements.Sum(a => a.Value * DataTypes.SizeOf(a.Key));

    /// <summary>Bytes all planned values would take without reuse or aliasing.</summary>
    public long UnplannedBytes { get; }

    /// <summary>The value whose buffer <paramref name="name"/> shares (itself unless it is an aliased view).</summary>
    public string RootOf(string name) => _root.TryGetValue(name, out string? r) ? r : name;

    /// <summary>The arena offset (elements) of <paramref name="name"/>'s buffer, or null when it is not in an arena (input, constant).</summary>
    public long? ArenaOffset(string name) => _offsets.TryGetValue(RootOf(name), out long offset) ? offset : null;

    /// <summary>The steps from the write to the last read (inclusive; <see cref="Running"/>.Count for graph outputs) of an arena buffer root.</summary>
    public (int First, int Last) LiveRange(string root) => _liveRanges[root];

    /// <summary>The arena buffer roots, each planned value once.</summary>
    public IEnumerable<string> ArenaValues => _offsets.Keys;

    /// <summary>
    /// The output of the Concat whose slice arena root <paramref name="root"/> is written into by its
    /// producer (so the Concat copies nothing for it), or null when it has a buffer of its own.
    /// </summary>
    public string? ConcatContainerOf(string root) => _concatContainer.GetValueOrDefault(root);

    /// <summary>How many Concat inputs live in their slice of the Concat's output instead of being copied there.</summary>
    public int InPlaceConcatInputs => _concatContainer.Count;

    /// <summary>
    /// The inputs whose values a plan is specialised on: those of at most <see cref="MaxSpecializedElements"/> elements
    /// that are int64, or float32 and a Resize's scales. Small int64 inputs usually carry shapes, axes or indices that
    /// decide other shapes, and scales decide a Resize's, so inference needs their values; the plan holds them as
    /// constants and is keyed on them (<see cref="PlanKey"/>). None without <paramref name="inputs"/> (a plan made from
    /// shapes alone).
    /// </summary>
    public static Dictionary<string, Tensor> SpecializedInputs(LayerGraph graph, IReadOnlyDictionary<string, Tensor>? inputs)
    {
        int scalesInput = graph.Opset < 11 ? 1 : 2;
        HashSet<string> scales = [.. graph.Nodes.Where(n => n.OpType == "Resize" && n.HasInput(scalesInput)).Select(n => n.Inputs[scalesInput])];
        return graph.Inputs
            .Where(i => (i.DataType == DataType.Int64 || (i.DataType == DataType.Float32 && scales.Contains(i.Name)))
                && inputs is not null && inputs.TryGetValue(i.Name, out Tensor? t) && t.ElementCount <= MaxSpecializedElements)
            .ToDictionary(i => i.Name, i => inputs![i.Name]);
    }

    /// <summary>The key of the plan for input shapes <paramref name="shapes"/> and specialised input values <paramref name="known"/>.</summary>
    public static string PlanKey(LayerGraph graph, IReadOnlyDictionary<string, TensorShape> shapes, IReadOnlyDictionary<string, Tensor> known) =>
        string.Join(';', graph.Inputs.Select(i =>
            (shapes.TryGetValue(i.Name, out TensorShape? s) ? s.ToString() : "?")
            + (known.TryGetValue(i.Name, out Tensor? value) ? "=" + string.Join(',', value.Data.Cast<object>()) : string.Empty)));

    /// <summary>The shapes of the given inputs, checking that each graph input is there with its element type.</summary>
    /// <exception cref="GraphException">An input is missing or has the wrong element type.</exception>
    public static IReadOnlyDictionary<string, TensorShape> BindInputs(LayerGraph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var shapes = new Dictionary<string, TensorShape>();
        foreach (ValueInfo input in graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out Tensor? tensor))
            {
                throw new GraphException($"graph '{graph.Name}': input '{input.Name}' was not given");
            }

            if (tensor.DataType != input.DataType)
            {
                throw new GraphException($"input '{input.Name}' is {DataTypes.Name(tensor.DataType)}, the graph expects {DataTypes.Name(input.DataType)}");
            }

            shapes[input.Name] = tensor.Shape;
        }

        return shapes;
    }

    /// <summary>Plans <paramref name="graph"/> for one binding; views (<see cref="OpCatalog.IsView"/>) may alias their input.</summary>
    /// <exception cref="GraphException">A constant node fails, or an arena would exceed <see cref="TensorShape.MaxElements"/>.</exception>
    public static ExecutionSchedule Build(LayerGraph graph, InferredShapes shapes)
    {
        // Constants: initializers and values inference already knows; constant nodes are evaluated once now.
        var constants = new Dictionary<string, Tensor>(shapes.Constants);
        var running = new List<Node>();
        foreach (Node node in graph.Nodes)
        {
            if (node.Outputs.Where(o => o.Length > 0).All(constants.ContainsKey))
            {
                continue;
            }

            if (ConstantEvaluator.InputsKnown(node, constants))
            {
                ConstantEvaluator.Fold(graph.Opset, node, constants, o => shapes[o]);
                continue;
            }

            running.Add(node);
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
                bool alias = i == 0 && OpCatalog.IsView(node.OpType) && firstStep.ContainsKey(RootOf(source))
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

        foreach (ValueInfo output in graph.Outputs)
        {
            if (firstStep.ContainsKey(RootOf(output.Name)))
            {
                lastStep[RootOf(output.Name)] = running.Count;
            }
        }

        // In-place Concat: an eligible input is written by its producer straight into its slice of the
        // Concat's output, so the Concat copies nothing for it. The output's buffer then holds the input
        // from the input's write on: its live range grows to cover the input's.
        Dictionary<string, (string Output, long Offset)> slices = PlaceConcatInputsInOutputs(graph, running, shapes, firstStep);
        foreach (Node concat in running.Where(n => n.OpType == "Concat"))
        {
            // Graph order, so an inner Concat's output already covers its own inputs when an outer one takes it.
            string output = concat.Outputs[0];
            foreach (string input in concat.Inputs.Where(slices.ContainsKey))
            {
                firstStep[output] = Math.Min(firstStep[output], firstStep[input]);
                lastStep[output] = Math.Max(lastStep[output], lastStep[input]);
            }
        }

        long unplanned = 0;
        var offsets = new Dictionary<string, long>();
        var arenaElements = new Dictionary<DataType, long>();
        foreach (DataType type in DataTypes.All)
        {
            string[] values = firstStep.Keys.Where(n => shapes[n].DataType == type).ToArray();
            unplanned += values.Sum(n => shapes[n].Shape.ElementCount) * DataTypes.SizeOf(type);
            string[] names = values.Where(n => !slices.ContainsKey(n)).ToArray();
            BufferRequest[] requests = names.Select(n => new BufferRequest(shapes[n].Shape.ElementCount, firstStep[n], lastStep[n])).ToArray();
            (long[] placed, long size) = MemoryPlanner.Plan(requests);
            if (size > TensorShape.MaxElements)
            {
                throw new GraphException($"graph '{graph.Name}': the activations need {size} {DataTypes.Name(type)} elements, more than one arena can hold");
            }

            arenaElements[type] = size;
            for (int i = 0; i < names.Length; i++)
            {
                offsets[names[i]] = placed[i];
            }
        }

        long OffsetOf(string name) => slices.TryGetValue(name, out (string Output, long Offset) slice) ? OffsetOf(slice.Output) + slice.Offset : offsets[name];
        foreach (string input in slices.Keys)
        {
            offsets[input] = OffsetOf(input);
        }

        var liveRanges = firstStep.Keys.ToDictionary(n => n, n => (firstStep[n], lastStep[n]));
        var containers = slices.ToDictionary(s => s.Key, s => s.Value.Output);
        return new ExecutionSchedule(shapes, constants, [.. running], root, offsets, liveRanges, containers, arenaElements, unplanned);
    }

    /// <summary>
    /// The Concat inputs that can live in their slice of the Concat's output, each with the Concat
    /// output and the slice's offset (elements). The slices must be contiguous: the dimensions before
    /// the axis multiply to 1 (axis 0, or batch 1 along the channels). An input qualifies when it is an
    /// intermediate with a buffer of its own (not a graph input, constant or aliased view), not a graph
    /// output, and appears once among the inputs of all running Concats (one slice to live in).
    /// </summary>
    private static Dictionary<string, (string Output, long Offset)> PlaceConcatInputsInOutputs(
        LayerGraph graph, List<Node> running, InferredShapes shapes, Dictionary<string, int> firstStep)
    {
        Node[] concats = running.Where(n => n.OpType == "Concat").ToArray();
        var uses = concats.SelectMany(n => n.Inputs).CountBy(i => i).ToDictionary();
        var graphOutputs = graph.Outputs.Select(o => o.Name).ToHashSet();
        var slices = new Dictionary<string, (string Output, long Offset)>();
        foreach (Node concat in concats)
        {
            string output = concat.Outputs[0];
            TensorShape shape = shapes[output].Shape;
            if (shape.Product(0, AxisOps.ConcatAxis(concat, shape.Rank)) != 1)
            {
                continue;
            }

            long offset = 0;
            foreach (string input in concat.Inputs)
            {
                // Only values written by a running node into a buffer of their own have a first step (aliased views do not).
                if (firstStep.ContainsKey(input) && !graphOutputs.Contains(input) && uses[input] == 1)
                {
                    slices[input] = (output, offset);
                }

                offset += shapes[input].Shape.ElementCount;
            }
        }

        return slices;
    }
}
