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
        int x = inputs.Length > 0 ? inputs[0] : -1, y = outputs.Length > 0 ? outputs[0] : -1;
        TensorShape Shape(int slot) => slots[slot].Info.Shape;
        bool IsFloat(int slot) => slots[slot].Info.DataType == DataType.Float32;
        int Optional(int index) => index < inputs.Length ? inputs[index] : -1;

        switch (node.OpType)
        {
            case "Conv":
                return Conv(c, slots, inputs, y, threads);
            case "Gemm":
                return Gemm(c, slots, inputs, y, threads);
            case "MatMul":
                return MatMul(Shape(x), Shape(inputs[1]), x, inputs[1], y, threads);
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
                return Binary(node, BroadcastPlan.Create(Shape(x), Shape(inputs[1]), Shape(y)), x, inputs[1], y, IsFloat(y));
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
            case "Identity":
            case "Dropout":
            case "Flatten":
            case "Reshape":
            case "Squeeze":
            case "Unsqueeze":
                return View(x, y, outputs.Length > 1 ? outputs[1] : -1, IsFloat(x));
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
            case "Transpose":
            {
                TensorShape xs = Shape(x);
                int[] perm = ShapeInference.Permutation(node, xs.Rank);
                int[] strides = CpuOps.Strides(xs);
                int[] outDims = perm.Select(p => (int)xs[p]).ToArray();
                int[] inStrides = perm.Select(p => strides[p]).ToArray();
                return Strided(outDims, inStrides, 0, x, y, IsFloat(x));
            }

            case "Slice":
            {
                SliceGeometry slice = SliceGeometry.Resolve(c);
                int[] strides = CpuOps.Strides(Shape(x));
                int start = (int)slice.Starts.Select((s, i) => s * strides[i]).Sum();
                int[] inStrides = strides.Select((s, i) => (int)(s * slice.Steps[i])).ToArray();
                return Strided(slice.OutputShape.ToIntArray(), inStrides, start, x, y, IsFloat(x));
            }

            case "Concat":
                return Concat(c, slots, inputs, y);
            case "Gather":
            {
                (_, long outer64, long length64, long inner64) = AxisOps.Gather(node, Shape(x));
                int outer = (int)outer64, length = (int)length64, inner = (int)inner64;
                int indices = inputs[1];
                string what = node.Describe();
                return IsFloat(x)
                    ? s => CpuOps.Gather<float>(s[x].Floats, s[indices].Int64s, s[y].Floats, outer, length, inner, what)
                    : s => CpuOps.Gather<long>(s[x].Int64s, s[indices].Int64s, s[y].Int64s, outer, length, inner, what);
            }

            case "Cast":
                return (IsFloat(x), IsFloat(y)) switch
                {
                    (true, false) => s => CpuOps.Cast(s[x].Floats, s[y].Int64s),
                    (false, true) => s => CpuOps.Cast(s[x].Int64s, s[y].Floats),
                    _ => View(x, y, -1, IsFloat(x)),
                };
            case "Constant":
            {
                Tensor value = ShapeInference.ConstantValue(node);
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

    private static void CopyTensor(Tensor value, ValueSlot slot)
    {
        if (value.DataType == DataType.Float32)
        {
            value.Floats.CopyTo(slot.Floats);
        }
        else
        {
            value.Int64s.CopyTo(slot.Int64s);
        }
    }

    private static CpuKernel View(int x, int y, int mask, bool isFloat) => s =>
    {
        ValueSlot from = s[x], to = s[y];
        if (!ReferenceEquals(from.Array, to.Array) || from.Offset != to.Offset)
        {
            if (isFloat)
            {
                from.Floats.CopyTo(to.Floats);
            }
            else
            {
                from.Int64s.CopyTo(to.Int64s);
            }
        }

        if (mask >= 0)
        {
            s[mask].Floats.Fill(1f);
        }
    };

    private static CpuKernel Strided(int[] outDims, int[] inStrides, int start, int x, int y, bool isFloat) => isFloat
        ? s => CpuOps.StridedCopy<float>(s[x].Floats, s[y].Floats, outDims, inStrides, start)
        : s => CpuOps.StridedCopy<long>(s[x].Int64s, s[y].Int64s, outDims, inStrides, start);

    private static CpuKernel Binary(Node node, BroadcastPlan plan, int a, int b, int y, bool isFloat) => (node.OpType, isFloat) switch
    {
        ("Add", true) => s => CpuOps.Binary<float, AddOp<float>>(plan, s[a].Floats, s[b].Floats, s[y].Floats),
        ("Sub", true) => s => CpuOps.Binary<float, SubtractOp<float>>(plan, s[a].Floats, s[b].Floats, s[y].Floats),
        ("Mul", true) => s => CpuOps.Binary<float, MultiplyOp<float>>(plan, s[a].Floats, s[b].Floats, s[y].Floats),
        ("Div", true) => s => CpuOps.Binary<float, DivideOp<float>>(plan, s[a].Floats, s[b].Floats, s[y].Floats),
        ("Add", false) => s => CpuOps.Binary<long, AddOp<long>>(plan, s[a].Int64s, s[b].Int64s, s[y].Int64s),
        ("Sub", false) => s => CpuOps.Binary<long, SubtractOp<long>>(plan, s[a].Int64s, s[b].Int64s, s[y].Int64s),
        ("Mul", false) => s => CpuOps.Binary<long, MultiplyOp<long>>(plan, s[a].Int64s, s[b].Int64s, s[y].Int64s),
        _ => DivideInt64(node.Describe(), plan, a, b, y),
    };

    private static CpuKernel DivideInt64(string what, BroadcastPlan plan, int a, int b, int y) =>
        s => CpuOps.DivideInt64(plan, s[a].Int64s, s[b].Int64s, s[y].Int64s, what);

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

    private static CpuKernel MatMul(TensorShape aShape, TensorShape bShape, int a, int b, int y, int threads)
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
            return s => CpuKernels.Gemm(false, false, rows, n, k, 1f, s[a].Floats, k, s[b].Floats, n, 0f, s[y].Floats, n, threads);
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

        bool isFloat = slots[y].Info.DataType == DataType.Float32;
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

                if (isFloat)
                {
                    CpuOps.Concat<float>(input.Floats, output.Floats, outer, blocks[i], outputBlock, offsets[i]);
                }
                else
                {
                    CpuOps.Concat<long>(input.Int64s, output.Int64s, outer, blocks[i], outputBlock, offsets[i]);
                }
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
}
