namespace Esen.Kernels.Graph;

/// <summary>The element type and static shape of one value.</summary>
/// <param name="DataType">Element type.</param>
/// <param name="Shape">Static shape.</param>
public sealed record TensorInfo(DataType DataType, TensorShape Shape)
{
    /// <summary>Bytes the value occupies.</summary>
    public long ByteCount => Shape.ElementCount * DataTypes.SizeOf(DataType);

    /// <inheritdoc/>
    public override string ToString() => $"{DataTypes.Name(DataType)}{Shape}";
}

/// <summary>
/// The result of shape inference for one binding of the dynamic dimensions: the type and static
/// shape of every value, and the values that are known before run time (initializers, Constant,
/// Shape, and anything computed only from those — the shape arithmetic of exported models).
/// </summary>
public sealed class InferredShapes
{
    internal InferredShapes(LayerGraph graph, Dictionary<string, TensorInfo> values, Dictionary<string, Tensor> constants)
    {
        Graph = graph;
        ValueTable = values;
        ConstantTable = constants;
    }

    /// <summary>The graph.</summary>
    public LayerGraph Graph { get; }

    /// <summary>Type and shape of every value by name.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Values => ValueTable;

    /// <summary>Values known before run time, by name (initializers included).</summary>
    public IReadOnlyDictionary<string, Tensor> Constants => ConstantTable;

    internal Dictionary<string, TensorInfo> ValueTable { get; }

    internal Dictionary<string, Tensor> ConstantTable { get; }

    /// <summary>The inference view of one node (its inputs' shapes and known values).</summary>
    public InferenceContext ContextOf(Node node) => new(Graph.Opset, node, ValueTable, ConstantTable);

    /// <summary>Type and shape of a value.</summary>
    /// <exception cref="KeyNotFoundException">No value has that name.</exception>
    public TensorInfo this[string name] => Values[name];
}

/// <summary>
/// Infers static shapes through a graph, validating every node on the way: a rank, size or type
/// mismatch raises a <see cref="GraphException"/> naming the node, and no shape may exceed
/// <see cref="TensorShape.MaxElements"/> (refused before anything is allocated).
/// </summary>
public static partial class ShapeInference
{
    /// <summary>
    /// Values up to this many elements computed only from constants are evaluated during inference
    /// (shape arithmetic); larger ones are left to the executor or to constant folding.
    /// </summary>
    public const int MaxEvaluatedElements = 4096;

    /// <summary>
    /// Infers shapes with every dynamic input dimension bound to <paramref name="batch"/>. A batch other
    /// than 1 on a graph whose input fixes another one is refused rather than ignored (the analysis
    /// would silently be for the fixed batch): <see cref="LayerGraph.ForBatch"/> makes it dynamic.
    /// </summary>
    /// <exception cref="GraphException">An input fixes another batch, a node is invalid for its inputs, or an op is unsupported.</exception>
    public static InferredShapes Infer(LayerGraph graph, long batch = 1)
    {
        if (batch != 1 && graph.Inputs.FirstOrDefault(i => LayerGraph.HasFixedBatch(i) && i.Shape[0] != batch) is { } fixedInput)
        {
            throw new GraphException(
                $"graph input '{fixedInput.Name}' {fixedInput.Shape} fixes the batch at {fixedInput.Shape[0]}, not {batch}; LayerGraph.ForBatch makes it dynamic");
        }

        return Infer(graph, graph.Inputs.ToDictionary(i => i.Name, i => i.Shape.WithBatch(batch)));
    }

    /// <summary>
    /// Infers shapes for the given static input shapes (every graph input must be present).
    /// <paramref name="knownInputs"/> optionally gives the values of inputs that decide shapes (for
    /// example a Reshape's shape fed as a graph input); inference then treats them as constants.
    /// </summary>
    /// <exception cref="GraphException">An input is missing or mismatched, a node is invalid, or an op is unsupported.</exception>
    public static InferredShapes Infer(LayerGraph graph, IReadOnlyDictionary<string, TensorShape> inputShapes, IReadOnlyDictionary<string, Tensor>? knownInputs = null)
    {
        BatchCheck? batchCheck = BatchCheck.For(graph, inputShapes, knownInputs);
        var values = new Dictionary<string, TensorInfo>();
        var constants = new Dictionary<string, Tensor>();
        foreach (ValueInfo input in graph.Inputs)
        {
            if (!inputShapes.TryGetValue(input.Name, out TensorShape? shape))
            {
                throw new GraphException($"graph input '{input.Name}' has no shape");
            }

            CheckInputShape(input, shape);
            values[input.Name] = new TensorInfo(input.DataType, shape);
            if (knownInputs is not null && knownInputs.TryGetValue(input.Name, out Tensor? known))
            {
                constants[input.Name] = known;
            }
        }

        foreach ((string name, Tensor tensor) in graph.Initializers)
        {
            values[name] = new TensorInfo(tensor.DataType, tensor.Shape);
            constants[name] = tensor;
        }

        foreach (Node node in graph.Nodes)
        {
            if (batchCheck is null)
            {
                InferNode(graph.Opset, node, values, constants);
                continue;
            }

            try
            {
                InferNode(graph.Opset, node, values, constants);
            }
            catch (GraphException e)
            {
                throw batchCheck.Explain(node, constants, e);
            }

            batchCheck.Verify(node, values, constants);
        }

        foreach (ValueInfo output in graph.Outputs)
        {
            if (output.Shape.Rank == values[output.Name].Shape.Rank)
            {
                CheckDeclared(output, values[output.Name]);
            }
        }

        return new InferredShapes(graph, values, constants);
    }

    /// <summary>
    /// Infers the outputs of one node into <paramref name="values"/>, and records them in
    /// <paramref name="constants"/> when they are known before run time.
    /// </summary>
    internal static void InferNode(int opset, Node node, Dictionary<string, TensorInfo> values, Dictionary<string, Tensor> constants)
    {
        var context = new InferenceContext(opset, node, values, constants);
        TensorInfo[] outputs = InferOutputs(context);
        for (int i = 0; i < node.Outputs.Count && i < outputs.Length; i++)
        {
            if (node.Outputs[i].Length == 0)
            {
                continue;
            }

            try
            {
                _ = outputs[i].Shape.ElementCount;
            }
            catch (InvalidOperationException e)
            {
                throw new GraphException($"{node.Describe()}: output '{node.Outputs[i]}' {e.Message}", e);
            }

            values[node.Outputs[i]] = outputs[i];
        }

        for (int i = outputs.Length; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i].Length > 0)
            {
                throw new UnsupportedModelException($"{node.Describe()}: output {i} ('{node.Outputs[i]}') is not supported");
            }
        }

        if (node.OpType == "Constant")
        {
            constants[node.Outputs[0]] = ConstantValue(node);
        }
        else if (node.OpType == "Shape")
        {
            constants[node.Outputs[0]] = Tensor.Vector(ShapeRange(context));
        }
        else if (context.AllInputsConstant && node.Outputs.Where(o => o.Length > 0).All(o => values[o].Shape.ElementCount <= MaxEvaluatedElements))
        {
            ConstantEvaluator.Fold(opset, node, constants, o => values[o]);
        }
    }

    private static void CheckInputShape(ValueInfo input, TensorShape shape)
    {
        if (!shape.IsStatic)
        {
            throw new GraphException($"graph input '{input.Name}': shape {shape} must be static for inference");
        }

        CheckDeclared(input, new TensorInfo(input.DataType, shape));
        try
        {
            _ = shape.ElementCount;
        }
        catch (InvalidOperationException e)
        {
            throw new GraphException($"graph input '{input.Name}': {e.Message}", e);
        }
    }

    private static void CheckDeclared(ValueInfo declared, TensorInfo actual)
    {
        if (declared.Shape.Rank != actual.Shape.Rank && declared.Shape.Rank > 0)
        {
            throw new GraphException($"'{declared.Name}': shape {actual.Shape} does not match the declared {declared.Shape}");
        }

        for (int i = 0; i < declared.Shape.Rank && i < actual.Shape.Rank; i++)
        {
            if (declared.Shape[i] != TensorShape.Dynamic && declared.Shape[i] != actual.Shape[i])
            {
                throw new GraphException($"'{declared.Name}': shape {actual.Shape} does not match the declared {declared.Shape}");
            }
        }
    }

    /// <summary>
    /// Compares an inference at another batch with one at the graph's <see cref="LayerGraph.ExportedBatch"/>
    /// (<see cref="LayerGraph.WithDynamicBatch"/>): every value that depends on the batch must keep it
    /// as a dimension of its own, the others must keep their shape.
    /// </summary>
    private sealed class BatchCheck
    {
        private readonly InferredShapes _reference;
        private readonly long _exported;
        private readonly long _batch;

        private BatchCheck(InferredShapes reference, long exported, long batch)
        {
            _reference = reference;
            _exported = exported;
            _batch = batch;
        }

        /// <summary>The check for this binding, or null when the graph has no exported batch or runs at it.</summary>
        public static BatchCheck? For(LayerGraph graph, IReadOnlyDictionary<string, TensorShape> inputShapes, IReadOnlyDictionary<string, Tensor>? knownInputs)
        {
            if (graph.ExportedBatch is not { } exported)
            {
                return null;
            }

            ValueInfo[] batched = [.. graph.Inputs.Where(i => i.Shape.Rank >= 1 && i.Shape[0] == TensorShape.Dynamic && inputShapes.ContainsKey(i.Name))];
            ValueInfo? first = batched.FirstOrDefault(i => inputShapes[i.Name].Rank >= 1 && inputShapes[i.Name][0] != exported);
            if (first is null)
            {
                return null;
            }

            // Inputs of a wrong rank are reported by the main inference; the reference only rebinds the
            // batch, and forgets the known values of rebound inputs (they have the other batch's shape).
            var rebound = batched.Where(i => inputShapes[i.Name].Rank >= 1).Select(i => i.Name).ToHashSet();
            var referenceShapes = inputShapes.ToDictionary(
                p => p.Key,
                p => rebound.Contains(p.Key) ? new TensorShape([exported, .. p.Value.Dimensions[1..]]) : p.Value);
            var referenceKnown = knownInputs?.Where(p => !rebound.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
            return new BatchCheck(Infer(graph, referenceShapes, referenceKnown), exported, inputShapes[first.Name][0]);
        }

        /// <summary>Adds to a node's inference failure that it happens at another batch than the exported one.</summary>
        public GraphException Explain(Node node, Dictionary<string, Tensor> constants, GraphException failure) =>
            new($"{failure.Message} (at batch {_batch}; the graph was exported for batch {_exported}{ConstantInputs(node, constants)})", failure);

        /// <summary>
        /// Throws when a node's outputs do not carry the batch as a dimension of their own, or when it
        /// reads a value that carries the batch and writes none (it keeps part of the batch, as a
        /// Gather or Slice of sample 0 does); Shape is the exception, its output is a constant.
        /// </summary>
        public void Verify(Node node, Dictionary<string, TensorInfo> values, Dictionary<string, Tensor> constants)
        {
            string[] outputs = [.. node.Outputs.Where(o => o.Length > 0)];
            foreach (string output in outputs)
            {
                TensorShape actual = values[output].Shape, reference = _reference[output].Shape;
                if (!KeepsBatch(reference, actual))
                {
                    throw new GraphException(
                        $"{node.Describe()}: output '{output}' is {actual} at batch {_batch} but {reference} at the exported batch {_exported}, "
                        + $"so the batch does not stay a dimension of its own; the graph cannot run at batch {_batch}{ConstantInputs(node, constants)}");
                }
            }

            string? batched = node.Inputs.FirstOrDefault(i => i.Length > 0 && values[i].Shape != _reference[i].Shape);
            if (batched is not null && node.OpType != "Shape" && outputs.All(o => values[o].Shape == _reference[o].Shape))
            {
                throw new GraphException(
                    $"{node.Describe()}: input '{batched}' {values[batched].Shape} carries the batch, but output '{outputs[0]}' {values[outputs[0]].Shape} "
                    + $"does not depend on it, so the node keeps only part of the batch; the graph cannot run at batch {_batch}{ConstantInputs(node, constants)}");
            }
        }

        // Equal shapes (the value does not depend on the batch), or one dimension that is the batch in both.
        private bool KeepsBatch(TensorShape reference, TensorShape actual)
        {
            if (reference.Rank != actual.Rank)
            {
                return false;
            }

            int differing = 0;
            for (int i = 0; i < actual.Rank; i++)
            {
                if (reference[i] != actual[i])
                {
                    if (reference[i] != _exported || actual[i] != _batch)
                    {
                        return false;
                    }

                    differing++;
                }
            }

            return differing <= 1;
        }

        // The node's int64 constant inputs (shapes, axes) as the bound batch gives them: where a hard-coded batch hides.
        private static string ConstantInputs(Node node, Dictionary<string, Tensor> constants)
        {
            string[] described =
            [
                .. node.Inputs.Where(i => i.Length > 0 && constants.TryGetValue(i, out Tensor? t) && t.DataType == DataType.Int64 && t.ElementCount <= 16)
                    .Distinct().Select(i => $"'{i}' = [{string.Join(',', constants[i].Int64s)}]"),
            ];
            return described.Length == 0 ? string.Empty : $"; its constant input{(described.Length > 1 ? "s" : string.Empty)} {string.Join(", ", described)} may fix the batch";
        }
    }
}
