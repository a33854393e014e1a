using Esen.Kernels.Ops;

namespace Esen.Kernels.Graph;

public static partial class ShapeInference
{
    private static TensorInfo[] InferOutputs(InferenceContext c)
    {
        Node node = c.Node;
        _ = OpCatalog.FamilyOf(node); // an op Esen lacks: one line naming the node
        return node.OpType switch
        {
            "Conv" => [Like(c, Conv(c))],
            "ConvTranspose" => [Like(c, ConvTranspose(c))],
            "Gemm" => [Like(c, Gemm(c))],
            "MatMul" => [Like(c, MatMul(c))],
            "Add" or "Sub" or "Mul" or "Div" => [Binary(c)],
            "Pow" => [Pow(c)],
            "Max" => [Max(c)],
            "Equal" or "Greater" or "GreaterOrEqual" or "Less" or "LessOrEqual" => [Comparison(c)],
            "And" or "Or" => [Comparison(c, boolInputs: true)],
            "Not" => [BoolInput(c, 0)],
            "Where" => [Where(c)],
            "Relu" or "Clip" => [Like(c, c.FloatShape(0, orByteInteger: true))],
            "LeakyRelu" or "Sigmoid" or "Tanh" or "HardSigmoid" or "Erf" or "Sqrt" or "Log" or "Softmax" => [Like(c, c.FloatShape(0))],
            "Neg" => [Neg(c)],
            "Identity" => [c.Input(0)],
            "Dropout" => Dropout(c),
            "MaxPool" => [Like(c, Pool(c, orByteInteger: true)), new TensorInfo(DataType.Int64, Pool(c, orByteInteger: true))],
            "AveragePool" => [Like(c, Pool(c, orByteInteger: false))],
            "GlobalAveragePool" => [Like(c, GlobalPool(c))],
            "BatchNormalization" => [Like(c, BatchNorm(c))],
            "LayerNormalization" => LayerNorm(c),
            "ReduceMean" or "ReduceMax" => [Like(c, ReductionGeometry.Resolve(c).OutputShape)],
            "Resize" => [Like(c, ResizeGeometry.Resolve(c).OutputShape)],
            "Flatten" => [c.Input(0) with { Shape = Flatten(c) }],
            "Reshape" => [c.Input(0) with { Shape = Reshape(c) }],
            "Transpose" => [c.Input(0) with { Shape = Transpose(c) }],
            "Concat" => [Concat(c)],
            "Split" => Split(c),
            "LSTM" => Lstm(c),
            "Pad" => [c.Input(0) with { Shape = PadGeometry.Resolve(c).OutputShape }],
            "If" => If(c),
            "Constant" => [Constant(c)],
            "ConstantOfShape" => [ConstantOfShapeInfo(c)],
            "Shape" => [new TensorInfo(DataType.Int64, new TensorShape(ShapeRange(c).Length))],
            "Cast" => [c.Input(0) with { DataType = CastTarget(c) }],
            "Slice" => [c.Input(0) with { Shape = SliceGeometry.Resolve(c).OutputShape }],
            "Gather" => [c.Input(0) with { Shape = Gather(c) }],
            "Unsqueeze" => [c.Input(0) with { Shape = Unsqueeze(c) }],
            "Squeeze" => [c.Input(0) with { Shape = Squeeze(c) }],
            _ => throw c.Unsupported($"operator '{node.OpType}' is not supported"),
        };
    }

    private static TensorInfo Float(TensorShape shape) => new(DataType.Float32, shape);

    // The output has the first input's element type (ONNX's T).
    private static TensorInfo Like(InferenceContext c, TensorShape shape) => c.Input(0) with { Shape = shape };

    private static TensorShape Conv(InferenceContext c)
    {
        TensorShape x = c.FloatShape(0), w = c.FloatShape(1);
        long group = SlidingWindows.Groups(c.Node);
        if (w.Rank != x.Rank || x.Rank < 3)
        {
            throw c.Fail($"weights {w} do not match input {x}");
        }

        if (x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
        {
            throw c.Fail($"input channels {x[1]} with weights {w} do not fit group={group}");
        }

        if (c.Has(2) && (c.FloatShape(2).Rank != 1 || c.Shape(2)[0] != w[0]))
        {
            throw c.Fail($"bias {c.Shape(2)} does not match {w[0]} output channels");
        }

        WindowGeometry window = SlidingWindows.Conv(c.Node, x, w);
        return new TensorShape([x[0], w[0], .. window.Output.Select(o => (long)o)]);
    }

    private static TensorShape ConvTranspose(InferenceContext c)
    {
        ConvTransposeGeometry g = ConvTransposeGeometry.Resolve(c.Node, c.FloatShape(0), c.FloatShape(1));
        if (c.Has(2) && (c.FloatShape(2).Rank != 1 || c.Shape(2)[0] != g.OutChannels))
        {
            throw c.Fail($"bias {c.Shape(2)} does not match {g.OutChannels} output channels");
        }

        return g.OutputShape;
    }

    private static TensorShape Gemm(InferenceContext c)
    {
        TensorShape a = c.FloatShape(0), b = c.FloatShape(1);
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw c.Fail($"Gemm needs 2-D inputs, got {a} and {b}");
        }

        GemmAttributes gemm = GemmAttributes.Of(c.Node);
        (long m, long k) = gemm.RowsAndDepthOfA(a);
        (long kb, long n) = gemm.DepthAndColumnsOfB(b);
        if (k != kb)
        {
            throw c.Fail($"inner dimensions differ: A {a}{(gemm.TransA ? "ᵀ" : string.Empty)} and B {b}{(gemm.TransB ? "ᵀ" : string.Empty)}");
        }

        var y = new TensorShape(m, n);
        if (c.Has(2) && Broadcast(c.FloatShape(2), y) != y)
        {
            throw c.Fail($"C {c.Shape(2)} does not broadcast to {y}");
        }

        return y;
    }

    private static TensorShape MatMul(InferenceContext c)
    {
        TensorShape a = c.FloatShape(0), b = c.FloatShape(1);
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw c.Fail("MatMul does not take scalars");
        }

        long k = a[-1], kb = b.Rank == 1 ? b[0] : b[-2];
        if (k != kb)
        {
            throw c.Fail($"inner dimensions differ: {a} × {b}");
        }

        TensorShape batchA = new(a.Rank > 2 ? a.Dimensions[..^2] : []);
        TensorShape batchB = new(b.Rank > 2 ? b.Dimensions[..^2] : []);
        TensorShape batch = BroadcastOrFail(c, batchA, batchB);
        var dims = new List<long>(batch);
        if (a.Rank > 1)
        {
            dims.Add(a[-2]);
        }

        if (b.Rank > 1)
        {
            dims.Add(b[-1]);
        }

        return new TensorShape([.. dims]);
    }

    private static TensorInfo Binary(InferenceContext c)
    {
        TensorInfo a = c.Input(0), b = c.Input(1);
        if (a.DataType != b.DataType)
        {
            throw c.Fail($"input types differ: {a} and {b}");
        }

        if (a.DataType == DataType.Bool)
        {
            throw c.Fail($"{c.Node.OpType} does not take bool inputs");
        }

        return a with { Shape = BroadcastOrFail(c, a.Shape, b.Shape) };
    }

    // The base and the exponent may differ in type (ONNX's T and T1); the result has the base's.
    private static TensorInfo Pow(InferenceContext c)
    {
        TensorInfo x = c.Input(0), exponent = c.Input(1);
        if (x.DataType == DataType.Bool || exponent.DataType == DataType.Bool)
        {
            throw c.Fail($"Pow does not take bool inputs: {x} and {exponent}");
        }

        return x with { Shape = BroadcastOrFail(c, x.Shape, exponent.Shape) };
    }

    // Variadic: every input of one type, all broadcast together.
    private static TensorInfo Max(InferenceContext c)
    {
        TensorInfo first = c.Input(0);
        if (first.DataType == DataType.Bool)
        {
            throw c.Fail("Max does not take bool inputs");
        }

        TensorShape shape = first.Shape;
        for (int i = 1; i < c.InputCount; i++)
        {
            TensorInfo next = c.Input(i);
            if (next.DataType != first.DataType)
            {
                throw c.Fail($"input types differ: {first} and {next}");
            }

            shape = BroadcastOrFail(c, shape, next.Shape);
        }

        return first with { Shape = shape };
    }

    // Two inputs of one type (numeric, or bool for Equal; bool only for And and Or) broadcast to a bool output.
    private static TensorInfo Comparison(InferenceContext c, bool boolInputs = false)
    {
        TensorInfo a = boolInputs ? BoolInput(c, 0) : c.Input(0), b = boolInputs ? BoolInput(c, 1) : c.Input(1);
        if (a.DataType != b.DataType)
        {
            throw c.Fail($"input types differ: {a} and {b}");
        }

        if (a.DataType == DataType.Bool && c.Node.OpType is not ("Equal" or "And" or "Or"))
        {
            throw c.Fail($"{c.Node.OpType} does not take bool inputs");
        }

        return new TensorInfo(DataType.Bool, BroadcastOrFail(c, a.Shape, b.Shape));
    }

    private static TensorInfo BoolInput(InferenceContext c, int index)
    {
        TensorInfo input = c.Input(index);
        return input.DataType == DataType.Bool ? input : throw c.Fail($"input '{c.Node.Inputs[index]}' is {input}, expected bool");
    }

    // A bool condition choosing between two values of one type; all three broadcast together.
    private static TensorInfo Where(InferenceContext c)
    {
        TensorInfo condition = BoolInput(c, 0), x = c.Input(1), y = c.Input(2);
        if (x.DataType != y.DataType)
        {
            throw c.Fail($"input types differ: {x} and {y}");
        }

        return x with { Shape = BroadcastOrFail(c, BroadcastOrFail(c, condition.Shape, x.Shape), y.Shape) };
    }

    // Either branch may run, so both must give every output the same type and shape.
    private static TensorInfo[] If(InferenceContext c)
    {
        TensorInfo condition = c.Input(0);
        if (condition.DataType != DataType.Bool || condition.Shape.ElementCount != 1)
        {
            throw c.Fail($"condition '{c.Node.Inputs[0]}' is {condition}, expected one bool");
        }

        // A condition known before run time (from shapes and initializers) picks the branch: only its outputs count.
        if (c.Constant(0) is { } known)
        {
            return BranchOutputs(c, IfBranches.Taken(known));
        }

        TensorInfo[][] branches = [.. IfBranches.Attributes.Select(b => BranchOutputs(c, b))];
        for (int i = 0; i < branches[0].Length; i++)
        {
            if (branches[0][i] != branches[1][i])
            {
                throw c.Fail($"output {i} ('{c.Node.Outputs[i]}') is {branches[0][i]} from then_branch but {branches[1][i]} from else_branch; both branches must give the same type and shape");
            }
        }

        return branches[0];
    }

    private static TensorInfo[] BranchOutputs(InferenceContext c, string attribute)
    {
        InferredShapes shapes;
        try
        {
            shapes = IfBranches.Infer(c, attribute);
        }
        catch (GraphException e) when (e is not UnsupportedModelException)
        {
            throw c.Fail($"{attribute}: {e.Message}");
        }

        TensorInfo[] outputs = [.. shapes.Graph.Outputs.Select(o => shapes[o.Name])];
        return outputs.Length == c.Node.Outputs.Count
            ? outputs
            : throw c.Fail($"{attribute} has {outputs.Length} outputs, the node {c.Node.Outputs.Count}");
    }

    // Neg computes in float32 like the activations; integer Neg is an op Esen does not have yet, not a malformed model.
    private static TensorInfo Neg(InferenceContext c) =>
        DataTypes.IsFloatingPoint(c.Input(0).DataType)
            ? c.Input(0)
            : throw c.Unsupported($"Neg of {DataTypes.Name(c.Input(0).DataType)} is not supported (floating-point types only)");

    private static TensorInfo[] Lstm(InferenceContext c)
    {
        LstmGeometry lstm = LstmGeometry.Resolve(c);
        return [Like(c, lstm.OutputShape), Like(c, lstm.StateShape), Like(c, lstm.StateShape)];
    }

    private static TensorInfo[] Split(InferenceContext c)
    {
        SplitGeometry split = SplitGeometry.Resolve(c);
        return [.. split.Sizes.Select((_, i) => c.Input(0) with { Shape = split.OutputShape(c.Shape(0), i) })];
    }

    private static TensorShape BroadcastOrFail(InferenceContext c, TensorShape a, TensorShape b) =>
        Broadcast(a, b) ?? throw c.Fail($"shapes {a} and {b} do not broadcast");

    /// <summary>The multidirectional (numpy) broadcast of two shapes, or null when they do not broadcast.</summary>
    public static TensorShape? Broadcast(TensorShape a, TensorShape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            long db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }

            dims[i] = da == 1 ? db : da;
        }

        return new TensorShape(dims);
    }

    private static TensorInfo[] Dropout(InferenceContext c)
    {
        // training_mode (bool) must be known to be false: Esen runs inference only.
        if (c.Has(2) && (c.Constant(2) is not { } training || training.DataType != DataType.Bool || training.Elements<bool>().Any(t => t)))
        {
            throw c.Unsupported("training_mode is not supported (inference only)");
        }

        // The mask is all ones at inference: of the input's type before opset 12, bool since.
        return c.Node.Outputs.Count > 1 && c.Node.Outputs[1].Length > 0
            ? [c.Input(0), c.Opset < 12 ? c.Input(0) : c.Input(0) with { DataType = DataType.Bool }]
            : [c.Input(0)];
    }

    private static TensorShape Pool(InferenceContext c, bool orByteInteger)
    {
        TensorShape x = c.FloatShape(0, orByteInteger);
        WindowGeometry window = SlidingWindows.Pool(c.Node, x).Geometry;
        return new TensorShape([x[0], x[1], .. window.Output.Select(o => (long)o)]);
    }

    private static TensorShape GlobalPool(InferenceContext c)
    {
        TensorShape x = c.FloatShape(0);
        return x.Rank < 3 ? throw c.Fail($"input {x} has no spatial dimensions") : new TensorShape([x[0], x[1], .. Enumerable.Repeat(1L, x.Rank - 2)]);
    }

    private static TensorShape BatchNorm(InferenceContext c)
    {
        TensorShape x = c.FloatShape(0);
        if (c.Node.GetInt("training_mode", 0) != 0 || c.Node.Outputs.Skip(1).Any(o => o.Length > 0))
        {
            throw c.Unsupported("training mode is not supported (inference only)");
        }

        if (x.Rank < 2)
        {
            throw c.Fail($"input {x} has no channel dimension");
        }

        for (int i = 1; i <= 4; i++)
        {
            if (c.FloatShape(i).ElementCount != x[1] || c.Shape(i).Rank != 1)
            {
                throw c.Fail($"parameter '{c.Node.Inputs[i]}' {c.Shape(i)} does not match {x[1]} channels");
            }
        }

        return x;
    }

    private static TensorInfo[] LayerNorm(InferenceContext c)
    {
        TensorShape x = c.FloatShape(0);
        int axis = AxisOps.LayerNorm(c.Node, x).Rows.Axis;
        TensorShape normalized = new(x.Dimensions[axis..]);
        for (int i = 1; i <= 2; i++)
        {
            if (c.Has(i) && Broadcast(c.FloatShape(i), normalized) != normalized)
            {
                throw c.Fail($"'{c.Node.Inputs[i]}' {c.Shape(i)} does not broadcast to the normalised shape {normalized}");
            }
        }

        var stats = new TensorShape([.. x.Dimensions[..axis], .. Enumerable.Repeat(1L, x.Rank - axis)]);
        // Mean and InvStdDev have the stash type, float32 by default.
        return [Like(c, x), Float(stats), Float(stats)];
    }

    private static TensorShape Flatten(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        long axis = c.Node.GetInt("axis", 1);
        if (axis < -x.Rank || axis > x.Rank)
        {
            throw c.Fail($"axis {axis} is out of range for {x}");
        }

        int a = (int)(axis < 0 ? axis + x.Rank : axis);
        return new TensorShape(x.Product(0, a), x.Product(a, x.Rank));
    }

    private static TensorShape Reshape(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        long[] requested = c.Node.GetInts("shape") is { } legacy && c.Opset < 5 ? legacy : c.ConstantInts(1, "shape");
        bool allowZero = c.Node.GetInt("allowzero", 0) != 0;
        var dims = new long[requested.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < requested.Length; i++)
        {
            long d = requested[i];
            if (d == 0 && !allowZero)
            {
                d = i < x.Rank ? x[i] : throw c.Fail($"shape [{string.Join(',', requested)}] copies dimension {i}, which {x} lacks");
            }

            if (d == -1)
            {
                if (inferred >= 0)
                {
                    throw c.Fail($"shape [{string.Join(',', requested)}] has more than one -1");
                }

                inferred = i;
                continue;
            }

            if (d < 0 || d > TensorShape.MaxElements)
            {
                throw c.Fail($"shape [{string.Join(',', requested)}] has an invalid dimension {d}");
            }

            dims[i] = d;
            known = d == 0 ? 0 : checked(known * d);
        }

        long total = x.ElementCount;
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0)
            {
                throw c.Fail($"cannot reshape {x} to [{string.Join(',', requested)}]");
            }

            dims[inferred] = total / known;
        }
        else if (known != total)
        {
            throw c.Fail($"cannot reshape {x} ({total} elements) to [{string.Join(',', requested)}]");
        }

        return new TensorShape(dims);
    }

    /// <summary>The permutation of a Transpose node for an input of rank <paramref name="rank"/>.</summary>
    /// <exception cref="GraphException">perm is not a permutation of 0..rank−1.</exception>
    public static int[] Permutation(Node node, int rank)
    {
        long[] perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank || perm.Order().Select((p, i) => p != i).Any(b => b))
        {
            throw new GraphException($"{node.Describe()}: perm [{string.Join(',', perm)}] is not a permutation of rank {rank}");
        }

        return perm.Select(p => (int)p).ToArray();
    }

    private static TensorShape Transpose(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        return new TensorShape(Permutation(c.Node, x.Rank).Select(p => x[p]).ToArray());
    }

    private static TensorInfo Concat(InferenceContext c)
    {
        TensorInfo first = c.Input(0);
        int axis = AxisOps.ConcatAxis(c.Node, first.Shape.Rank);
        long[] dims = first.Shape.ToArray();
        for (int i = 1; i < c.InputCount; i++)
        {
            TensorInfo next = c.Input(i);
            if (next.DataType != first.DataType || next.Shape.Rank != first.Shape.Rank)
            {
                throw c.Fail($"input '{c.Node.Inputs[i]}' {next} does not match {first}");
            }

            for (int d = 0; d < dims.Length; d++)
            {
                if (d != axis && next.Shape[d] != dims[d])
                {
                    throw c.Fail($"input '{c.Node.Inputs[i]}' {next.Shape} does not match {first.Shape} outside axis {axis}");
                }
            }

            dims[axis] += next.Shape[axis];
        }

        return first with { Shape = new TensorShape(dims) };
    }

    private static TensorInfo Constant(InferenceContext c)
    {
        Tensor value = ConstantValue(c.Node);
        return new TensorInfo(value.DataType, value.Shape);
    }

    private static TensorInfo ConstantOfShapeInfo(InferenceContext c)
    {
        long[] dims = c.ConstantInts(0, "shape");
        return dims.Any(d => d < 0)
            ? throw c.Fail($"shape [{string.Join(',', dims)}] has a negative dimension")
            : new TensorInfo(ConstantOfShapeElement(c.Node).DataType, new TensorShape(dims));
    }

    /// <summary>The one element a ConstantOfShape node repeats: its value attribute, float32 0 without one.</summary>
    /// <exception cref="GraphException">The value attribute does not hold exactly one element.</exception>
    public static Tensor ConstantOfShapeElement(Node node)
    {
        Tensor value = node.GetTensor("value") ?? Tensor.FromFloats(new TensorShape(1), [0f]);
        return value.ElementCount == 1 ? value : throw new GraphException($"{node.Describe()}: the value attribute has {value.ElementCount} elements, expected one");
    }

    /// <summary>The value of a Constant node (value, value_float(s), value_int(s) attributes).</summary>
    /// <exception cref="GraphException">No supported value attribute is set.</exception>
    public static Tensor ConstantValue(Node node)
    {
        if (node.GetTensor("value") is { } tensor)
        {
            return tensor;
        }

        if (node.Has("value_float"))
        {
            return Tensor.Scalar(node.GetFloat("value_float", 0f));
        }

        if (node.GetFloats("value_floats") is { } floats)
        {
            return Tensor.FromFloats(new TensorShape(floats.Length), floats);
        }

        if (node.Has("value_int"))
        {
            return Tensor.FromInt64s(TensorShape.Scalar, [node.GetInt("value_int", 0)]);
        }

        return node.GetInts("value_ints") is { } ints
            ? Tensor.Vector(ints)
            : throw new GraphException($"{node.Describe()}: no supported value attribute (value, value_float(s), value_int(s))");
    }

    /// <summary>The dimensions a Shape node returns (opset 15 start/end attributes applied).</summary>
    public static long[] ShapeRange(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        long start = Math.Clamp(Wrap(c.Node.GetInt("start", 0), x.Rank), 0, x.Rank);
        long end = Math.Clamp(Wrap(c.Node.GetInt("end", x.Rank), x.Rank), 0, x.Rank);
        return x.ToArray().AsSpan()[(int)start..(int)Math.Max(start, end)].ToArray();
    }

    private static long Wrap(long index, int rank) => index < 0 ? index + rank : index;

    private static DataType CastTarget(InferenceContext c) =>
        DataTypes.FromOnnx(checked((int)c.Node.GetInt("to", 0)), $"{c.Node.Describe()}: attribute 'to'");

    private static TensorShape Gather(InferenceContext c)
    {
        TensorShape data = c.Shape(0);
        TensorInfo indices = c.Input(1);
        if (indices.DataType is not (DataType.Int64 or DataType.Int32))
        {
            throw c.Fail("indices must be int32 or int64");
        }

        int axis = AxisOps.Gather(c.Node, data).Axis;
        return new TensorShape([.. data.Dimensions[..axis], .. indices.Shape, .. data.Dimensions[(axis + 1)..]]);
    }

    private static long[] Axes(InferenceContext c, bool required)
    {
        if (c.Node.GetInts("axes") is { } axes)
        {
            return axes;
        }

        if (c.Has(1))
        {
            return c.ConstantInts(1, "axes");
        }

        return required ? throw c.Fail("axes are required") : [];
    }

    private static TensorShape Unsqueeze(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        long[] axes = Axes(c, required: true);
        int rank = x.Rank + axes.Length;
        var inserted = new bool[rank];
        foreach (long a in axes)
        {
            int axis = TensorShape.NormalizeAxis(a, rank, c.Node.Describe());
            if (inserted[axis])
            {
                throw c.Fail($"axis {a} is repeated");
            }

            inserted[axis] = true;
        }

        var dims = new long[rank];
        for (int i = 0, source = 0; i < rank; i++)
        {
            dims[i] = inserted[i] ? 1 : x[source++];
        }

        return new TensorShape(dims);
    }

    private static TensorShape Squeeze(InferenceContext c)
    {
        TensorShape x = c.Shape(0);
        long[] axes = Axes(c, required: false);
        var removed = new bool[x.Rank];
        if (axes.Length == 0)
        {
            for (int i = 0; i < x.Rank; i++)
            {
                removed[i] = x[i] == 1;
            }
        }

        foreach (long a in axes)
        {
            int axis = x.NormalizeAxis(a, c.Node.Describe());
            removed[axis] = x[axis] == 1 ? true : throw c.Fail($"dimension {axis} of {x} is not 1");
        }

        return new TensorShape(x.Where((_, i) => !removed[i]).ToArray());
    }
}
