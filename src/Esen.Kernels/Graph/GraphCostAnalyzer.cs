using Esen.Kernels.Ops;

namespace Esen.Kernels.Graph;

/// <summary>
/// The GEMM a Conv, Gemm or MatMul node amounts to: <see cref="Count"/> independent products of an
/// M×K by a K×N matrix (a GPU cost model derives CTA counts from it). For a convolution (implicit
/// GEMM): M = batch·output pixels, N = output channels per group, K = input channels per group ·
/// kernel size, Count = groups.
/// </summary>
/// <param name="M">Rows of the output.</param>
/// <param name="N">Columns of the output.</param>
/// <param name="K">The reduction length.</param>
/// <param name="Count">Independent GEMMs (groups, or the broadcast batch of a MatMul).</param>
public readonly record struct GemmView(long M, long N, long K, long Count = 1)
{
    /// <summary>Multiply-adds: Count·M·N·K.</summary>
    public long Macs => Count * M * N * K;
}

/// <summary>
/// The static cost of one node for one binding of the batch dimension.
/// FLOPs count a multiply-add as 2 FLOPs; see <see cref="GraphCostAnalyzer"/> for every op's rule.
/// </summary>
/// <param name="Node">The node.</param>
/// <param name="Macs">Multiply-adds of its GEMM/convolution part (0 for other ops).</param>
/// <param name="Flops">Floating-point operations (a multiply-add counts as 2).</param>
/// <param name="BytesRead">Bytes of every input, weights included.</param>
/// <param name="BytesWritten">Bytes of every output.</param>
/// <param name="ParameterBytes">Bytes of the inputs that are initializers (weights, biases, constants).</param>
/// <param name="ActivationBytes">Bytes of the non-initializer inputs plus the outputs: the node's working set besides weights.</param>
/// <param name="Gemm">The GEMM view for Conv, Gemm and MatMul; null otherwise.</param>
public sealed record NodeCost(
    Node Node, long Macs, long Flops, long BytesRead, long BytesWritten, long ParameterBytes, long ActivationBytes, GemmView? Gemm);

/// <summary>The per-node costs of a graph and their totals.</summary>
/// <param name="Shapes">The inferred shapes the costs were computed for.</param>
/// <param name="Nodes">Per-node costs in execution order.</param>
public sealed record GraphCost(InferredShapes Shapes, IReadOnlyList<NodeCost> Nodes)
{
    /// <summary>Sum of the node MACs.</summary>
    public long Macs => Nodes.Sum(n => n.Macs);

    /// <summary>Sum of the node FLOPs.</summary>
    public long Flops => Nodes.Sum(n => n.Flops);

    /// <summary>Sum of the bytes read by every node.</summary>
    public long BytesRead => Nodes.Sum(n => n.BytesRead);

    /// <summary>Sum of the bytes written by every node.</summary>
    public long BytesWritten => Nodes.Sum(n => n.BytesWritten);

    /// <summary>Bytes of all float and int initializers (each counted once).</summary>
    public long ParameterBytes => Shapes.Graph.Initializers.Values.Sum(t => t.ByteCount);

    /// <summary>Bytes of all values that are neither initializers nor graph inputs (each counted once).</summary>
    public long ActivationBytes => Shapes.Values
        .Where(v => !Shapes.Graph.Initializers.ContainsKey(v.Key))
        .Sum(v => v.Value.ByteCount);
}

/// <summary>
/// Static FLOP and byte counts per node. Conventions (docs/graph.md): a multiply-add is 2 FLOPs;
/// Conv = 2·MACs (+1 per output for the bias, +1 for a fused activation); Gemm = 2·MACs (+1 per output when C is given, alpha and
/// beta are free); MatMul = 2·MACs; element-wise ops (Add, Relu, Sigmoid, Erf, Clip...) 1 per output
/// element; BatchNormalization 2 per element (folded scale and shift); MaxPool/AveragePool one per
/// window element per output; GlobalAveragePool one per input element; Softmax 3 per element (exp,
/// sum, divide); LayerNormalization 8 per element (mean, subtract, square-accumulate, normalise,
/// scale, shift); ReduceMean and ReduceMax one per input element; ConvTranspose = 2·MACs (+1 per output for the bias),
/// its MACs those of the GEMM before col2im (each input element times M/G·taps weights); Resize 3 per interpolation
/// (a lerp: subtract, multiply, add), so bilinear 9 per output element and nearest 0; data movement and shape ops 0;
/// If the costlier of its two branches (by FLOPs), as a whole.
/// </summary>
public static class GraphCostAnalyzer
{
    /// <summary>Costs of every node with the dynamic dimensions bound to <paramref name="batch"/>.</summary>
    /// <exception cref="GraphException">Shape inference failed.</exception>
    public static GraphCost Analyze(LayerGraph graph, long batch = 1) => Analyze(ShapeInference.Infer(graph, batch));

    /// <summary>Costs of every node for already inferred shapes.</summary>
    public static GraphCost Analyze(InferredShapes shapes) =>
        new(shapes, shapes.Graph.Nodes.Select(n => NodeCostOf(shapes, n)).ToArray());

    /// <summary>The cost of one node.</summary>
    public static NodeCost NodeCostOf(InferredShapes shapes, Node node)
    {
        if (node.OpType == "If")
        {
            return IfCost(shapes, node);
        }

        long read = 0, parameters = 0, activations = 0, written = 0;
        foreach (string input in node.Inputs.Where(i => i.Length > 0))
        {
            long bytes = shapes[input].ByteCount;
            read += bytes;
            if (shapes.Graph.Initializers.ContainsKey(input))
            {
                parameters += bytes;
            }
            else
            {
                activations += bytes;
            }
        }

        foreach (string output in node.Outputs.Where(o => o.Length > 0))
        {
            written += shapes[output].ByteCount;
        }

        GemmView? gemm = Gemm(shapes, node);
        long outputs = node.Outputs.Count > 0 && node.Outputs[0].Length > 0 ? shapes[node.Outputs[0]].Shape.ElementCount : 0;
        long macs = gemm?.Macs ?? 0;
        long flops = OpCatalog.FamilyOf(node) switch
        {
            OpFamily.Convolution or OpFamily.Gemm => (2 * macs) + (node.HasInput(2) ? outputs : 0) + (Activations.FusedInto(node).Kind != ActivationKind.None ? outputs : 0),
            OpFamily.MatMul => 2 * macs,
            OpFamily.Arithmetic or OpFamily.Activation or OpFamily.Logic => outputs,
            OpFamily.BatchNormalization => 2 * outputs,
            OpFamily.Pooling => outputs * SlidingWindows.Pool(node, shapes[node.Inputs[0]].Shape).Geometry.KernelSize,
            OpFamily.GlobalPooling => shapes[node.Inputs[0]].Shape.ElementCount,
            OpFamily.Softmax => 3 * outputs,
            OpFamily.LayerNormalization => 8 * outputs,
            OpFamily.Reduction => shapes[node.Inputs[0]].Shape.ElementCount,
            OpFamily.Resize => ResizeFlops(shapes, node, outputs),
            OpFamily.Recurrent => (2 * macs) + (LstmGeometry.Resolve(shapes.ContextOf(node)) is var g ? 10L * g.Sequence * g.Directions * g.Batch * g.Hidden : 0),
            _ => 0,
        };
        return new NodeCost(node, macs, flops, read, written, parameters, activations + written, gemm);
    }

    private static long ResizeFlops(InferredShapes shapes, Node node, long outputs)
    {
        ResizeGeometry g = ResizeGeometry.Resolve(shapes.ContextOf(node));
        return g.Linear ? 3 * ((1L << g.ResizedAxes.Length) - 1) * outputs : 0;
    }

    // The branch a constant condition picks is charged; otherwise which one runs is known only at run time, and the
    // costlier one (by FLOPs, then bytes moved) is charged, whole.
    private static NodeCost IfCost(InferredShapes shapes, Node node)
    {
        InferenceContext c = shapes.ContextOf(node);
        string[] branches = c.Constant(0) is { } condition ? [IfBranches.Taken(condition)] : IfBranches.Attributes;
        GraphCost costliest = branches.Select(b => Analyze(IfBranches.Infer(c, b)))
            .MaxBy(g => (g.Flops, g.BytesRead + g.BytesWritten))!;
        return new NodeCost(node, costliest.Macs, costliest.Flops, costliest.BytesRead, costliest.BytesWritten, costliest.ParameterBytes, costliest.ActivationBytes, null);
    }

    private static GemmView? Gemm(InferredShapes shapes, Node node)
    {
        switch (node.OpType)
        {
            case "Conv":
            {
                TensorShape w = shapes[node.Inputs[1]].Shape, y = shapes[node.Outputs[0]].Shape;
                long groups = SlidingWindows.Groups(node);
                return new GemmView(y[0] * y.Product(2, y.Rank), w[0] / groups, w.Product(1, w.Rank), groups);
            }

            case "ConvTranspose":
            {
                var g = ConvTransposeGeometry.Resolve(node, shapes[node.Inputs[0]].Shape, shapes[node.Inputs[1]].Shape);
                return new GemmView((long)g.Batch * g.Positions, g.ColumnRowsPerGroup, g.InChannels / g.Groups, g.Groups);
            }

            case "LSTM":
            {
                // Each step and direction: [batch, input + hidden] × [input + hidden, 4·hidden].
                LstmGeometry g = LstmGeometry.Resolve(shapes.ContextOf(node));
                return new GemmView(g.Batch, 4L * g.Hidden, g.Input + g.Hidden, (long)g.Sequence * g.Directions);
            }

            case "Gemm":
            {
                TensorShape a = shapes[node.Inputs[0]].Shape, y = shapes[node.Outputs[0]].Shape;
                return new GemmView(y[0], y[1], GemmAttributes.Of(node).RowsAndDepthOfA(a).K);
            }

            case "MatMul":
            {
                TensorShape a = shapes[node.Inputs[0]].Shape, b = shapes[node.Inputs[1]].Shape, y = shapes[node.Outputs[0]].Shape;
                long m = a.Rank > 1 ? a[-2] : 1, n = b.Rank > 1 ? b[-1] : 1;
                return new GemmView(m, n, a[-1], y.ElementCount / Math.Max(1, m * n));
            }

            default:
                return null;
        }
    }
}
