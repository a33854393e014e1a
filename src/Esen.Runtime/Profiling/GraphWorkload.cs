using Esen.Kernels.Graph;
using Esen.Kernels.Ops;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Runtime.Profiling;

/// <summary>
/// Turns a layer graph into the kernel list the cost model prices (<see cref="ModelWork"/>), applying
/// the fusions an inference engine such as TensorRT performs (gpu-facts §5.1: "count about one kernel
/// per conv"):
/// <list type="bullet">
/// <item>element-wise ops, activations and inference BatchNorm join the kernel that produces their
/// first input when that kernel is a conv, GEMM or element-wise kernel (epilogue fusion, residual adds
/// included); otherwise they start an element-wise kernel;</item>
/// <item>Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout and Concat launch nothing (views;
/// concat inputs are written in place);</item>
/// <item>a Transpose next to a GEMM is absorbed into its operand or output layout;</item>
/// <item>GEMMs that multiply the same input by different weights of the same depth run as one wider
/// GEMM (horizontal fusion: the query, key and value projections of attention);</item>
/// <item>attention (MatMul → scale → Softmax → MatMul) is one fused kernel whose scores never reach
/// DRAM;</item>
/// <item>nodes computed only from weights and constants are folded before run time.</item>
/// </list>
/// A kernel's DRAM bytes are the values it reads from outside itself (weights included) plus the values
/// it produces that something outside it reads, in the member's precision (int64 ids keep 8 bytes).
/// </summary>
public static class GraphWorkload
{
    /// <summary>
    /// Scratch memory a member keeps for library workspaces (cuBLAS/cuDNN); a planning allowance, not
    /// a measurement.
    /// </summary>
    public const long DefaultWorkspaceBytes = 32L << 20;

    /// <summary>Builds the kernel list and memory figures of <paramref name="graph"/> at a batch and precision.</summary>
    /// <exception cref="GraphException">Shape inference failed.</exception>
    public static ModelWork Build(LayerGraph graph, int batch, Precision precision, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        GraphCost cost = GraphCostAnalyzer.Analyze(graph, batch);
        InferredShapes shapes = cost.Shapes;
        double scale = precision.BytesPerElement() / 4.0;
        long Bytes(string value) => shapes[value].DataType == DataType.Float32
            ? (long)(shapes[value].ByteCount * scale)
            : shapes[value].ByteCount;

        var groups = Fuse(graph, cost, shapes);
        Dictionary<string, List<Node>> consumers = graph.Consumers();
        var groupOf = new Dictionary<Node, KernelGroup>();
        foreach (KernelGroup group in groups)
        {
            foreach (Node node in group.Nodes)
            {
                groupOf[node] = group;
            }
        }

        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name));
        var kernels = new List<LayerWork>(groups.Count);
        foreach (KernelGroup group in groups)
        {
            var produced = new HashSet<string>(group.Nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0));
            var reads = new HashSet<string>(group.Nodes.SelectMany(n => n.Inputs).Where(i => i.Length > 0 && !produced.Contains(i)));
            double weightBytes = reads.Where(v => group.Constants.Contains(v)).Sum(Bytes);
            double inputBytes = reads.Sum(Bytes);
            double outputBytes = produced
                .Where(v => outputs.Contains(v) || ReadOutside(v, group, consumers, groupOf))
                .Sum(Bytes);
            NodeCost anchor = group.Anchor;
            kernels.Add(new LayerWork(
                group.Nodes[0].Name,
                group.Op,
                group.Op is LayerOp.Conv or LayerOp.Gemm ? group.Costs.Where(c => c.Gemm is not null).Sum(c => (double)c.Flops) : group.Costs.Sum(c => (double)c.Flops),
                inputBytes + outputBytes,
                weightBytes,
                anchor.Gemm is GemmView g ? Shape(g, anchor.Node, shapes) with { N = group.Costs.Where(c => c.Node.OpType == anchor.Node.OpType).Sum(c => c.Gemm!.Value.N) } : null,
                anchor.Node.OpType == "Conv" ? Window(anchor.Node, shapes) : null));
        }

        long weights = graph.Initializers.Keys.Sum(Bytes);
        return new ModelWork(name ?? graph.Name, batch, precision, kernels, weights, PeakLiveActivations(graph, shapes, Bytes), DefaultWorkspaceBytes);
    }

    /// <summary>True if a node outside <paramref name="group"/> reads <paramref name="value"/> (directly or through a view).</summary>
    private static bool ReadOutside(string value, KernelGroup group, Dictionary<string, List<Node>> consumers, Dictionary<Node, KernelGroup> groupOf)
    {
        if (!consumers.TryGetValue(value, out List<Node>? readers))
        {
            return false;
        }

        return readers.Any(r => !groupOf.TryGetValue(r, out KernelGroup? g) || g != group);
    }

    private static List<KernelGroup> Fuse(LayerGraph graph, GraphCost cost, InferredShapes shapes)
    {
        Dictionary<string, List<Node>> consumers = graph.Consumers();
        var constants = new HashSet<string>(graph.Initializers.Keys);
        constants.UnionWith(shapes.Constants.Keys);
        // Which kernel produced each value; views forward their input's producer.
        var producer = new Dictionary<string, KernelGroup?>();
        var groups = new List<KernelGroup>();
        // Weight GEMMs by (data input, reduction length), for horizontal fusion.
        var weightGemms = new Dictionary<(string, long), KernelGroup>();

        foreach (NodeCost nodeCost in cost.Nodes)
        {
            Node node = nodeCost.Node;
            string[] inputs = [.. node.Inputs.Where(i => i.Length > 0)];
            string[] data = [.. inputs.Where(i => !constants.Contains(i))];
            if (data.Length == 0 && graph.Inputs.All(i => !inputs.Contains(i.Name)))
            {
                // Computed from weights and constants only: folded before run time.
                constants.UnionWith(node.Outputs.Where(o => o.Length > 0));
                continue;
            }

            KernelGroup? source = data.Length > 0 ? producer.GetValueOrDefault(data[0]) : null;
            KernelGroup? target = null;
            if (LaunchesNothing(node))
            {
                // A view launches nothing; a single-input view keeps its producer for later fusion decisions.
                foreach (string output in node.Outputs.Where(o => o.Length > 0))
                {
                    producer[output] = data.Length == 1 ? source : null;
                }

                continue;
            }

            if (IsElementwise(node) && source is { AcceptsEpilogue: true })
            {
                target = source;
            }
            else if (node.OpType == "Transpose" && (source is { Op: LayerOp.Gemm or LayerOp.Conv } || FeedsOnlyMatMul(node, consumers)))
            {
                target = source;
                if (target is null)
                {
                    // Absorbed into the next GEMM's operand layout.
                    producer[node.Outputs[0]] = null;
                    continue;
                }
            }
            else if (node.OpType == "Softmax" && source is { Op: LayerOp.Gemm, Attention: false, AttentionClosed: false } && FeedsOnlyMatMul(node, consumers))
            {
                target = source;
                target.Attention = true;
            }
            else if (node.OpType == "MatMul" && source is { Attention: true })
            {
                target = source;
                target.Attention = false;
                target.AttentionClosed = true;
            }
            else if (IsWeightGemm(node, graph) && weightGemms.TryGetValue((data[0], nodeCost.Gemm!.Value.K), out KernelGroup? sibling))
            {
                target = sibling;
            }

            if (target is null)
            {
                target = new KernelGroup(OpOf(node), nodeCost, constants);
                groups.Add(target);
                if (IsWeightGemm(node, graph))
                {
                    weightGemms[(data[0], nodeCost.Gemm!.Value.K)] = target;
                }
            }
            else
            {
                target.Add(nodeCost);
            }

            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                producer[output] = target;
            }
        }

        return groups;
    }

    private static bool IsWeightGemm(Node node, LayerGraph graph) =>
        node.OpType == "MatMul" && graph.Initializers.TryGetValue(node.Inputs[1], out Tensor? weight) && weight.Shape.Rank == 2;

    private static bool FeedsOnlyMatMul(Node node, Dictionary<string, List<Node>> consumers)
    {
        if (!consumers.TryGetValue(node.Outputs[0], out List<Node>? readers) || readers.Count != 1)
        {
            return false;
        }

        Node reader = readers[0];
        return reader.OpType == "MatMul" || (OpCatalog.IsView(reader.OpType) && FeedsOnlyMatMul(reader, consumers));
    }

    // Views launch nothing, and Concat's inputs are written into their slices by their producers (ExecutionSchedule).
    private static bool LaunchesNothing(Node node) => OpCatalog.IsView(node.OpType) || node.OpType == "Concat";

    // One value out per value in, so it can run in the epilogue of the kernel that produced its input.
    private static bool IsElementwise(Node node) =>
        OpCatalog.FamilyOf(node) is OpFamily.Arithmetic or OpFamily.Activation or OpFamily.BatchNormalization or OpFamily.Cast or OpFamily.Logic;

    private static LayerOp OpOf(Node node) => OpCatalog.FamilyOf(node) switch
    {
        OpFamily.Convolution => node.OpType == "ConvTranspose" ? LayerOp.Gemm : LayerOp.Conv, // ConvTranspose is a GEMM, then col2im
        OpFamily.Gemm or OpFamily.MatMul or OpFamily.Recurrent => LayerOp.Gemm,
        OpFamily.Pooling or OpFamily.GlobalPooling or OpFamily.Reduction => LayerOp.Pool,
        OpFamily.LayerNormalization => LayerOp.Normalization,
        OpFamily.Softmax => LayerOp.Softmax,
        OpFamily.DataMovement or OpFamily.PlanTimeValue => LayerOp.DataMovement,
        _ => LayerOp.Elementwise,
    };

    /// <summary>
    /// The GEMM view the library runs: a MatMul against a 2-D weight is one GEMM over all rows
    /// (M = batch·rows), not one per batch entry.
    /// </summary>
    private static GemmShape Shape(GemmView view, Node node, InferredShapes shapes)
    {
        return IsWeightGemm(node, shapes.Graph)
            ? new GemmShape(view.M * view.Count, view.N, view.K)
            : new GemmShape(view.M, view.N, view.K, view.Count);
    }

    // The cost model's window is 2-D: a 1-D convolution is one row. A 3-D one runs as im2col + GEMM on both
    // executors (no Winograd rewrite applies), so it has no window and the cost model sees its GEMM only.
    private static ConvWindow? Window(Node node, InferredShapes shapes)
    {
        WindowGeometry g = SlidingWindows.Conv(node, shapes[node.Inputs[0]].Shape, shapes[node.Inputs[1]].Shape);
        if (g.SpatialRank > 2)
        {
            return null;
        }

        WindowGeometry plane = g.Padded(2);
        return new ConvWindow(
            plane.Kernel[0], plane.Kernel[1], plane.Strides[0], plane.Strides[1], plane.Dilations[0], plane.Dilations[1], SlidingWindows.Groups(node));
    }

    /// <summary>
    /// The largest total of activations alive at once when nodes run in graph order: a value lives from
    /// the node that produces it (graph inputs from the start) to its last reader (outputs to the end).
    /// </summary>
    private static long PeakLiveActivations(LayerGraph graph, InferredShapes shapes, Func<string, long> bytes)
    {
        var lastUse = new Dictionary<string, int>();
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (string input in graph.Nodes[i].Inputs.Where(v => v.Length > 0 && !graph.Initializers.ContainsKey(v)))
            {
                lastUse[input] = i;
            }
        }

        foreach (ValueInfo output in graph.Outputs)
        {
            lastUse[output.Name] = graph.Nodes.Count;
        }

        long live = graph.Inputs.Sum(i => bytes(i.Name));
        long peak = live;
        var freeAt = new Dictionary<int, long>();
        foreach (ValueInfo input in graph.Inputs)
        {
            int end = lastUse.GetValueOrDefault(input.Name, -1);
            freeAt[end] = freeAt.GetValueOrDefault(end) + bytes(input.Name);
        }

        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (string output in graph.Nodes[i].Outputs.Where(o => o.Length > 0 && shapes.Values.ContainsKey(o)))
            {
                long size = bytes(output);
                live += size;
                int end = lastUse.GetValueOrDefault(output, i);
                freeAt[end] = freeAt.GetValueOrDefault(end) + size;
            }

            peak = Math.Max(peak, live);
            live -= freeAt.GetValueOrDefault(i);
        }

        return peak;
    }

    /// <summary>Nodes that run as one kernel; the first GEMM-like node (or the first node) is the anchor.</summary>
    private sealed class KernelGroup
    {
        public KernelGroup(LayerOp op, NodeCost first, HashSet<string> constants)
        {
            Op = op;
            Anchor = first;
            Constants = constants;
            Add(first);
        }

        public LayerOp Op { get; }

        public NodeCost Anchor { get; }

        public HashSet<string> Constants { get; }

        public List<Node> Nodes { get; } = [];

        public List<NodeCost> Costs { get; } = [];

        /// <summary>Between the Softmax and the second MatMul of a fused attention.</summary>
        public bool Attention { get; set; }

        /// <summary>A fused attention is complete; nothing but epilogues joins it.</summary>
        public bool AttentionClosed { get; set; }

        public bool AcceptsEpilogue => Op is LayerOp.Conv or LayerOp.Gemm or LayerOp.Elementwise && !Attention;

        public void Add(NodeCost cost)
        {
            Nodes.Add(cost.Node);
            Costs.Add(cost);
        }
    }
}
