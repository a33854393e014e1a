namespace Esen.Kernels.Graph;

/// <summary>
/// An immutable layer graph: named inputs and outputs, initializers (weights and constants) and
/// nodes in a topological order. The constructor validates the structure: every node input is
/// defined exactly once (graph input, initializer or an earlier node's output) and there is no cycle;
/// violations raise a <see cref="GraphException"/> naming the node and value.
/// </summary>
public sealed class LayerGraph
{
    /// <summary>The opset the builder targets: the semantics of opset 17 (ONNX 1.12) and later.</summary>
    public const int DefaultOpset = 17;

    /// <summary>Creates and validates a graph; nodes may come in any order and are sorted.</summary>
    /// <param name="opset">The default-domain opset version; decides opset-dependent semantics (Softmax axis...).</param>
    /// <param name="exportedBatch">See <see cref="ExportedBatch"/>; null for a graph whose batch was never fixed.</param>
    /// <exception cref="GraphException">A value is undefined or defined twice, or the nodes form a cycle.</exception>
    /// <param name="outerValues">See <see cref="OuterValues"/>; empty for a model's main graph.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exportedBatch"/> is below 1.</exception>
    public LayerGraph(
        string name,
        IReadOnlyList<ValueInfo> inputs,
        IReadOnlyList<ValueInfo> outputs,
        IReadOnlyList<Node> nodes,
        IReadOnlyDictionary<string, Tensor> initializers,
        int opset = DefaultOpset,
        long? exportedBatch = null,
        IReadOnlyList<string>? outerValues = null)
    {
        if (exportedBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(exportedBatch), exportedBatch, "the exported batch must be at least 1");
        }

        Name = name;
        Opset = opset;
        ExportedBatch = exportedBatch;
        Initializers = initializers;
        Inputs = inputs.Where(i => !initializers.ContainsKey(i.Name)).ToArray();
        Outputs = outputs;
        OuterValues = outerValues ?? [];
        Nodes = SortTopologically(name, [.. Inputs.Select(i => i.Name), .. OuterValues], nodes, initializers);
        foreach (ValueInfo output in outputs)
        {
            if (!Inputs.Any(i => i.Name == output.Name) && !initializers.ContainsKey(output.Name) && !OuterValues.Contains(output.Name)
                && !Nodes.Any(n => n.Outputs.Contains(output.Name)))
            {
                throw new GraphException($"graph '{name}': output '{output.Name}' is not produced by any node");
            }
        }
    }

    /// <summary>The graph name.</summary>
    public string Name { get; }

    /// <summary>The default-domain opset version.</summary>
    public int Opset { get; }

    /// <summary>Inputs the caller feeds (initializers excluded).</summary>
    public IReadOnlyList<ValueInfo> Inputs { get; }

    /// <summary>Outputs, in order.</summary>
    public IReadOnlyList<ValueInfo> Outputs { get; }

    /// <summary>Nodes in a topological order.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>
    /// The values of the enclosing graph that a subgraph (an If branch) reads by name, as its nodes' inputs or its
    /// outputs; empty for a model's main graph. The node holding the subgraph lists them as inputs of its own, so that
    /// ordering, liveness and slicing of the enclosing graph see them.
    /// </summary>
    public IReadOnlyList<string> OuterValues { get; }

    /// <summary>Weights and constants by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Initializers { get; }

    /// <summary>
    /// The fixed batch the graph's inputs declared before <see cref="WithDynamicBatch"/> made it
    /// dynamic (typically 1), or null when the batch was never fixed. Shape inference at any other batch
    /// checks every node against an inference at this one, so that a constant that hard-codes the
    /// batch fails at planning, naming the node, instead of giving a wrong answer.
    /// </summary>
    public long? ExportedBatch { get; }

    /// <summary>Parameters: total elements of the float initializers.</summary>
    public long ParameterCount => Initializers.Values.Where(t => t.DataType == DataType.Float32).Sum(t => t.ElementCount);

    /// <summary>A copy with other nodes and initializers (for rewrites); inputs, outputs, opset and exported batch are kept.</summary>
    public LayerGraph With(IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, Tensor> initializers) =>
        new(Name, Inputs, Outputs, nodes, initializers, Opset, ExportedBatch, OuterValues);

    /// <summary>
    /// This graph if its inputs already take <paramref name="batch"/> (the leading dimension of each
    /// input of rank 2 or more is dynamic or equal to it), otherwise <see cref="WithDynamicBatch"/>:
    /// what a host that runs or profiles a model at a chosen batch calls. Whether the nodes can take
    /// that batch is decided by shape inference, at planning.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is below 1.</exception>
    /// <exception cref="GraphException">See <see cref="WithDynamicBatch"/>.</exception>
    public LayerGraph ForBatch(long batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        return Inputs.Where(HasFixedBatch).All(i => i.Shape[0] == batch) ? this : WithDynamicBatch();
    }

    /// <summary>
    /// This graph with a dynamic batch, so that it runs at batches other than the one its file
    /// declares (ONNX exporters often write a fixed batch of 1). The leading dimension of every input of
    /// rank 2 or more that is a fixed value becomes <see cref="TensorShape.Dynamic"/>, and so does the
    /// leading dimension of every output that equals it; that value is recorded as
    /// <see cref="ExportedBatch"/>. Rank-0 and rank-1 inputs are left alone: they are more often
    /// shapes or parameters than a batch of scalars. A graph with no such input (its batch is already
    /// dynamic, as in the model zoo) is returned unchanged.
    /// </summary>
    /// <remarks>
    /// Flatten, and Reshape with 0 or −1 at the batch, follow the bound batch, and so do shape
    /// computations from Shape (Shape → Gather → Concat → Reshape), which inference evaluates at the
    /// bound batch. A constant that hard-codes the batch (a Reshape to [1, −1] or [1, 10]) makes
    /// shape inference at another batch throw a <see cref="GraphException"/> naming the node, its
    /// output and its constant inputs: every value that depends on the batch must keep it as a
    /// dimension of its own. This is conservative: a graph that folds the batch into another
    /// dimension (a Reshape of [N, S, D] to [−1, D]) is refused too, because its shapes alone do not
    /// tell whether the nodes after it keep the samples apart.
    /// </remarks>
    /// <exception cref="GraphException">The inputs' fixed leading dimensions differ, so which one is the batch is unclear.</exception>
    public LayerGraph WithDynamicBatch()
    {
        ValueInfo[] fixedInputs = [.. Inputs.Where(HasFixedBatch)];
        if (fixedInputs.Length == 0)
        {
            return this;
        }

        long batch = fixedInputs[0].Shape[0];
        if (fixedInputs.FirstOrDefault(i => i.Shape[0] != batch) is { } other)
        {
            throw new GraphException(
                $"graph '{Name}': inputs '{fixedInputs[0].Name}' {fixedInputs[0].Shape} and '{other.Name}' {other.Shape} declare different leading dimensions, so the batch is ambiguous");
        }

        if (ExportedBatch is { } exported && exported != batch)
        {
            throw new GraphException($"graph '{Name}': inputs declare batch {batch}, but the graph was exported for batch {exported}");
        }

        return new LayerGraph(
            Name,
            [.. Inputs.Select(i => fixedInputs.Contains(i) ? WithDynamicLeading(i) : i)],
            [.. Outputs.Select(o => o.Shape.Rank >= 1 && o.Shape[0] == batch ? WithDynamicLeading(o) : o)],
            Nodes,
            Initializers,
            Opset,
            batch,
            OuterValues);

        static ValueInfo WithDynamicLeading(ValueInfo value) =>
            value with { Shape = new TensorShape([TensorShape.Dynamic, .. value.Shape.Dimensions[1..]]) };
    }

    /// <summary>The nodes that read each value, by value name.</summary>
    public Dictionary<string, List<Node>> Consumers()
    {
        var consumers = new Dictionary<string, List<Node>>();
        foreach (Node node in Nodes)
        {
            foreach (string input in node.Inputs.Where(i => i.Length > 0))
            {
                if (!consumers.TryGetValue(input, out List<Node>? list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }
        }

        return consumers;
    }

    /// <inheritdoc/>
    public override string ToString() => $"graph '{Name}' ({Nodes.Count} nodes, opset {Opset})";

    /// <summary>True for an input whose leading dimension is a fixed batch: rank 2 or more (rank-0 and rank-1 inputs are more often shapes or parameters than a batch of scalars) and not dynamic.</summary>
    internal static bool HasFixedBatch(ValueInfo input) => input.Shape.Rank >= 2 && input.Shape[0] != TensorShape.Dynamic;

    // Kahn's algorithm; stable (keeps the given order among ready nodes) and O(nodes + edges).
    private static Node[] SortTopologically(
        string graphName, IReadOnlyList<string> inputs, IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, Tensor> initializers)
    {
        var producer = new Dictionary<string, int>();
        var names = new HashSet<string>();
        for (int i = 0; i < nodes.Count; i++)
        {
            Node node = nodes[i];
            if (!names.Add(node.Name))
            {
                throw new GraphException($"graph '{graphName}': two nodes are named '{node.Name}'");
            }

            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                if (producer.ContainsKey(output) || initializers.ContainsKey(output) || inputs.Contains(output))
                {
                    throw new GraphException($"{node.Describe()}: output '{output}' is defined more than once");
                }

                producer[output] = i;
            }
        }

        var available = new HashSet<string>(inputs);
        available.UnionWith(initializers.Keys);
        var pending = new int[nodes.Count];
        var dependents = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            dependents[i] = [];
        }

        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (string input in nodes[i].Inputs.Where(x => x.Length > 0).Distinct())
            {
                if (available.Contains(input))
                {
                    continue;
                }

                if (!producer.TryGetValue(input, out int from))
                {
                    throw new GraphException($"{nodes[i].Describe()}: input '{input}' is not a graph input, an initializer or any node's output");
                }

                pending[i]++;
                dependents[from].Add(i);
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<Node>(nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(nodes[i]);
            foreach (int next in dependents[i])
            {
                if (--pending[next] == 0)
                {
                    ready.Enqueue(next, next);
                }
            }
        }

        if (order.Count != nodes.Count)
        {
            Node stuck = nodes[Enumerable.Range(0, nodes.Count).First(i => pending[i] > 0)];
            throw new GraphException($"graph '{graphName}': the nodes form a cycle through {stuck.Describe()}");
        }

        return [.. order];
    }
}
