using System.Numerics;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cpu.Ops;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu;

/// <summary>A compiled node: reads and writes the slots it captured.</summary>
internal delegate void CpuKernel(ValueSlot[] slots);

/// <summary>
/// Turns one node into a <see cref="CpuKernel"/>: attributes, geometry and slot indices are resolved
/// once here, so running the kernel allocates nothing.
/// </summary>
internal static class CpuNodeCompiler
{
    /// <summary>Runs a node once on constant inputs and returns new output tensors.</summary>
    public static Tensor?[] Evaluate(int opset, Node node, Tensor?[] inputs, TensorInfo?[] outputInfos)
    {
        var slots = new List<ValueSlot>();
        var values = new Dictionary<string, TensorInfo>();
        var constants = new Dictionary<string, Tensor>();
        var inputSlots = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputSlots[i] = -1;
            if (inputs[i] is { } tensor)
            {
                var slot = new ValueSlot(node.Inputs[i], new TensorInfo(tensor.DataType, tensor.Shape));
                slot.Bind(tensor);
                inputSlots[i] = slots.Count;
                slots.Add(slot);
                values[node.Inputs[i]] = slot.Info;
                constants[node.Inputs[i]] = tensor;
            }
        }

        var outputSlots = new int[outputInfos.Length];
        var outputs = new Tensor?[outputInfos.Length];
        for (int i = 0; i < outputInfos.Length; i++)
        {
            outputSlots[i] = -1;
            if (outputInfos[i] is { } info)
            {
                outputs[i] = Tensor.Zeros(info.DataType, info.Shape);
                var slot = new ValueSlot(node.Outputs[i], info);
                slot.Bind(outputs[i]!);
                outputSlots[i] = slots.Count;
                slots.Add(slot);
            }
        }

        var context = new InferenceContext(opset, node, values, constants);
        Compile(context, [.. slots], inputSlots, outputSlots, threads: 1)([.. slots]);
        return outputs;
    }

    /// <summary>Compiles a node; <paramref name="slots"/> give types and shapes (bindings come later).</summary>
    /// <exception cref="UnsupportedModelException">The node's op has no CPU kernel.</exception>
    public static CpuKernel Compile(InferenceContext c, ValueSlot[] slots, int[] inputs, int[] outputs, int threads)
    {
        Node node = c.Node;
        if (Widened(slots, inputs, outputs).Length > 0 && outputs[0] >= 0 && Float32Computation.Applies(node, slots[outputs[0]].Info.DataType))
        {
            return InFloat32(c, slots, inputs, outputs, threads);
        }

        int x = inputs.Length > 0 ? inputs[0] : -1, y = outputs.Length > 0 ? outputs[0] : -1;
        TensorShape Shape(int slot) => slots[slot].Info.Shape;
        DataType TypeOf(int slot) => slots[slot].Info.DataType;
        int Optional(int index) => index < inputs.Length ? inputs[index] : -1;

        switch (node.OpType)
        {
            case "Conv":
                return Conv(c, slots, inputs, y, threads);
            case "ConvTranspose":
            {
                var geometry = ConvTransposeGeometry.Resolve(node, Shape(x), Shape(inputs[1]));
                int w = inputs[1], bias = Optional(2);
                return s => CpuOps.ConvTranspose(geometry, s[x].Floats, s[w].Floats, bias >= 0 ? s[bias].Floats : default, s[y].Floats, threads);
            }

            case "Resize":
                return Resize(ResizeGeometry.Resolve(c), x, y);
            case "Gemm":
                return Gemm(c, slots, inputs, y, threads);
            case "MatMul":
                return MatMul(Shape(x), Shape(inputs[1]), x, inputs[1], y, TypeOf(y), threads);
            case "Add" when Activations.FusedInto(node) is { Kind: not ActivationKind.None } activation:
            {
                var plan = BroadcastPlan.Create(Shape(x), Shape(inputs[1]), Shape(y));
                int b = inputs[1];
                return s => CpuOps.AddActivated(plan, s[x].Floats, s[b].Floats, s[y].Floats, activation, threads);
            }

            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
                return Binary(node, BroadcastPlan.Create(Shape(x), Shape(inputs[1]), Shape(y)), x, inputs[1], y, TypeOf(y));
            case "Pow":
            {
                var pow = new PowKernel(BroadcastPlan.Create(Shape(x), Shape(inputs[1]), Shape(y)), x, inputs[1], y, TypeOf(inputs[1]));
                return ElementTypes.VisitNumber<CpuKernel, PowKernel>(TypeOf(x), pow);
            }

            case "Max":
            {
                // y = max(x0, x1), then y = max(y, xi) for each further input.
                BroadcastPlan[] plans = inputs.Skip(1).Select((input, i) => BroadcastPlan.Create(Shape(i == 0 ? x : y), Shape(input), Shape(y))).ToArray();
                return inputs.Length == 1 ? View(x, y, -1, slots) : ElementTypes.VisitNumber<CpuKernel, MaxKernel>(TypeOf(y), new MaxKernel(plans, inputs, y));
            }

            case "Equal":
            case "Greater":
            case "GreaterOrEqual":
            case "Less":
            case "LessOrEqual":
            case "And":
            case "Or":
            {
                var plan = BroadcastPlan.Create(Shape(x), Shape(inputs[1]), Shape(y));
                return node.OpType switch
                {
                    "And" => Compare<bool, AndOp>(plan, x, inputs[1], y),
                    "Or" => Compare<bool, OrOp>(plan, x, inputs[1], y),
                    _ when TypeOf(x) == DataType.Bool => Compare<bool, BoolEqualOp>(plan, x, inputs[1], y),
                    _ => ElementTypes.VisitNumber<CpuKernel, ComparisonKernel>(TypeOf(x), new ComparisonKernel(node.OpType, plan, x, inputs[1], y)),
                };
            }

            case "Not":
                return s => CpuOps.Not(s[x].Span<bool>(), s[y].Span<bool>());
            case "Where":
            {
                TensorShape ys = Shape(y);
                var where = new WhereKernel(
                    [x, inputs[1], inputs[2], y], ys.ToIntArray(), [.. inputs.Select(i => CpuOps.BroadcastStrides(Shape(i), ys))]);
                return ElementTypes.Visit<CpuKernel, WhereKernel>(TypeOf(y), where);
            }

            case "Relu":
            case "LeakyRelu":
            case "Sigmoid":
            case "Tanh":
            case "HardSigmoid":
            {
                FusedActivation activation = Activations.Of(node, _ => null)!.Value;
                return s => CpuOps.Activate(s[x].Floats, s[y].Floats, activation);
            }

            case "Clip":
            {
                // Bounds given as inputs are read on every run: they may be computed.
                (float min, float max) = Activations.ClipAttributes(node);
                int minSlot = Optional(1), maxSlot = Optional(2);
                return s => CpuOps.Activate(s[x].Floats, s[y].Floats, new FusedActivation(
                    ActivationKind.Clip, minSlot >= 0 ? s[minSlot].Floats[0] : min, maxSlot >= 0 ? s[maxSlot].Floats[0] : max));
            }

            case "Erf":
                return s => CpuOps.Erf(s[x].Floats, s[y].Floats);
            case "Sqrt":
                return s => CpuOps.Sqrt(s[x].Floats, s[y].Floats);
            case "Log":
                return s => CpuOps.Log(s[x].Floats, s[y].Floats);
            case "Neg":
                return s => CpuOps.Neg(s[x].Floats, s[y].Floats);
            case "Identity":
            case "Dropout":
            case "Flatten":
            case "Reshape":
            case "Squeeze":
            case "Unsqueeze":
                return View(x, y, outputs.Length > 1 ? outputs[1] : -1, slots);
            case "MaxPool":
            case "AveragePool":
            {
                TensorShape xs = Shape(x);
                PoolWindow window = SlidingWindows.Pool(node, xs);
                var pool = new PoolShape(window.Geometry, xs[0] * xs[1]);
                bool includePad = window.CountIncludePad, columnMajor = window.ColumnMajorIndices;
                int indices = outputs.Length > 1 ? outputs[1] : -1;
                return node.OpType == "MaxPool"
                    ? s => CpuOps.MaxPool(pool, s[x].Floats, s[y].Floats, indices >= 0 ? s[indices].Int64s : default, columnMajor, threads)
                    : s => CpuOps.AveragePool(pool, s[x].Floats, s[y].Floats, includePad, threads);
            }

            case "GlobalAveragePool":
            {
                int plane = (int)Shape(x).Product(2, Shape(x).Rank);
                return s => CpuOps.GlobalAveragePool(s[x].Floats, s[y].Floats, plane);
            }

            case "BatchNormalization":
            {
                TensorShape xs = Shape(x);
                int batch = (int)xs[0], channels = (int)xs[1], plane = (int)xs.Product(2, xs.Rank);
                float epsilon = AxisOps.BatchNormEpsilon(node);
                int scale = inputs[1], bias = inputs[2], mean = inputs[3], variance = inputs[4];
                return s => CpuOps.BatchNormalization(
                    s[x].Floats, s[y].Floats, batch, channels, plane, s[scale].Floats, s[bias].Floats, s[mean].Floats, s[variance].Floats, epsilon);
            }

            case "Softmax":
            {
                (_, long outer, long length, long inner) = AxisOps.Softmax(node, Shape(x), c.Opset);
                return s => CpuOps.Softmax(s[x].Floats, s[y].Floats, (int)outer, (int)length, (int)inner);
            }

            case "LayerNormalization":
                return LayerNorm(c, slots, inputs, outputs);
            case "ReduceMean":
            case "ReduceMax":
            {
                ReductionGeometry reduction = ReductionGeometry.Resolve(c);
                bool mean = node.OpType == "ReduceMean";
                return s => CpuOps.Reduce(s[x].Floats, s[y].Floats, reduction, mean);
            }

            case "Transpose":
            {
                TensorShape xs = Shape(x);
                int[] perm = ShapeInference.Permutation(node, xs.Rank);
                int[] strides = CpuOps.Strides(xs);
                int[] outDims = perm.Select(p => (int)xs[p]).ToArray();
                int[] inStrides = perm.Select(p => strides[p]).ToArray();
                return Strided(outDims, inStrides, 0, x, y, TypeOf(x));
            }

            case "Slice":
            {
                SliceGeometry slice = SliceGeometry.Resolve(c);
                int[] strides = CpuOps.Strides(Shape(x));
                int start = (int)slice.Starts.Select((s, i) => s * strides[i]).Sum();
                int[] inStrides = strides.Select((s, i) => (int)(s * slice.Steps[i])).ToArray();
                return Strided(slice.OutputShape.ToIntArray(), inStrides, start, x, y, TypeOf(x));
            }

            case "Concat":
                return Concat(c, slots, inputs, y);
            case "Split":
            {
                // Each output is a slice of x along the axis, copied with the input's strides.
                SplitGeometry split = SplitGeometry.Resolve(c);
                int[] strides = CpuOps.Strides(Shape(x));
                CpuKernel[] pieces =
                [
                    .. outputs.Select((slot, i) => (slot, i)).Where(o => o.slot >= 0).Select(o => Strided(
                        split.OutputShape(Shape(x), o.i).ToIntArray(), strides, (int)(split.Start(o.i) * strides[split.Axis]), x, o.slot, TypeOf(x))),
                ];
                return s =>
                {
                    foreach (CpuKernel piece in pieces)
                    {
                        piece(s);
                    }
                };
            }

            case "LSTM":
            {
                LstmGeometry lstm = LstmGeometry.Resolve(c);
                int w = inputs[1], r = inputs[2], b = Optional(3), lengths = Optional(4), h0 = Optional(5), c0 = Optional(6), p = Optional(7);
                int yH = outputs.Length > 1 ? outputs[1] : -1, yC = outputs.Length > 2 ? outputs[2] : -1;
                return s =>
                {
                    if (lengths >= 0)
                    {
                        lstm.RequireFullLength(node, s[lengths].Span<int>());
                    }

                    CpuOps.Lstm(
                        lstm, s[x].Floats, s[w].Floats, s[r].Floats, b >= 0 ? s[b].Floats : default, h0 >= 0 ? s[h0].Floats : default, c0 >= 0 ? s[c0].Floats : default,
                        p >= 0 ? s[p].Floats : default, y >= 0 ? s[y].Floats : default, yH >= 0 ? s[yH].Floats : default, yC >= 0 ? s[yC].Floats : default);
                };
            }

            case "Pad":
            {
                // The constant value is read on every run (it may be computed); before opset 11 it is an attribute.
                PadGeometry pad = PadGeometry.Resolve(c);
                int[] inDims = Shape(x).ToIntArray();
                int[][] sources = [.. inDims.Select((length, d) => Enumerable.Range(0, (int)pad.OutputShape[d])
                    .Select(o => (int)PadGeometry.Source(pad.Mode, o - pad.Begins[d], length)).ToArray())];
                Tensor fallback = CpuOps.Cast(Tensor.Filled(new TensorShape([]), c.Opset < 11 ? node.GetFloat("value", 0f) : 0f), TypeOf(x));
                return ElementTypes.Visit<CpuKernel, PadKernel>(TypeOf(x), new PadKernel(x, Optional(2), y, inDims, sources, fallback));
            }

            case "Gather":
            {
                (_, long outer64, long length64, long inner64) = AxisOps.Gather(node, Shape(x));
                int outer = (int)outer64, length = (int)length64, inner = (int)inner64;
                var gather = new GatherKernel(x, inputs[1], y, outer, length, inner, node.Describe(), TypeOf(inputs[1]));
                return ElementTypes.Visit<CpuKernel, GatherKernel>(TypeOf(x), gather);
            }

            case "Cast":
            {
                SlotConversion convert = CpuOps.Converter(TypeOf(x), TypeOf(y));
                return s => convert(s[x], s[y]);
            }

            case "If":
                return If(c, inputs, outputs, threads);
            case "Constant":
            {
                Tensor value = ShapeInference.ConstantValue(node);
                return s => CopyTensor(value, s[y]);
            }

            case "ConstantOfShape":
            {
                // The element's bytes, repeated.
                byte[] element = ShapeInference.ConstantOfShapeElement(node).AsBytes().ToArray();
                Tensor value = Tensor.Zeros(TypeOf(y), Shape(y));
                Span<byte> bytes = value.AsBytes();
                for (int i = 0; i < bytes.Length; i += element.Length)
                {
                    element.CopyTo(bytes[i..]);
                }

                return s => CopyTensor(value, s[y]);
            }

            case "Shape":
            {
                Tensor value = Tensor.Vector(ShapeInference.ShapeRange(c));
                return s => CopyTensor(value, s[y]);
            }

            default:
                throw new UnsupportedModelException($"{node.Describe()}: operator '{node.OpType}' has no CPU kernel");
        }
    }

    private static void CopyTensor(Tensor value, ValueSlot slot) => Array.Copy(value.Data, 0, slot.Array!, slot.Offset, slot.Length);

    private static CpuKernel View(int x, int y, int mask, ValueSlot[] slots)
    {
        if (mask < 0)
        {
            return s => s[x].CopyTo(s[y]);
        }

        // Dropout at inference keeps every element: its mask is all ones (true since opset 12, when it became bool).
        TensorInfo maskInfo = slots[mask].Info;
        Tensor ones = CpuOps.Cast(Tensor.Filled(maskInfo.Shape, 1f), maskInfo.DataType);
        return s =>
        {
            s[x].CopyTo(s[y]);
            CopyTensor(ones, s[mask]);
        };
    }

    private static CpuKernel Strided(int[] outDims, int[] inStrides, int start, int x, int y, DataType type) =>
        ElementTypes.Visit<CpuKernel, StridedKernel>(type, new StridedKernel(outDims, inStrides, start, x, y));

    private static CpuKernel Binary(Node node, BroadcastPlan plan, int a, int b, int y, DataType type)
    {
        var binary = new BinaryKernel(node.OpType, node.Describe(), plan, a, b, y);
        return DataTypes.IsFloatingPoint(type)
            ? ElementTypes.VisitNumber<CpuKernel, BinaryKernel>(type, binary)
            : ElementTypes.VisitInteger<CpuKernel, BinaryKernel>(type, binary);
    }

    private static CpuKernel Compare<T, TOp>(BroadcastPlan plan, int a, int b, int y)
        where T : unmanaged
        where TOp : IPredicate<T> =>
        s => CpuOps.Compare<T, TOp>(plan, s[a].Span<T>(), s[b].Span<T>(), s[y].Span<bool>());

    /// <summary>The slots <see cref="Float32Computation.IsConverted"/> says a float32 kernel cannot use as they are.</summary>
    private static int[] Widened(ValueSlot[] slots, int[] inputs, int[] outputs) =>
        inputs.Concat(outputs).Where(i => i >= 0 && Float32Computation.IsConverted(slots[i].Info.DataType)).Distinct().ToArray();

    /// <summary>
    /// Compiles a float32-only op for other element types: each such input is converted to a float32 buffer of the
    /// kernel's own, the float32 kernel runs on the buffers, and each such output is converted back to its type
    /// (<see cref="CpuOps.Converter"/>, the one conversion rule).
    /// </summary>
    private static CpuKernel InFloat32(InferenceContext c, ValueSlot[] slots, int[] inputs, int[] outputs, int threads)
    {
        Node node = c.Node;
        int[] widened = Widened(slots, inputs, outputs);
        var floatSlots = (ValueSlot[])slots.Clone();
        foreach (int slot in widened)
        {
            floatSlots[slot] = new ValueSlot(slots[slot].Name, slots[slot].Info with { DataType = DataType.Float32 });
            floatSlots[slot].Bind(new float[floatSlots[slot].Length], 0);
        }

        var values = new Dictionary<string, TensorInfo>();
        var constants = new Dictionary<string, Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] >= 0)
            {
                values[node.Inputs[i]] = floatSlots[inputs[i]].Info;
                if (c.Constant(i) is { } constant)
                {
                    constants[node.Inputs[i]] = constant.DataType == floatSlots[inputs[i]].Info.DataType ? constant : CpuOps.Cast(constant, DataType.Float32);
                }
            }
        }

        CpuKernel kernel = Compile(new InferenceContext(c.Opset, node, values, constants), floatSlots, inputs, outputs, threads);
        var isInput = inputs.Where(i => i >= 0).ToHashSet();
        (int Slot, SlotConversion Convert)[] before = widened.Where(isInput.Contains)
            .Select(i => (i, CpuOps.Converter(slots[i].Info.DataType, DataType.Float32))).ToArray();
        (int Slot, SlotConversion Convert)[] after = widened.Where(i => !isInput.Contains(i))
            .Select(i => (i, CpuOps.Converter(DataType.Float32, slots[i].Info.DataType))).ToArray();
        // The plan adds the slots of later nodes after this one is compiled, so the run's array is the longer one.
        ValueSlot[] bound = [];
        return s =>
        {
            if (bound.Length != s.Length)
            {
                bound = new ValueSlot[s.Length];
            }

            Array.Copy(s, bound, s.Length);
            foreach ((int slot, SlotConversion convert) in before)
            {
                convert(s[slot], floatSlots[slot]);
                bound[slot] = floatSlots[slot];
            }

            foreach ((int slot, _) in after)
            {
                bound[slot] = floatSlots[slot];
            }

            kernel(bound);
            foreach ((int slot, SlotConversion convert) in after)
            {
                convert(floatSlots[slot], s[slot]);
            }
        };
    }

    /// <summary>
    /// If: each branch runs on an executor of its own (<see cref="IfBranches.Standalone"/>), fed the outer values it
    /// reads from their slots; only the branch the condition picks runs, and its outputs are copied into the node's.
    /// </summary>
    private static CpuKernel If(InferenceContext c, int[] inputs, int[] outputs, int threads)
    {
        Node node = c.Node;
        var branches = IfBranches.Attributes.Select(attribute =>
        {
            LayerGraph graph = IfBranches.Standalone(c, attribute);
            (string Name, int Slot)[] reads = [.. graph.Inputs.Select(i => (i.Name, inputs[node.Inputs.ToList().IndexOf(i.Name)]))];
            return (Executor: new CpuExecutor(graph, new CpuExecutorOptions { Threads = threads }), Reads: reads, Outputs: graph.Outputs.Select(o => o.Name).ToArray());
        }).ToArray();
        int condition = inputs[0];
        return s =>
        {
            var branch = branches[s[condition].Span<bool>()[0] ? 0 : 1];
            IReadOnlyDictionary<string, Tensor> results = branch.Executor.Run(branch.Reads.ToDictionary(r => r.Name, r => s[r.Slot].ToTensor()));
            for (int i = 0; i < outputs.Length; i++)
            {
                if (outputs[i] >= 0)
                {
                    CopyTensor(results[branch.Outputs[i]], s[outputs[i]]);
                }
            }
        };
    }

    private static CpuKernel Conv(InferenceContext c, ValueSlot[] slots, int[] inputs, int y, int threads)
    {
        Node node = c.Node;
        int x = inputs[0], w = inputs[1], bias = inputs.Length > 2 ? inputs[2] : -1;
        TensorShape xs = slots[x].Info.Shape, ws = slots[w].Info.Shape;
        FusedActivation activation = Activations.FusedInto(node);
        if (xs.Rank == 5)
        {
            var volume = Conv3DShape.Of(node, xs, ws);
            return s => CpuKernels.Conv3D(volume, s[x].Floats, s[w].Floats, bias >= 0 ? s[bias].Floats : default, s[y].Floats, activation, threads);
        }

        // 1-D convolutions run as 2-D ones of height 1.
        WindowGeometry g = SlidingWindows.Conv(node, xs, ws).Padded(2);
        var shape = new Conv2DShape(
            Batch: (int)xs[0], InChannels: (int)xs[1], InHeight: g.Input[0], InWidth: g.Input[1],
            OutChannels: (int)ws[0], KernelHeight: g.Kernel[0], KernelWidth: g.Kernel[1],
            StrideH: g.Strides[0], StrideW: g.Strides[1],
            PadTop: g.PadsBegin[0], PadLeft: g.PadsBegin[1], PadBottom: g.PadsEnd[0], PadRight: g.PadsEnd[1],
            DilationH: g.Dilations[0], DilationW: g.Dilations[1],
            Groups: SlidingWindows.Groups(node));

        // Constant weights (the usual case) are packed for the GEMM once, here, instead of on every run.
        if (c.Constant(1) is { } constantWeights
            && PackedConvWeights.Create(GemmMicroKernels.Best, shape, constantWeights.Floats) is { } packed)
        {
            return s => CpuKernels.Conv2D(shape, s[x].Floats, packed, bias >= 0 ? s[bias].Floats : default, s[y].Floats, activation, threads);
        }

        return s => CpuKernels.Conv2D(shape, s[x].Floats, s[w].Floats, bias >= 0 ? s[bias].Floats : default, s[y].Floats, activation, threads);
    }

    private static CpuKernel Resize(ResizeGeometry g, int x, int y)
    {
        int rank = g.InputDims.Length;
        if (!g.Linear)
        {
            // Each axis' output coordinate → input element offset, computed once.
            var offsets = new int[rank][];
            int stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int axisStride = stride;
                offsets[d] = Enumerable.Range(0, g.OutputDims[d]).Select(o => g.Nearest(d, o) * axisStride).ToArray();
                stride *= g.InputDims[d];
            }

            return s => CpuOps.ResizeNearest(s[x].Floats, s[y].Floats, g.OutputDims, offsets);
        }

        // Bilinear over the last two axes (a rank-1 input is one row); the leading axes keep their coordinates.
        int w = rank - 1, h = rank - 2;
        (int, int, float)[] rows = h >= 0 ? Enumerable.Range(0, g.OutputDims[h]).Select(o => g.Interpolation(h, o)).ToArray() : [(0, 0, 0f)];
        (int, int, float)[] columns = Enumerable.Range(0, g.OutputDims[w]).Select(o => g.Interpolation(w, o)).ToArray();
        int inHeight = h >= 0 ? g.InputDims[h] : 1, planes = g.InputDims.Take(Math.Max(0, h)).Aggregate(1, (p, d) => p * d);
        return s => CpuOps.ResizeLinear(s[x].Floats, s[y].Floats, planes, inHeight, g.InputDims[w], rows, columns);
    }

    private static CpuKernel Gemm(InferenceContext c, ValueSlot[] slots, int[] inputs, int y, int threads)
    {
        Node node = c.Node;
        int a = inputs[0], b = inputs[1], cSlot = inputs.Length > 2 ? inputs[2] : -1;
        GemmAttributes attributes = GemmAttributes.Of(node);
        (bool ta, bool tb, float alpha, float beta) = attributes;
        TensorShape aShape = slots[a].Info.Shape, bShape = slots[b].Info.Shape, yShape = slots[y].Info.Shape;
        int m = (int)yShape[0], n = (int)yShape[1], k = (int)attributes.RowsAndDepthOfA(aShape).K;
        int lda = (int)aShape[1], ldb = (int)bShape[1];
        bool addC = cSlot >= 0 && beta != 0f;
        int[] cStrides = [];
        if (addC)
        {
            TensorShape cs = slots[cSlot].Info.Shape;
            long[] padded = [.. Enumerable.Repeat(1L, 2 - cs.Rank), .. cs];
            cStrides = [padded[0] == 1 ? 0 : (int)padded[1], padded[1] == 1 ? 0 : 1];
        }

        FusedActivation activation = Activations.FusedInto(node);
        if (slots[y].Info.DataType == DataType.Float64)
        {
            return s =>
            {
                Span<double> output = s[y].Span<double>();
                if (addC)
                {
                    CpuOps.StridedCopy<double>(s[cSlot].Span<double>(), output, [m, n], cStrides, 0);
                }

                CpuOps.Gemm(ta, tb, m, n, k, alpha, s[a].Span<double>(), lda, s[b].Span<double>(), ldb, addC ? beta : 0, output);
            };
        }

        return s =>
        {
            Span<float> output = s[y].Floats;
            if (addC)
            {
                CpuOps.StridedCopy<float>(s[cSlot].Floats, output, [m, n], cStrides, 0);
            }

            CpuKernels.Gemm(ta, tb, m, n, k, alpha, s[a].Floats, lda, s[b].Floats, ldb, addC ? beta : 0f, output, n, threads);
            if (activation.Kind != ActivationKind.None)
            {
                CpuOps.Activate(output, activation);
            }
        };
    }

    private static CpuKernel MatMul(TensorShape aShape, TensorShape bShape, int a, int b, int y, DataType type, int threads)
    {
        TensorShape a2 = aShape.Rank == 1 ? new TensorShape(1, aShape[0]) : aShape;
        TensorShape b2 = bShape.Rank == 1 ? new TensorShape(bShape[0], 1) : bShape;
        int m = (int)a2[-2], k = (int)a2[-1], n = (int)b2[-1];
        var aBatch = new TensorShape(a2.Dimensions[..^2]);
        var bBatch = new TensorShape(b2.Dimensions[..^2]);
        TensorShape batch = ShapeInference.Broadcast(aBatch, bBatch)!;
        int count = (int)batch.ElementCount;
        if (bBatch.ElementCount == 1 && aBatch.ElementCount == count)
        {
            // B is shared by every batch entry: one GEMM with the batch folded into M.
            int rows = count * m;
            return type == DataType.Float64
                ? s => CpuOps.MatMul(s[a].Span<double>(), s[b].Span<double>(), s[y].Span<double>(), rows, n, k)
                : s => CpuKernels.Gemm(false, false, rows, n, k, 1f, s[a].Floats, k, s[b].Floats, n, 0f, s[y].Floats, n, threads);
        }

        var aOffsets = new int[count];
        var bOffsets = new int[count];
        var plan = BroadcastPlan.Create(aBatch, bBatch, batch);
        var aIndex = Enumerable.Range(0, (int)aBatch.ElementCount).Select(i => i * m * k).ToArray();
        var bIndex = Enumerable.Range(0, (int)bBatch.ElementCount).Select(i => i * k * n).ToArray();

        // The broadcast of the batch indices gives, per output matrix, which A and B matrices it multiplies.
        var aPicked = new int[count];
        var bPicked = new int[count];
        CpuOps.Binary<int, PickFirst>(plan, aIndex, new int[Math.Max(1, bIndex.Length)], aPicked);
        CpuOps.Binary<int, PickSecond>(plan, new int[Math.Max(1, aIndex.Length)], bIndex, bPicked);
        aPicked.CopyTo(aOffsets, 0);
        bPicked.CopyTo(bOffsets, 0);
        if (type == DataType.Float64)
        {
            return s =>
            {
                Span<double> output = s[y].Span<double>();
                ReadOnlySpan<double> av = s[a].Span<double>(), bv = s[b].Span<double>();
                for (int i = 0; i < count; i++)
                {
                    CpuOps.MatMul(av[aOffsets[i]..], bv[bOffsets[i]..], output.Slice(i * m * n, m * n), m, n, k);
                }
            };
        }

        return s =>
        {
            Span<float> output = s[y].Floats;
            ReadOnlySpan<float> av = s[a].Floats, bv = s[b].Floats;
            for (int i = 0; i < count; i++)
            {
                CpuKernels.Gemm(false, false, m, n, k, 1f, av[aOffsets[i]..], k, bv[bOffsets[i]..], n, 0f, output.Slice(i * m * n, m * n), n, threads);
            }
        };
    }

    private static CpuKernel Concat(InferenceContext c, ValueSlot[] slots, int[] inputs, int y)
    {
        TensorShape ys = slots[y].Info.Shape;
        int axis = AxisOps.ConcatAxis(c.Node, ys.Rank);
        int outer = (int)ys.Product(0, axis), inner = (int)ys.Product(axis + 1, ys.Rank), outputBlock = (int)ys[axis] * inner;
        int[] blocks = inputs.Select(i => (int)slots[i].Info.Shape[axis] * inner).ToArray();
        int[] offsets = new int[inputs.Length];
        for (int i = 1; i < inputs.Length; i++)
        {
            offsets[i] = offsets[i - 1] + blocks[i - 1];
        }

        ConcatCopy copy = ElementTypes.Visit<ConcatCopy, ConcatCopyVisitor>(slots[y].Info.DataType, default);
        return s =>
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                // An input its producer wrote straight into its slice (ExecutionSchedule places eligible
                // inputs there) is already in place.
                ValueSlot input = s[inputs[i]], output = s[y];
                if (outer == 1 && ReferenceEquals(input.Array, output.Array) && input.Offset == output.Offset + offsets[i])
                {
                    continue;
                }

                copy(input, output, outer, blocks[i], outputBlock, offsets[i]);
            }
        };
    }

    private static CpuKernel LayerNorm(InferenceContext c, ValueSlot[] slots, int[] inputs, int[] outputs)
    {
        Node node = c.Node;
        int x = inputs[0], scale = inputs.Length > 1 ? inputs[1] : -1, bias = inputs.Length > 2 ? inputs[2] : -1;
        int y = outputs[0], mean = outputs.Length > 1 ? outputs[1] : -1, inv = outputs.Length > 2 ? outputs[2] : -1;
        TensorShape xs = slots[x].Info.Shape;
        ((int axis, long rows64, long cols64, _), float epsilon) = AxisOps.LayerNorm(node, xs);
        int rows = (int)rows64, cols = (int)cols64;
        int[] normalized = xs.Dimensions[axis..].ToArray().Select(d => (int)d).ToArray();

        // Scale and bias broadcast to the normalised shape; they are expanded into row buffers made here.
        (float[] Row, int[] Strides)? Expand(int slot)
        {
            if (slot < 0)
            {
                return null;
            }

            TensorShape shape = slots[slot].Info.Shape;
            long[] padded = [.. Enumerable.Repeat(1L, normalized.Length - shape.Rank), .. shape];
            int[] strides = CpuOps.Strides(new TensorShape(padded)).Select((s, i) => padded[i] == 1 ? 0 : s).ToArray();
            return (new float[cols], strides);
        }

        (float[] Row, int[] Strides)? scaleRow = Expand(scale), biasRow = Expand(bias);
        return s =>
        {
            if (scaleRow is { } sr)
            {
                CpuOps.StridedCopy<float>(s[scale].Floats, sr.Row, normalized, sr.Strides, 0);
            }

            if (biasRow is { } br)
            {
                CpuOps.StridedCopy<float>(s[bias].Floats, br.Row, normalized, br.Strides, 0);
            }

            CpuOps.LayerNormalization(
                s[x].Floats, s[y].Floats, rows, cols, scaleRow?.Row ?? default, biasRow?.Row ?? default, epsilon,
                mean >= 0 ? s[mean].Floats : default, inv >= 0 ? s[inv].Floats : default);
        };
    }

    private readonly struct PickFirst : IBinaryOp<int>
    {
        public static void Apply(ReadOnlySpan<int> x, ReadOnlySpan<int> y, Span<int> destination) => x.CopyTo(destination);

        public static void Apply(ReadOnlySpan<int> x, int y, Span<int> destination) => x.CopyTo(destination);

        public static void Apply(int x, ReadOnlySpan<int> y, Span<int> destination) => destination.Fill(x);
    }

    private readonly struct PickSecond : IBinaryOp<int>
    {
        public static void Apply(ReadOnlySpan<int> x, ReadOnlySpan<int> y, Span<int> destination) => y.CopyTo(destination);

        public static void Apply(ReadOnlySpan<int> x, int y, Span<int> destination) => destination.Fill(y);

        public static void Apply(int x, ReadOnlySpan<int> y, Span<int> destination) => y.CopyTo(destination);
    }

    private delegate void ConcatCopy(ValueSlot input, ValueSlot output, int outer, int block, int outputBlock, int offset);

    private readonly struct ConcatCopyVisitor : IElementVisitor<ConcatCopy>
    {
        public ConcatCopy Visit<T>()
            where T : unmanaged =>
            static (input, output, outer, block, outputBlock, offset) => CpuOps.Concat<T>(input.Span<T>(), output.Span<T>(), outer, block, outputBlock, offset);
    }

    private readonly struct StridedKernel(int[] outDims, int[] inStrides, int start, int x, int y) : IElementVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged
        {
            (int[] dims, int[] strides, int first, int from, int to) = (outDims, inStrides, start, x, y);
            return s => CpuOps.StridedCopy<T>(s[from].Span<T>(), s[to].Span<T>(), dims, strides, first);
        }
    }

    private readonly struct PadKernel(int x, int value, int y, int[] inDims, int[][] sources, Tensor fallback) : IElementVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged
        {
            (int from, int given, int to, int[] dims, int[][] map, T constant) = (x, value, y, inDims, sources, fallback.Elements<T>()[0]);
            return s => CpuOps.Pad(s[from].Span<T>(), s[to].Span<T>(), dims, map, given >= 0 ? s[given].Span<T>()[0] : constant);
        }
    }

    private readonly struct GatherKernel(int x, int indices, int y, int outer, int length, int inner, string what, DataType indexType)
        : IElementVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged => ElementTypes.VisitInteger<CpuKernel, GatherIndexKernel<T>>(indexType, new GatherIndexKernel<T>(x, indices, y, outer, length, inner, what));
    }

    private readonly struct GatherIndexKernel<T>(int x, int indices, int y, int outer, int length, int inner, string what) : IIntegerVisitor<CpuKernel>
        where T : unmanaged
    {
        public CpuKernel Visit<TIndex>()
            where TIndex : unmanaged, IBinaryInteger<TIndex>, IMinMaxValue<TIndex>
        {
            (int data, int index, int output, int o, int l, int n, string name) = (x, indices, y, outer, length, inner, what);
            return s => CpuOps.Gather(s[data].Span<T>(), s[index].Span<TIndex>(), s[output].Span<T>(), o, l, n, name);
        }
    }

    private readonly struct MaxKernel(BroadcastPlan[] plans, int[] inputs, int y) : INumberVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            (BroadcastPlan[] p, int[] values, int output) = (plans, inputs, y);
            return s =>
            {
                CpuOps.Binary<T, MaxOp<T>>(p[0], s[values[0]].Span<T>(), s[values[1]].Span<T>(), s[output].Span<T>());
                for (int i = 2; i < values.Length; i++)
                {
                    CpuOps.Binary<T, MaxOp<T>>(p[i - 1], s[output].Span<T>(), s[values[i]].Span<T>(), s[output].Span<T>());
                }
            };
        }
    }

    /// <summary>Pow of a base of any numeric type (the visited T) to an exponent of any numeric type.</summary>
    private readonly struct PowKernel(BroadcastPlan plan, int x, int exponent, int y, DataType exponentType) : INumberVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T> =>
            ElementTypes.VisitNumber<CpuKernel, PowExponentKernel<T>>(exponentType, new PowExponentKernel<T>(plan, x, exponent, y));
    }

    private readonly struct PowExponentKernel<T>(BroadcastPlan plan, int x, int exponent, int y) : INumberVisitor<CpuKernel>
        where T : unmanaged, INumber<T>
    {
        public CpuKernel Visit<TExponent>()
            where TExponent : unmanaged, INumber<TExponent>, IMinMaxValue<TExponent>
        {
            (BroadcastPlan p, int a, int b, int output) = (plan, x, exponent, y);
            return s => CpuOps.Pow(p, s[a].Span<T>(), s[b].Span<TExponent>(), s[output].Span<T>());
        }
    }

    /// <summary>A comparison of two numbers of the visited type, to bool.</summary>
    private readonly struct ComparisonKernel(string op, BroadcastPlan plan, int a, int b, int y) : INumberVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T> => op switch
            {
                "Equal" => Compare<T, EqualOp<T>>(plan, a, b, y),
                "Greater" => Compare<T, GreaterOp<T>>(plan, a, b, y),
                "GreaterOrEqual" => Compare<T, GreaterOrEqualOp<T>>(plan, a, b, y),
                "Less" => Compare<T, LessOp<T>>(plan, a, b, y),
                _ => Compare<T, LessOrEqualOp<T>>(plan, a, b, y),
            };
    }

    /// <summary>Where on values of the visited type; <paramref name="slots"/> are the condition, x, y and the output.</summary>
    private readonly struct WhereKernel(int[] slots, int[] dims, int[][] strides) : IElementVisitor<CpuKernel>
    {
        public CpuKernel Visit<T>()
            where T : unmanaged
        {
            (int[] v, int[] d, int[][] st) = (slots, dims, strides);
            return s => CpuOps.Where(s[v[0]].Span<bool>(), s[v[1]].Span<T>(), s[v[2]].Span<T>(), s[v[3]].Span<T>(), d, st[0], st[1], st[2]);
        }
    }

    /// <summary>Add, Sub, Mul and Div in the stored type: IEEE division for floating point, truncating for integers.</summary>
    private readonly struct BinaryKernel(string op, string what, BroadcastPlan plan, int a, int b, int y) : INumberVisitor<CpuKernel>, IIntegerVisitor<CpuKernel>
    {
        CpuKernel INumberVisitor<CpuKernel>.Visit<T>() => op == "Div" ? Kernel<T, DivideOp<T>>() : Arithmetic<T>();

        CpuKernel IIntegerVisitor<CpuKernel>.Visit<T>()
        {
            if (op != "Div")
            {
                return Arithmetic<T>();
            }

            (BroadcastPlan p, int left, int right, int output, string name) = (plan, a, b, y, what);
            return s => CpuOps.DivideIntegers(p, s[left].Span<T>(), s[right].Span<T>(), s[output].Span<T>(), name);
        }

        private CpuKernel Arithmetic<T>()
            where T : unmanaged, INumber<T> => op switch
            {
                "Add" => Kernel<T, AddOp<T>>(),
                "Sub" => Kernel<T, SubtractOp<T>>(),
                _ => Kernel<T, MultiplyOp<T>>(),
            };

        private CpuKernel Kernel<T, TOp>()
            where T : unmanaged
            where TOp : IBinaryOp<T>
        {
            (BroadcastPlan p, int left, int right, int output) = (plan, a, b, y);
            return s => CpuOps.Binary<T, TOp>(p, s[left].Span<T>(), s[right].Span<T>(), s[output].Span<T>());
        }
    }
}
