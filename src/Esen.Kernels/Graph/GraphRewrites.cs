using Esen.Kernels.Ops;

namespace Esen.Kernels.Graph;

/// <summary>
/// Graph rewrites that keep outputs equal (up to float rounding): constant folding, BatchNormalization
/// folded into the preceding Conv, activations fused into Conv/Gemm epilogues, and Dropout masks that
/// nothing reads dropped. Each returns a new
/// graph; the input graph is not changed.
/// </summary>
public static class GraphRewrites
{
    /// <summary>All rewrites in order: fold constants, fold BatchNorm, fuse activations, drop unread Dropout masks.</summary>
    public static LayerGraph Optimize(LayerGraph graph) => DropUnreadDropoutMasks(FuseActivations(FoldBatchNormIntoConv(FoldConstants(graph))));

    /// <summary>
    /// Evaluates every node whose inputs are all initializers (or folded results) and replaces it by
    /// initializers; an If whose condition is such a value is replaced by the nodes of the branch it picks. Nodes that read graph inputs, even only their shape, are kept: their values
    /// depend on the batch.
    /// </summary>
    public static LayerGraph FoldConstants(LayerGraph graph)
    {
        var values = graph.Initializers.ToDictionary(i => i.Key, i => new TensorInfo(i.Value.DataType, i.Value.Shape));
        var constants = new Dictionary<string, Tensor>(graph.Initializers);
        var kept = new List<Node>();
        var pending = new Queue<Node>(graph.Nodes);
        while (pending.TryDequeue(out Node? node))
        {
            if (node.OpType == "If" && constants.TryGetValue(node.Inputs[0], out Tensor? condition) && condition.DataType == DataType.Bool && condition.ElementCount == 1)
            {
                // The branch a constant condition picks takes the node's place, its nodes next in line to be folded.
                pending = new Queue<Node>([.. InlineBranch(node, condition, constants, values), .. pending]);
                continue;
            }

            if (!ConstantEvaluator.InputsKnown(node, constants))
            {
                kept.Add(node);
                continue;
            }

            ShapeInference.InferNode(graph.Opset, node, values, constants);
            ConstantEvaluator.Fold(graph.Opset, node, constants, o => values[o]);
        }

        return graph.With(kept, Referenced(graph, kept, constants));
    }

    /// <summary>
    /// Folds BatchNormalization(Conv(x, W, b)) into Conv(x, W·a, (b − mean)·a + B) with
    /// a = scale/√(var + ε) per output channel, when the Conv's weights and the BatchNorm's parameters
    /// are initializers and the Conv output feeds only the BatchNorm.
    /// </summary>
    public static LayerGraph FoldBatchNormIntoConv(LayerGraph graph)
    {
        Dictionary<string, List<Node>> consumers = graph.Consumers();
        var initializers = new Dictionary<string, Tensor>(graph.Initializers);
        var replaced = new Dictionary<Node, Node?>();
        foreach (Node bn in graph.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            Node? conv = graph.Nodes.FirstOrDefault(n => n.OpType == "Conv" && n.Outputs[0] == bn.Inputs[0]);
            if (conv is null || replaced.ContainsKey(conv) || consumers[conv.Outputs[0]].Count != 1 || IsGraphOutput(graph, conv.Outputs[0])
                || !initializers.TryGetValue(conv.Inputs[1], out Tensor? weights) || Activations.FusedInto(conv).Kind != ActivationKind.None
                || bn.Inputs.Skip(1).Take(4).Any(i => !initializers.ContainsKey(i)) || bn.Outputs.Skip(1).Any(o => o.Length > 0))
            {
                continue;
            }

            float[] scale = initializers[bn.Inputs[1]].Floats, shift = initializers[bn.Inputs[2]].Floats;
            float[] mean = initializers[bn.Inputs[3]].Floats, variance = initializers[bn.Inputs[4]].Floats;
            float epsilon = AxisOps.BatchNormEpsilon(bn);
            int channels = (int)weights.Shape[0], perChannel = (int)(weights.ElementCount / channels);
            float[] oldBias = conv.HasInput(2) ? initializers[conv.Inputs[2]].Floats : new float[channels];
            var newWeights = new float[weights.ElementCount];
            var newBias = new float[channels];
            for (int o = 0; o < channels; o++)
            {
                float a = scale[o] / MathF.Sqrt(variance[o] + epsilon);
                for (int j = 0; j < perChannel; j++)
                {
                    newWeights[(o * perChannel) + j] = weights.Floats[(o * perChannel) + j] * a;
                }

                newBias[o] = ((oldBias[o] - mean[o]) * a) + shift[o];
            }

            string weightName = Unique(initializers, $"{conv.Name}.folded_weight"), biasName = Unique(initializers, $"{conv.Name}.folded_bias");
            initializers[weightName] = Tensor.FromFloats(weights.Shape, newWeights);
            initializers[biasName] = Tensor.FromFloats(new TensorShape(channels), newBias);
            replaced[conv] = conv with { Inputs = [conv.Inputs[0], weightName, biasName], Outputs = [bn.Outputs[0]] };
            replaced[bn] = null;
        }

        return Rebuild(graph, replaced, initializers);
    }

    /// <summary>
    /// Fuses Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid and Clip (constant bounds) into the epilogue of
    /// the Conv or Gemm that feeds them alone (<see cref="Activations"/> attributes).
    /// </summary>
    public static LayerGraph FuseActivations(LayerGraph graph) => FuseActivations(graph, producer => producer.OpType is "Conv" or "Gemm");

    /// <summary>
    /// Fuses the same activations into a float32 Add that feeds them alone (a residual sum and its ReLU), by the
    /// same attributes. Only the CPU executor runs such an Add, so this is not part of <see cref="Optimize"/>:
    /// it runs on a planned graph, whose element types <paramref name="typeOf"/> gives.
    /// </summary>
    public static LayerGraph FuseActivationsIntoAdd(LayerGraph graph, Func<string, DataType> typeOf) =>
        FuseActivations(graph, producer => producer.OpType == "Add" && typeOf(producer.Outputs[0]) == DataType.Float32);

    private static LayerGraph FuseActivations(LayerGraph graph, Func<Node, bool> fusible)
    {
        Dictionary<string, List<Node>> consumers = graph.Consumers();
        var replaced = new Dictionary<Node, Node?>();
        foreach (Node activation in graph.Nodes)
        {
            ActivationKind? kind = Activations.KindOf(activation.OpType);
            Node? producer = graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(activation.Inputs[0]));
            if (kind is null || producer is null || !fusible(producer) || replaced.ContainsKey(producer)
                || consumers[producer.Outputs[0]].Count != 1 || IsGraphOutput(graph, producer.Outputs[0])
                || Activations.FusedInto(producer).Kind != ActivationKind.None
                || Activations.Of(activation, name => graph.Initializers.GetValueOrDefault(name)) is not FusedActivation fused)
            {
                continue;
            }

            replaced[producer] = producer.WithAttributes(Activations.FusionAttributes(activation.OpType, fused)) with { Outputs = [activation.Outputs[0]] };
            replaced[activation] = null;
        }

        return Rebuild(graph, replaced, graph.Initializers);
    }

    /// <summary>
    /// Omits the mask output of each Dropout whose mask no node reads and the graph does not output. At
    /// inference the mask is all ones, but writing it costs a pass over a tensor of the input's size
    /// (SqueezeNet 1.1 names one before opset 12, as a float tensor).
    /// </summary>
    public static LayerGraph DropUnreadDropoutMasks(LayerGraph graph)
    {
        Dictionary<string, List<Node>> consumers = graph.Consumers();
        var replaced = new Dictionary<Node, Node?>();
        foreach (Node dropout in graph.Nodes.Where(n => n.OpType == "Dropout" && n.Outputs.Count > 1 && n.Outputs[1].Length > 0))
        {
            string mask = dropout.Outputs[1];
            if (!consumers.ContainsKey(mask) && !IsGraphOutput(graph, mask))
            {
                replaced[dropout] = dropout with { Outputs = [dropout.Outputs[0]] };
            }
        }

        return Rebuild(graph, replaced, graph.Initializers);
    }

    private static LayerGraph Rebuild(LayerGraph graph, Dictionary<Node, Node?> replaced, IReadOnlyDictionary<string, Tensor> initializers)
    {
        var nodes = new List<Node>();
        foreach (Node node in graph.Nodes)
        {
            if (!replaced.TryGetValue(node, out Node? replacement))
            {
                nodes.Add(node);
            }
            else if (replacement is not null)
            {
                nodes.Add(replacement);
            }
        }

        return graph.With(nodes, Referenced(graph, nodes, initializers));
    }

    // Initializers still read by a node or exposed as graph outputs.
    // The branch's nodes (named after the If, so that they stay unique) and initializers, and an Identity per output
    // that gives the branch's result the If output's name.
    private static IEnumerable<Node> InlineBranch(Node node, Tensor condition, Dictionary<string, Tensor> constants, Dictionary<string, TensorInfo> values)
    {
        LayerGraph branch = node.GetGraph(IfBranches.Taken(condition));
        if (branch.Outputs.Count != node.Outputs.Count)
        {
            throw new GraphException($"{node.Describe()}: its branch has {branch.Outputs.Count} outputs, the node {node.Outputs.Count}");
        }

        foreach ((string name, Tensor tensor) in branch.Initializers)
        {
            constants[name] = tensor;
            values[name] = new TensorInfo(tensor.DataType, tensor.Shape);
        }

        return
        [
            .. branch.Nodes.Select(n => n with { Name = $"{node.Name}/{n.Name}" }),
            .. node.Outputs.Select((output, i) => new Node($"{node.Name}/{output}", "Identity", [branch.Outputs[i].Name], [output])).Where(n => n.Outputs[0].Length > 0),
        ];
    }

    private static Dictionary<string, Tensor> Referenced(LayerGraph graph, List<Node> nodes, IReadOnlyDictionary<string, Tensor> initializers)
    {
        var used = new HashSet<string>(nodes.SelectMany(n => n.Inputs));
        used.UnionWith(graph.Outputs.Select(o => o.Name));
        return initializers.Where(i => used.Contains(i.Key)).ToDictionary(i => i.Key, i => i.Value);
    }

    private static bool IsGraphOutput(LayerGraph graph, string value) => graph.Outputs.Any(o => o.Name == value);

    private static string Unique(Dictionary<string, Tensor> names, string name)
    {
        string candidate = name;
        for (int i = 1; names.ContainsKey(candidate); i++)
        {
            candidate = $"{name}{i}";
        }

        return candidate;
    }
}
