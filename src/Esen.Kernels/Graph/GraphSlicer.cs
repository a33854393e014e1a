namespace Esen.Kernels.Graph;

/// <summary>
/// Cuts a graph's operator sequence into contiguous slices that run one after another, each a graph of its own
/// (GACER's temporal granularity, arXiv 2304.11745): a slice takes the values earlier slices (or the graph's
/// inputs) produced and it consumes, and gives the values later slices consume or the graph outputs. Running
/// the slices in order on any executor computes what the whole graph computes.
/// </summary>
public static class GraphSlicer
{
    /// <summary>
    /// Where each of <paramref name="slices"/> contiguous parts of <paramref name="weights"/> starts, plus the end:
    /// a part ends with the first item at which the running total reaches its share of the whole, so parts hold
    /// about equal weight and a heavy item may leave the next part empty.
    /// </summary>
    /// <returns><paramref name="slices"/> + 1 ascending indices; part s is [b[s], b[s + 1]).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slices"/> is below 1 or a weight is negative.</exception>
    public static int[] EqualWorkBoundaries(IReadOnlyList<double> weights, int slices)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(slices, 1);
        if (weights.Any(w => !(w >= 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(weights), "weights must be non-negative numbers");
        }

        double total = weights.Sum(), done = 0;
        int[] boundaries = new int[slices + 1];
        boundaries[slices] = weights.Count;
        int slice = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            done += weights[i];
            while (slice < slices - 1 && done >= total * (slice + 1) / slices)
            {
                boundaries[++slice] = i + 1;
            }
        }

        while (slice < slices - 1)
        {
            boundaries[++slice] = weights.Count;
        }

        return boundaries;
    }

    /// <summary>
    /// The graph's nodes (in its topological order) cut at <paramref name="boundaries"/> (as from
    /// <see cref="EqualWorkBoundaries"/> over the nodes), each part a graph; null for an empty part.
    /// </summary>
    /// <exception cref="ArgumentException">The boundaries do not start at 0, end at the node count and ascend.</exception>
    /// <exception cref="GraphException">Shape inference fails on the graph (its boundary values need a type and shape).</exception>
    public static IReadOnlyList<LayerGraph?> Slice(LayerGraph graph, IReadOnlyList<int> boundaries)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(boundaries);
        if (boundaries.Count < 2 || boundaries[0] != 0 || boundaries[^1] != graph.Nodes.Count || boundaries.Zip(boundaries.Skip(1)).Any(p => p.First > p.Second))
        {
            throw new ArgumentException($"slice boundaries [{string.Join(", ", boundaries)}] must ascend from 0 to the {graph.Nodes.Count} nodes of '{graph.Name}'", nameof(boundaries));
        }

        Dictionary<string, ValueInfo> infos = BoundaryInfos(graph);
        var slices = new LayerGraph?[boundaries.Count - 1];
        for (int s = 0; s < slices.Length; s++)
        {
            Node[] nodes = [.. graph.Nodes.Skip(boundaries[s]).Take(boundaries[s + 1] - boundaries[s])];
            if (nodes.Length == 0)
            {
                continue;
            }

            var produced = new HashSet<string>(nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0), StringComparer.Ordinal);
            string[] consumed = [.. nodes.SelectMany(n => n.Inputs).Where(i => i.Length > 0).Distinct()];
            var later = new HashSet<string>(graph.Nodes.Skip(boundaries[s + 1]).SelectMany(n => n.Inputs), StringComparer.Ordinal);
            later.UnionWith(graph.Outputs.Select(o => o.Name));
            slices[s] = new LayerGraph(
                $"{graph.Name}[{s}]",
                [.. consumed.Where(i => !produced.Contains(i) && !graph.Initializers.ContainsKey(i)).Select(i => infos[i])],
                [.. nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0 && later.Contains(o)).Select(o => infos[o])],
                nodes,
                consumed.Where(graph.Initializers.ContainsKey).ToDictionary(i => i, i => graph.Initializers[i], StringComparer.Ordinal),
                graph.Opset);
        }

        return slices;
    }

    // Every value's type and shape; a dimension that differs between batch 1 and batch 2 is the batch, so dynamic.
    private static Dictionary<string, ValueInfo> BoundaryInfos(LayerGraph graph)
    {
        InferredShapes one = ShapeInference.Infer(graph);
        InferredShapes? two = graph.Inputs.Any(LayerGraph.HasFixedBatch) ? null : ShapeInference.Infer(graph, 2);
        var infos = new Dictionary<string, ValueInfo>(StringComparer.Ordinal);
        foreach ((string name, TensorInfo info) in one.Values)
        {
            TensorShape shape = info.Shape;
            if (two?.Values.GetValueOrDefault(name) is { } other && other.Shape.Rank == shape.Rank)
            {
                shape = new TensorShape([.. Enumerable.Range(0, shape.Rank).Select(d => shape[d] == other.Shape[d] ? shape[d] : TensorShape.Dynamic)]);
            }

            infos[name] = new ValueInfo(name, info.DataType, shape);
        }

        return infos;
    }
}
