using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cpu.Ops;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Ops;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Cuda;

/// <summary>
/// Lowers a laid-out graph to device steps (PTX launches with their argument structs, cuBLAS GEMMs,
/// cuDNN convolutions) once the base address of every region is known. Pure: no driver call, so the
/// lowering is tested without a GPU, with made-up addresses or with host memory and the host-built
/// kernels. An op without a device lowering fails here, at plan time, naming the node and the op.
/// </summary>
internal static class CudaLowering
{
    /// <summary>
    /// The steps of one run, in stream order: every running node's steps, then one copy per graph
    /// output into its output region. <paramref name="regionBases"/> are the device addresses of
    /// <see cref="CudaLayout.Regions"/>, in order.
    /// </summary>
    /// <exception cref="UnsupportedModelException">A node has no device lowering; the message names it and its op.</exception>
    public static IReadOnlyList<CudaStep> Lower(CudaLayout layout, IReadOnlyList<ulong> regionBases)
    {
        if (regionBases.Count != layout.Regions.Count)
        {
            throw new ArgumentException($"{regionBases.Count} base addresses for {layout.Regions.Count} regions", nameof(regionBases));
        }

        var lowering = new NodeLowering(layout, regionBases);
        foreach (Node node in layout.Schedule.Running)
        {
            lowering.Lower(node);
        }

        foreach (ValueInfo output in layout.Schedule.Shapes.Graph.Outputs)
        {
            lowering.CopyToOutput(output.Name, regionBases[layout.OutputRegion(output.Name)]);
        }

        return lowering.Steps;
    }

    /// <summary>
    /// The error a run's fault word reports, or null when it is 0: a kernel that meets an error planning cannot rule out
    /// stores the 1-based index of its step there (<see cref="CudaStep.Fault"/>).
    /// </summary>
    public static GraphException? FaultError(IReadOnlyList<CudaStep> steps, int faultWord) =>
        faultWord == 0 ? null : new GraphException($"{steps[faultWord - 1].Node}: {steps[faultWord - 1].Fault} (found on the device)");

    /// <summary>
    /// The workspace a LayerNormalization needs: one full row (the normalised size) for each of scale and bias,
    /// in that order, when either broadcasts over the normalised shape; 0 when both are full rows.
    /// </summary>
    public static long LayerNormRowsBytes(Node node, InferredShapes shapes)
    {
        long cols = AxisOps.LayerNorm(node, shapes[node.Inputs[0]].Shape).Rows.Length;
        bool broadcasts = node.Inputs.Skip(1).Take(2).Any(p => p.Length > 0 && shapes[p].Shape.ElementCount != cols);
        return broadcasts ? 2 * cols * sizeof(float) : 0;
    }

    /// <summary>
    /// The values of a node that run through float32 copies in the workspace (<see cref="Float32Computation"/>, the CPU
    /// executor's rule): the inputs and outputs of another type than float32 and int64 of an op that computes in float32
    /// only, in input-then-output order; none for MaxPool and Clip of int8 and uint8, which have kernels of their own.
    /// </summary>
    public static IReadOnlyList<string> Float32Copies(Node node, InferredShapes shapes)
    {
        DataType xType = shapes[node.Inputs[0]].DataType;
        if (!Float32Computation.Applies(node, shapes[node.Outputs.First(o => o.Length > 0)].DataType)
            || (node.OpType is "MaxPool" or "Clip" && DataTypes.IsByteInteger(xType)))
        {
            return [];
        }

        return [.. node.Inputs.Concat(node.Outputs).Where(v => v.Length > 0 && Float32Computation.IsConverted(shapes[v].DataType)).Distinct()];
    }

    /// <summary>The workspace bytes of <see cref="Float32Copies"/>: one float32 copy each, every one 256-byte aligned.</summary>
    public static long Float32CopiesBytes(Node node, InferredShapes shapes) =>
        Float32Copies(node, shapes).Sum(v => AlignWorkspace(shapes[v].Shape.ElementCount * sizeof(float)));

    /// <summary><paramref name="bytes"/> rounded up to the 256-byte alignment of each part of the workspace.</summary>
    public static long AlignWorkspace(long bytes) => (bytes + 255) / 256 * 256;

    /// <summary>The 2-D convolution a Conv node computes (1-D as height 1); 3-D ones lower through <see cref="Conv3DShape"/>.</summary>
    /// <exception cref="ArgumentException">A 3-D convolution.</exception>
    public static ConvolutionShape ConvolutionShapeOf(Node node, InferredShapes shapes)
    {
        TensorShape xs = shapes[node.Inputs[0]].Shape, ws = shapes[node.Inputs[1]].Shape;
        if (xs.Rank > 4)
        {
            throw new ArgumentException($"{node.Describe()}: a 3-D convolution has no 2-D shape", nameof(node));
        }

        WindowGeometry g = SlidingWindows.Conv(node, xs, ws).Padded(2);
        var window = new Window2D
        {
            KernelH = g.Kernel[0], KernelW = g.Kernel[1], StrideH = g.Strides[0], StrideW = g.Strides[1],
            PadTop = g.PadsBegin[0], PadLeft = g.PadsBegin[1], DilationH = g.Dilations[0], DilationW = g.Dilations[1],
        };
        return new ConvolutionShape(
            Batch: (int)xs[0], InChannels: (int)xs[1], InH: g.Input[0], InW: g.Input[1],
            OutChannels: (int)ws[0], KernelH: window.KernelH, KernelW: window.KernelW, OutH: g.Output[0], OutW: g.Output[1],
            Window: window, Groups: SlidingWindows.Groups(node));
    }

    /// <summary>The ConvTranspose a node computes; its columns (one image, every group) are its workspace.</summary>
    public static ConvTransposeGeometry ConvTransposeGeometryOf(Node node, InferredShapes shapes) =>
        ConvTransposeGeometry.Resolve(node, shapes[node.Inputs[0]].Shape, shapes[node.Inputs[1]].Shape);

    /// <summary>
    /// The steps of a convolution without bias on the im2col + cuBLAS path, which needs
    /// <c>PatchRows · Positions</c> floats of <paramref name="workspace"/>; also what the executor times
    /// against cuDNN's algorithms (<see cref="ConvolutionAlgorithmRule"/>).
    /// </summary>
    public static List<CudaStep> Im2ColConvolution(string node, ConvolutionShape s, GpuMath math, ulong x, ulong w, ulong y, ulong workspace) =>
        Im2ColGemm(
            node, math, s.Batch, s.Groups, s.OutChannels, s.PatchRows, s.Positions, (long)s.InChannels * s.InH * s.InW, x, w, y, workspace,
            image => new KernelStep<CudaKernelArgs.Im2Col>(node, PtxKernels.Im2Col, LaunchConfig.GridStride((long)s.PatchRows * s.Positions), new CudaKernelArgs.Im2Col
            {
                X = image, Col = workspace, Channels = s.InChannels, InH = s.InH, InW = s.InW, OutH = s.OutH, OutW = s.OutW, Window = s.Window,
            }));

    // Per image: col = im2col(x_n) ([C·taps, P] in the workspace, P output positions), then per group g
    // Y_n,g [K/G, P] = W_g [K/G, C/G·taps] · col_g [C/G·taps, P], batched over the groups. 2-D and 3-D
    // convolutions differ only in the im2col step.
    private static List<CudaStep> Im2ColGemm(
        string node, GpuMath math, int batch, int groups, int outChannels, int patchRows, int positions, long imageLength,
        ulong x, ulong w, ulong y, ulong workspace, Func<ulong, CudaStep> im2col)
    {
        var steps = new List<CudaStep>(2 * batch);
        int kPerGroup = outChannels / groups, patchPerGroup = patchRows / groups;
        for (int n = 0; n < batch; n++)
        {
            steps.Add(im2col(x + ((ulong)n * (ulong)imageLength * sizeof(float))));
            ulong output = y + ((ulong)n * (ulong)outChannels * (ulong)positions * sizeof(float));
            GemmCall call = GemmCall.RowMajor(
                math, transX: false, transW: false, m: kPerGroup, n: positions, k: patchPerGroup,
                alpha: 1f, x: w, ldx: patchPerGroup, w: workspace, ldw: positions, beta: 0f, y: output, ldy: positions);
            steps.Add(new GemmStep(node, groups == 1 ? call : call.Batched(
                groups, strideX: (long)kPerGroup * patchPerGroup, strideW: (long)patchPerGroup * positions, strideY: (long)kPerGroup * positions)));
        }

        return steps;
    }

    private sealed class NodeLowering(CudaLayout layout, IReadOnlyList<ulong> bases)
    {
        private readonly ExecutionSchedule _schedule = layout.Schedule;
        private Node _node = null!;

        public List<CudaStep> Steps { get; } = [];

        // The float32 copies in the workspace that stand for a node's values while it runs in float32 (Float32Copies).
        private readonly Dictionary<string, ulong> _float32Copies = [];

        private InferredShapes Shapes => _schedule.Shapes;

        public void Lower(Node node)
        {
            _node = node;
            IReadOnlyList<string> copies = Float32Copies(node, Shapes);
            if (copies.Count == 0)
            {
                LowerNode();
                return;
            }

            // As the CPU executor runs it: the inputs converted to float32, the float32 lowering, the outputs converted back.
            ulong next = bases[layout.WorkspaceRegion] + (ulong)layout.Float32CopiesOffset(node);
            foreach (string value in copies)
            {
                _float32Copies[value] = next;
                next += (ulong)AlignWorkspace(ShapeOf(value).ElementCount * sizeof(float));
            }

            foreach (string input in copies.Where(node.Inputs.Contains))
            {
                Convert(Address(input, original: true), Shapes[input].DataType, _float32Copies[input], DataType.Float32, ShapeOf(input).ElementCount);
            }

            LowerNode();
            foreach (string output in copies.Where(node.Outputs.Contains))
            {
                Convert(_float32Copies[output], DataType.Float32, Address(output, original: true), Shapes[output].DataType, ShapeOf(output).ElementCount);
            }

            _float32Copies.Clear();
        }

        private void LowerNode()
        {
            Node node = _node;
            string x = node.Inputs[0], y = node.Outputs[0];
            switch (node.OpType)
            {
                case "Conv":
                    Convolution();
                    break;
                case "ConvTranspose":
                    ConvTranspose();
                    break;
                case "Resize":
                    Resize(x, y);
                    break;
                case "Gemm":
                    Gemm();
                    break;
                case "MatMul":
                    MatMul(x, node.Inputs[1], y);
                    break;
                case "Add" or "Sub" or "Mul" or "Div":
                    Binary(x, node.Inputs[1], y);
                    break;
                case "Pow":
                    Pow(x, node.Inputs[1], y);
                    break;
                case "Max":
                    Max(y);
                    break;
                case "Equal" or "Greater" or "GreaterOrEqual" or "Less" or "LessOrEqual" or "And" or "Or":
                    Predicate(x, node.Inputs[1], y);
                    break;
                case "Not":
                {
                    long count = ShapeOf(y).ElementCount;
                    Launch(PtxKernels.Not, LaunchConfig.GridStride(count), new CudaKernelArgs.Unary { X = Address(x), Y = Address(y), Count = (int)count });
                    break;
                }

                case "Where":
                    Where(x, node.Inputs[1], node.Inputs[2], y);
                    break;
                case "Relu" or "LeakyRelu" or "Sigmoid" or "Tanh" or "HardSigmoid" or "Clip":
                    Activation(x, y);
                    break;
                case "Sqrt" or "Log" or "Neg":
                {
                    RequireFloat(x, y);
                    long count = ShapeOf(y).ElementCount;
                    Launch(node.OpType switch { "Sqrt" => PtxKernels.Sqrt, "Log" => PtxKernels.Log, _ => PtxKernels.Neg }, LaunchConfig.GridStride(count), new CudaKernelArgs.Unary
                    {
                        X = Address(x), Y = Address(y), Count = (int)count,
                    });
                    break;
                }

                case "Erf":
                    RequireFloat(x, y);
                    Epilogue(x, y, bias: 0, channels: 1, inner: 1, EpilogueActivation.Erf);
                    break;
                case "Identity" or "Dropout" or "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze":
                    View(x, y);
                    break;
                case "Cast":
                    Cast(x, y);
                    break;
                case "MaxPool" or "AveragePool":
                    Pool(x, y);
                    break;
                case "GlobalAveragePool":
                {
                    RequireFloat(x, y);
                    TensorShape xs = ShapeOf(x);
                    long planes = xs[0] * xs[1], plane = xs.Product(2, xs.Rank);
                    Launch(PtxKernels.GlobalAvgPool, LaunchConfig.BlockPerRow(planes, plane), new CudaKernelArgs.GlobalAvgPool
                    {
                        X = Address(x), Y = Address(y), Planes = (int)planes, PlaneSize = (int)plane,
                    });
                    break;
                }

                case "BatchNormalization":
                    BatchNorm(x, y);
                    break;
                case "Softmax":
                    Softmax(x, y);
                    break;
                case "LayerNormalization":
                    LayerNorm(x, y);
                    break;
                case "ReduceMean" or "ReduceMax":
                    Reduce(x, y);
                    break;
                case "Transpose":
                {
                    TensorShape xs = ShapeOf(x);
                    int[] perm = ShapeInference.Permutation(node, xs.Rank);
                    StridedCopy(Address(x), y, Dims(perm.Select(p => (int)xs[p]).ToArray()), Dims6.TransposeStrides(xs.ToIntArray(), perm));
                    break;
                }

                case "Slice":
                    Slice(x, y);
                    break;
                case "Gather":
                    Gather(x, node.Inputs[1], y);
                    break;
                case "Concat":
                    Concat(y);
                    break;
                case "Split":
                    Split(x);
                    break;
                case "Pad":
                    Pad(x, y);
                    break;
                case "If":
                    throw Unsupported($"the condition '{x}' is known only at run time and the CUDA plan has no branches; the CPU executor runs If (a constant condition is inlined when the graph is optimised)");
                default:
                    throw Unsupported($"operator '{node.OpType}' has no CUDA lowering");
            }
        }

        public void CopyToOutput(string value, ulong destination)
        {
            _node = new Node("output", "Output", [value], [value]);
            Copy(Address(value), destination, Shapes[value]);
        }

        private void Convolution()
        {
            Node node = _node;
            string x = node.Inputs[0], w = node.Inputs[1], y = node.Outputs[0];
            RequireFloat(x, w, y);
            ulong workspace = bases[layout.WorkspaceRegion];
            FusedActivation activation = Activations.FusedInto(node);
            ulong bias = node.HasInput(2) ? Address(node.Inputs[2]) : 0;
            int outChannels, positions;
            if (ShapeOf(x).Rank == 5)
            {
                // 3-D: im2col_3d and cuBLAS (cuDNN's Nd convolutions are not used).
                Conv3DShape v = Conv3DShape.Of(node, ShapeOf(x), ShapeOf(w));
                var window = Window3D.Of(v.Window);
                (outChannels, positions) = (v.OutChannels, v.Positions);
                string name = node.Describe();
                Steps.AddRange(Im2ColGemm(
                    name, layout.GpuMath, v.Batch, v.Groups, v.OutChannels, v.PatchRows, v.Positions, (long)v.InChannels * v.InputVolume,
                    Address(x), Address(w), Address(y), workspace,
                    image => new KernelStep<CudaKernelArgs.Im2Col3D>(name, PtxKernels.Im2Col3D, LaunchConfig.GridStride((long)v.PatchRows * v.Positions), new CudaKernelArgs.Im2Col3D
                    {
                        X = image, Col = workspace, Channels = v.InChannels, Window = window,
                    })));
            }
            else
            {
                ConvolutionShape s = ConvolutionShapeOf(node, Shapes);
                (outChannels, positions) = (s.OutChannels, s.Positions);
                if (layout.CudnnConvolutions.TryGetValue(y, out ConvolutionAlgorithm algorithm))
                {
                    CudnnActivationMode? fused = ConvolutionFusion.FusedActivation(algorithm.Algorithm, activation.Kind, bias != 0);
                    Steps.Add(new ConvolutionStep(node.Describe(), new ConvolutionCall(
                        s, Address(x), Address(w), Address(y), algorithm.Algorithm, workspace, algorithm.WorkspaceBytes, algorithm.MathType)
                    {
                        Bias = fused is null ? 0 : bias,
                        FusedActivation = fused,
                    }));
                    if (fused is not null)
                    {
                        return;
                    }
                }
                else
                {
                    Steps.AddRange(Im2ColConvolution(node.Describe(), s, layout.GpuMath, Address(x), Address(w), Address(y), workspace));
                }
            }

            if (bias != 0 || activation.Kind != ActivationKind.None)
            {
                Epilogue(y, y, bias, outChannels, positions, activation);
            }
        }

        // Per image: the columns W_gᵀ·X_g of every group (one batched GEMM into the workspace), then col2im with the bias.
        private void ConvTranspose()
        {
            Node node = _node;
            string x = node.Inputs[0], w = node.Inputs[1], y = node.Outputs[0];
            RequireFloat(x, w, y);
            ConvTransposeGeometry g = ConvTransposeGeometryOf(node, Shapes);
            ulong workspace = bases[layout.WorkspaceRegion], bias = node.HasInput(2) ? Address(node.Inputs[2]) : 0;
            int inPerGroup = g.InChannels / g.Groups, rows = g.ColumnRowsPerGroup, positions = g.Positions;
            for (int n = 0; n < g.Batch; n++)
            {
                ulong image = Address(x) + ((ulong)n * (ulong)g.InChannels * (ulong)positions * sizeof(float));
                GemmCall call = GemmCall.RowMajor(
                    layout.GpuMath, transX: true, transW: false, m: rows, n: positions, k: inPerGroup,
                    alpha: 1f, x: Address(w), ldx: rows, w: image, ldw: positions, beta: 0f, y: workspace, ldy: positions);
                Steps.Add(new GemmStep(node.Describe(), g.Groups == 1 ? call : call.Batched(
                    g.Groups, strideX: (long)inPerGroup * rows, strideW: (long)inPerGroup * positions, strideY: (long)rows * positions)));
                Launch(PtxKernels.Col2Im3D, LaunchConfig.GridStride((long)g.OutChannels * g.OutputPositions), new CudaKernelArgs.Col2Im3D
                {
                    Col = workspace, Image = Address(y) + ((ulong)n * (ulong)g.OutChannels * (ulong)g.OutputPositions * sizeof(float)),
                    Bias = bias, Channels = g.OutChannels, Window = Window3D.Of(g.Window),
                });
            }
        }

        private void Resize(string x, string y)
        {
            RequireFloat(x, y);
            ResizeGeometry g = ResizeGeometry.Resolve(Shapes.ContextOf(_node));
            long count = ShapeOf(y).ElementCount;
            Launch(PtxKernels.Resize, LaunchConfig.GridStride(count), new CudaKernelArgs.Resize
            {
                X = Address(x), Y = Address(y), Count = (int)count, InDims = Dims(g.InputDims), OutDims = Dims(g.OutputDims),
                Scales = Floats6.RightAligned(g.Scales, fill: 1f), Linear = g.Linear ? 1 : 0, Coordinates = g.Coordinates, Rounding = g.Rounding,
            });
        }

        private void Gemm()
        {
            Node node = _node;
            string a = node.Inputs[0], b = node.Inputs[1], y = node.Outputs[0];
            bool inDouble = TypeOf(y) == DataType.Float64 && Activations.FusedInto(node).Kind == ActivationKind.None;
            string c = node.HasInput(2) ? node.Inputs[2] : string.Empty;
            RequireType(inDouble ? DataType.Float64 : DataType.Float32, a, b, y, c);
            GemmAttributes attributes = GemmAttributes.Of(node);
            (bool ta, bool tb, float alpha, float beta) = attributes;
            TensorShape aShape = ShapeOf(a), bShape = ShapeOf(b), yShape = ShapeOf(y);
            int m = (int)yShape[0], n = (int)yShape[1], k = (int)attributes.RowsAndDepthOfA(aShape).K;
            bool addC = c.Length > 0 && beta != 0f;
            if (addC)
            {
                // C broadcasts into Y first; the GEMM then accumulates onto it with beta.
                StridedCopy(Address(c), y, Dims([m, n]), Broadcast(ShapeOf(c).ToIntArray(), [m, n]));
            }

            if (inDouble)
            {
                // float64 as the CPU computes it: in double, p ascending (esen_matmul_double); A is stored [M, K] or, transposed, [K, M].
                int lda = (int)aShape[1], ldb = (int)bShape[1];
                Launch(PtxKernels.MatMulDouble, LaunchConfig.GridStride((long)m * n), new CudaKernelArgs.MatMulDouble
                {
                    A = Address(a), B = Address(b), Y = Address(y), Count = checked(m * n), M = m, N = n, K = k,
                    BatchDims = Dims([]), ABatch = default, BBatch = default,
                    ARow = ta ? 1 : lda, ACol = ta ? lda : 1, BRow = tb ? 1 : ldb, BCol = tb ? ldb : 1, Alpha = alpha, Beta = addC ? beta : 0,
                });
                return;
            }

            Steps.Add(new GemmStep(node.Describe(), GemmCall.RowMajor(
                layout.GpuMath, ta, tb, m, n, k, alpha, Address(a), (int)aShape[1], Address(b), (int)bShape[1], addC ? beta : 0f, Address(y), n)));
            FusedActivation activation = Activations.FusedInto(node);
            if (activation.Kind != ActivationKind.None)
            {
                Epilogue(y, y, bias: 0, channels: 1, inner: 1, activation);
            }
        }

        private void MatMul(string a, string b, string y)
        {
            bool inDouble = TypeOf(y) == DataType.Float64;
            RequireType(inDouble ? DataType.Float64 : DataType.Float32, a, b, y);
            TensorShape aShape = ShapeOf(a), bShape = ShapeOf(b);
            long[] a2 = aShape.Rank == 1 ? [1, aShape[0]] : aShape.ToArray();
            long[] b2 = bShape.Rank == 1 ? [bShape[0], 1] : bShape.ToArray();
            int m = (int)a2[^2], k = (int)a2[^1], n = (int)b2[^1];
            int[] aBatch = a2[..^2].Select(d => (int)d).ToArray(), bBatch = b2[..^2].Select(d => (int)d).ToArray();
            int[] batch = ShapeInference.Broadcast(new TensorShape([.. a2[..^2]]), new TensorShape([.. b2[..^2]]))!.ToIntArray();
            int count = batch.Aggregate(1, (p, d) => p * d);
            int aCount = aBatch.Aggregate(1, (p, d) => p * d), bCount = bBatch.Aggregate(1, (p, d) => p * d);
            if (inDouble)
            {
                // float64 as the CPU computes it: in double, p ascending; the batch offsets of A and B are their broadcast
                // strides in whole matrices.
                Dims6 aMatrices = Broadcast(aBatch, batch), bMatrices = Broadcast(bBatch, batch);
                for (int d = 0; d < Dims6.Rank; d++)
                {
                    aMatrices[d] *= m * k;
                    bMatrices[d] *= k * n;
                }

                Launch(PtxKernels.MatMulDouble, LaunchConfig.GridStride((long)count * m * n), new CudaKernelArgs.MatMulDouble
                {
                    A = Address(a), B = Address(b), Y = Address(y), Count = checked(count * m * n), M = m, N = n, K = k,
                    BatchDims = Dims(batch), ABatch = aMatrices, BBatch = bMatrices, ARow = k, ACol = 1, BRow = n, BCol = 1, Alpha = 1, Beta = 0,
                });
                return;
            }

            GemmCall single(ulong aAt, ulong bAt, ulong yAt, int rows) =>
                GemmCall.RowMajor(layout.GpuMath, false, false, rows, n, k, 1f, aAt, k, bAt, n, 0f, yAt, n);
            if (bCount == 1 && aCount == count)
            {
                // B is shared by every batch entry: one GEMM with the batch folded into M.
                Steps.Add(new GemmStep(_node.Describe(), single(Address(a), Address(b), Address(y), count * m)));
                return;
            }

            // Per output matrix i, the A and B matrices it multiplies (batch dimensions broadcast).
            Dims6 outDims = Dims(batch), aStrides = Broadcast(aBatch, batch), bStrides = Broadcast(bBatch, batch);
            var aIndex = new long[count];
            var bIndex = new long[count];
            for (int i = 0; i < count; i++)
            {
                int rest = i;
                for (int d = Dims6.Rank - 1; d >= 0; d--)
                {
                    int index = rest % outDims[d];
                    rest /= outDims[d];
                    aIndex[i] += (long)index * aStrides[d];
                    bIndex[i] += (long)index * bStrides[d];
                }
            }

            long aStep = count > 1 ? aIndex[1] - aIndex[0] : 0, bStep = count > 1 ? bIndex[1] - bIndex[0] : 0;
            bool uniform = Enumerable.Range(0, count).All(i => aIndex[i] == i * aStep && bIndex[i] == i * bStep);
            if (uniform)
            {
                Steps.Add(new GemmStep(_node.Describe(), single(Address(a), Address(b), Address(y), m)
                    .Batched(count, strideX: aStep * m * k, strideW: bStep * k * n, strideY: (long)m * n)));
                return;
            }

            for (int i = 0; i < count; i++)
            {
                Steps.Add(new GemmStep(_node.Describe(), single(
                    Address(a) + (ulong)(aIndex[i] * m * k * sizeof(float)), Address(b) + (ulong)(bIndex[i] * k * n * sizeof(float)),
                    Address(y) + (ulong)((long)i * m * n * sizeof(float)), m)));
            }
        }

        private void Binary(string a, string b, string y)
        {
            // Shape inference gives a, b and y one element type (never bool); each type has its own kernels.
            DataType type = TypeOf(y);

            int[] outShape = ShapeOf(y).ToIntArray();
            long count = ShapeOf(y).ElementCount;
            LaunchConfig config = LaunchConfig.GridStride(count);
            var args = new CudaKernelArgs.Binary
            {
                A = Address(a), B = Address(b), Y = Address(y), Count = (int)count, OutDims = Dims(outShape),
                AStrides = Broadcast(ShapeOf(a).ToIntArray(), outShape), BStrides = Broadcast(ShapeOf(b).ToIntArray(), outShape),
            };
            if (type != DataType.Float32 && _node.OpType == "Div" && !DataTypes.IsFloatingPoint(type))
            {
                Launch(PtxKernels.IntegerDiv(type), config, new CudaKernelArgs.IntegerDiv
                {
                    A = args.A, B = args.B, Y = args.Y, Count = args.Count, OutDims = args.OutDims, AStrides = args.AStrides, BStrides = args.BStrides,
                    Fault = bases[layout.FaultRegion], FaultCode = Steps.Count + 1,
                }, fault: CpuOps.IntegerDivisionFault);
                return;
            }

            PtxKernel<CudaKernelArgs.Binary> kernel = type != DataType.Float32 ? PtxKernels.Binary(_node.OpType, type) : _node.OpType switch
            {
                "Add" => PtxKernels.Add,
                "Sub" => PtxKernels.Sub,
                "Mul" => PtxKernels.Mul,
                _ => PtxKernels.Div,
            };
            Launch(kernel, config, args);
        }

        private void Max(string y)
        {
            // y = max(x0, x1), then y = max(y, xi) for each further input; one input is a copy.
            IReadOnlyList<string> inputs = _node.Inputs;
            DataType type = TypeOf(y);
            if (type != DataType.Float32 && !PtxKernels.MaxTypes.Contains(type))
            {
                throw Unsupported($"'{y}' is {DataTypes.Name(type)}; the CUDA Max kernels take float32, float64 and the integer types");
            }

            if (inputs.Count == 1)
            {
                Copy(Address(inputs[0]), Address(y), Shapes[y] with { DataType = type });
                return;
            }

            PtxKernel<CudaKernelArgs.Binary> kernel = type == DataType.Float32 ? PtxKernels.Max : PtxKernels.MaxOf(type);
            int[] outShape = ShapeOf(y).ToIntArray();
            long count = ShapeOf(y).ElementCount;
            for (int i = 1; i < inputs.Count; i++)
            {
                string a = i == 1 ? inputs[0] : y;
                Launch(kernel, LaunchConfig.GridStride(count), new CudaKernelArgs.Binary
                {
                    A = Address(a), B = Address(inputs[i]), Y = Address(y), Count = (int)count, OutDims = Dims(outShape),
                    AStrides = Broadcast(ShapeOf(a).ToIntArray(), outShape), BStrides = Broadcast(ShapeOf(inputs[i]).ToIntArray(), outShape),
                });
            }
        }

        // Shape inference gives a and b one type: a comparison kernel's, or bool for And, Or and Equal.
        private void Predicate(string a, string b, string y)
        {
            int[] outShape = ShapeOf(y).ToIntArray();
            long count = ShapeOf(y).ElementCount;
            Launch(PtxKernels.Predicate(_node.OpType, Shapes[a].DataType), LaunchConfig.GridStride(count), new CudaKernelArgs.Binary
            {
                A = Address(a), B = Address(b), Y = Address(y), Count = (int)count, OutDims = Dims(outShape),
                AStrides = Broadcast(ShapeOf(a).ToIntArray(), outShape), BStrides = Broadcast(ShapeOf(b).ToIntArray(), outShape),
            });
        }

        private void Where(string condition, string x, string other, string y)
        {
            int[] outShape = ShapeOf(y).ToIntArray();
            long count = ShapeOf(y).ElementCount;
            Launch(PtxKernels.Where(DataTypes.SizeOf(TypeOf(y))), LaunchConfig.GridStride(count), new CudaKernelArgs.Where
            {
                Condition = Address(condition), X = Address(x), Y = Address(other), Output = Address(y), Count = (int)count, OutDims = Dims(outShape),
                ConditionStrides = Broadcast(ShapeOf(condition).ToIntArray(), outShape), XStrides = Broadcast(ShapeOf(x).ToIntArray(), outShape),
                YStrides = Broadcast(ShapeOf(other).ToIntArray(), outShape),
            });
        }

        private void Pow(string x, string exponent, string y)
        {
            DataType baseType = Shapes[x].DataType, exponentType = Shapes[exponent].DataType;
            if (!PtxKernels.PowBaseTypes.Contains(baseType) || !PtxKernels.PowExponentTypes.Contains(exponentType))
            {
                throw Unsupported($"Pow of {DataTypes.Name(baseType)} to {DataTypes.Name(exponentType)}; the CUDA Pow kernels take a float32, int32 or int64 base to a float32, int32, int64, uint32 or uint64 exponent");
            }

            int[] outShape = ShapeOf(y).ToIntArray();
            long count = ShapeOf(y).ElementCount;
            Launch(PtxKernels.Pow(baseType, exponentType), LaunchConfig.GridStride(count), new CudaKernelArgs.Binary
            {
                A = Address(x), B = Address(exponent), Y = Address(y), Count = (int)count, OutDims = Dims(outShape),
                AStrides = Broadcast(ShapeOf(x).ToIntArray(), outShape), BStrides = Broadcast(ShapeOf(exponent).ToIntArray(), outShape),
            });
        }

        private void Cast(string x, string y)
        {
            DataType from = TypeOf(x), to = TypeOf(y);
            if (from == to)
            {
                View(x, y);
                return;
            }

            Convert(Address(x), from, Address(y), to, ShapeOf(y).ElementCount);
        }

        private void Convert(ulong x, DataType from, ulong y, DataType to, long count) =>
            Launch(PtxKernels.Cast, LaunchConfig.GridStride(count), new CudaKernelArgs.Cast
            {
                X = x, Y = y, Count = (int)count, From = from, To = to,
            });

        private void View(string x, string y)
        {
            // An aliased view is free; one whose input is a graph input or constant is a copy, as on the CPU.
            if (_schedule.RootOf(y) != _schedule.RootOf(x) || layout.Place(x) != layout.Place(y))
            {
                Copy(Address(x), Address(y), Shapes[y]);
            }

            if (_node.Outputs.Count > 1 && _node.Outputs[1].Length > 0)
            {
                // Inference Dropout keeps everything: its mask is all ones, of x's type before opset 12 and bool since.
                string mask = _node.Outputs[1];
                long count = ShapeOf(mask).ElementCount;
                Launch(PtxKernels.FillOne, LaunchConfig.GridStride(count), new CudaKernelArgs.FillOne { Y = Address(mask), Count = (int)count, Type = TypeOf(mask) });
            }
        }

        private void Pool(string x, string y)
        {
            Node node = _node;

            // MaxPool also takes int8 and uint8, compared in float32 as on the CPU.
            PtxKernel<CudaKernelArgs.MaxPool> maxPool = (node.OpType, TypeOf(x)) switch
            {
                ("MaxPool", DataType.Int8) => PtxKernels.MaxPoolInt8,
                ("MaxPool", DataType.UInt8) => PtxKernels.MaxPoolUInt8,
                _ => PtxKernels.MaxPool,
            };
            if (maxPool == PtxKernels.MaxPool)
            {
                RequireFloat(x, y);
            }

            TensorShape xs = ShapeOf(x), ys = ShapeOf(y);
            PoolWindow pool = SlidingWindows.Pool(node, xs);
            int planes = (int)(xs[0] * xs[1]);
            var window = Window3D.Of(pool.Geometry);
            LaunchConfig config = LaunchConfig.GridStride(ys.ElementCount);
            if (node.OpType == "MaxPool")
            {
                string indices = node.Outputs.Count > 1 ? node.Outputs[1] : string.Empty;
                Launch(maxPool, config, new CudaKernelArgs.MaxPool
                {
                    X = Address(x), Y = Address(y), Planes = planes, Window = window, Indices = indices.Length > 0 ? Address(indices) : 0,
                    ColumnMajor = pool.ColumnMajorIndices ? 1 : 0,
                });
            }
            else
            {
                Launch(PtxKernels.AvgPool, config, new CudaKernelArgs.AvgPool
                {
                    X = Address(x), Y = Address(y), Planes = planes, Window = window, CountIncludePad = pool.CountIncludePad ? 1 : 0,
                });
            }
        }

        private void BatchNorm(string x, string y)
        {
            Node node = _node;
            RequireFloat(x, y);
            if (node.Outputs.Skip(1).Any(o => o.Length > 0))
            {
                throw Unsupported("training-mode outputs (running mean and variance) have no CUDA lowering");
            }

            TensorShape xs = ShapeOf(x);
            long count = xs.ElementCount;
            Launch(PtxKernels.BatchNorm, LaunchConfig.GridStride(count), new CudaKernelArgs.BatchNorm
            {
                X = Address(x), Y = Address(y), Scale = Address(node.Inputs[1]), Bias = Address(node.Inputs[2]),
                Mean = Address(node.Inputs[3]), Variance = Address(node.Inputs[4]),
                Count = (int)count, Channels = (int)xs[1], Inner = (int)xs.Product(2, xs.Rank), Epsilon = AxisOps.BatchNormEpsilon(node),
            });
        }

        private void Softmax(string x, string y)
        {
            RequireFloat(x, y);
            Node node = _node;
            TensorShape xs = ShapeOf(x);
            (_, long outer, long length, long inner) = AxisOps.Softmax(node, xs, Shapes.Graph.Opset);
            if (inner == 1)
            {
                Launch(PtxKernels.Softmax, LaunchConfig.BlockPerRow(outer, length), new CudaKernelArgs.Softmax
                {
                    X = Address(x), Y = Address(y), Rows = (int)outer, Cols = (int)length,
                });
                return;
            }

            Launch(PtxKernels.SoftmaxAxis, LaunchConfig.GridStride(outer * inner), new CudaKernelArgs.SoftmaxAxis
            {
                X = Address(x), Y = Address(y), Outer = (int)outer, Axis = (int)length, Inner = (int)inner,
            });
        }

        private void Reduce(string x, string y)
        {
            RequireFloat(x, y);
            ReductionGeometry g = ReductionGeometry.Resolve(Shapes.ContextOf(_node));
            long count = ShapeOf(y).ElementCount;
            Launch(_node.OpType == "ReduceMean" ? PtxKernels.ReduceMean : PtxKernels.ReduceMax, LaunchConfig.GridStride(count), new CudaKernelArgs.Reduce
            {
                X = Address(x), Y = Address(y), Count = (int)count,
                KeptDims = Dims(g.KeptDims), KeptStrides = Guard(() => Dims6.Strides(g.KeptStrides)),
                ReducedDims = Dims(g.ReducedDims), ReducedStrides = Guard(() => Dims6.Strides(g.ReducedStrides)), ReducedCount = checked((int)g.ReducedCount),
            });
        }

        private void LayerNorm(string x, string y)
        {
            Node node = _node;
            string mean = node.Outputs.Count > 1 ? node.Outputs[1] : string.Empty, invStdDev = node.Outputs.Count > 2 ? node.Outputs[2] : string.Empty;
            RequireFloat(x, y, mean, invStdDev);
            TensorShape xs = ShapeOf(x);
            ((int axis, long rows, long cols, _), float epsilon) = AxisOps.LayerNorm(node, xs);
            int[] normalized = xs.ToIntArray()[axis..];

            // esen_layer_norm reads full rows: a scale or bias that broadcasts over the normalised shape is expanded
            // into the workspace first (row i of LayerNormRows), as the CPU executor expands it into a row buffer.
            ulong Row(int input)
            {
                string parameter = node.HasInput(input) ? node.Inputs[input] : string.Empty;
                if (parameter.Length == 0 || ShapeOf(parameter).ElementCount == cols)
                {
                    return parameter.Length == 0 ? 0 : Address(parameter);
                }

                RequireFloat(parameter);
                ulong row = bases[layout.WorkspaceRegion] + ((ulong)(input - 1) * (ulong)cols * sizeof(float));
                Launch(PtxKernels.StridedCopy, LaunchConfig.GridStride(cols), new CudaKernelArgs.StridedCopy
                {
                    X = Address(parameter), Y = row, Count = (int)cols, OutDims = Dims(normalized), InStrides = Broadcast(ShapeOf(parameter).ToIntArray(), normalized),
                });
                return row;
            }

            Launch(PtxKernels.LayerNorm, LaunchConfig.BlockPerRow(rows, cols), new CudaKernelArgs.LayerNorm
            {
                X = Address(x), Y = Address(y), Scale = Row(1), Bias = Row(2),
                Mean = mean.Length > 0 ? Address(mean) : 0, InvStdDev = invStdDev.Length > 0 ? Address(invStdDev) : 0,
                Rows = (int)rows, Cols = (int)cols, Epsilon = epsilon,
            });
        }

        private void Slice(string x, string y)
        {
            SliceGeometry slice = SliceGeometry.Resolve(Shapes.ContextOf(_node));
            int[] strides = CpuOps.Strides(ShapeOf(x));
            long start = slice.Starts.Select((s, i) => s * strides[i]).Sum();
            int[] inStrides = strides.Select((s, i) => (int)(s * slice.Steps[i])).ToArray();

            // Leading padded dimensions have size 1, so their stride is never multiplied by a non-zero index.
            StridedCopy(Address(x) + (ulong)(start * DataTypes.SizeOf(TypeOf(x))), y, Dims(slice.OutputShape.ToIntArray()), Dims(inStrides));
        }

        // One strided copy per output: the piece of x along the axis, read with x's strides.
        private void Split(string x)
        {
            SplitGeometry split = SplitGeometry.Resolve(Shapes.ContextOf(_node));
            int[] strides = CpuOps.Strides(ShapeOf(x));
            for (int i = 0; i < _node.Outputs.Count; i++)
            {
                string y = _node.Outputs[i];
                if (y.Length > 0 && ShapeOf(y).ElementCount > 0)
                {
                    long start = split.Start(i) * strides[split.Axis];
                    StridedCopy(Address(x) + (ulong)(start * DataTypes.SizeOf(TypeOf(x))), y, Dims(ShapeOf(y).ToIntArray()), Dims(strides));
                }
            }
        }

        // The constant value is read from device memory where it is an input (it may be computed), else passed as bits.
        private void Pad(string x, string y)
        {
            PadGeometry pad = PadGeometry.Resolve(Shapes.ContextOf(_node));
            string value = _node.HasInput(2) && Shapes.ContextOf(_node).Opset >= 11 ? _node.Inputs[2] : string.Empty;
            int size = DataTypes.SizeOf(TypeOf(x));
            ulong bits = Shapes.ContextOf(_node).Opset >= 11 ? 0
                : TypeOf(x) == DataType.Float32 ? BitConverter.SingleToUInt32Bits(_node.GetFloat("value", 0f))
                : throw Unsupported($"'{x}' is {DataTypes.Name(TypeOf(x))}; Pad before opset 11 runs on float32 here");
            long count = ShapeOf(y).ElementCount;
            if (count == 0)
            {
                return;
            }

            PtxKernel<CudaKernelArgs.Pad> kernel = size switch
            {
                1 => PtxKernels.PadInt8,
                2 => PtxKernels.PadInt16,
                8 => PtxKernels.PadInt64,
                _ => PtxKernels.Pad,
            };
            Launch(kernel, LaunchConfig.GridStride(count), new CudaKernelArgs.Pad
            {
                X = Address(x), Y = Address(y), Value = value.Length > 0 ? Address(value) : 0, ValueBits = bits, Count = (int)count,
                InDims = Dims(ShapeOf(x).ToIntArray()), OutDims = Dims(ShapeOf(y).ToIntArray()),
                Begins = Guard(() => Dims6.Strides( // right-aligned with leading zeros, as strides are
                    [.. pad.Begins.Select(b => checked((int)b))])), Mode = pad.Mode,
            });
        }

        private void Gather(string x, string indices, string y)
        {
            TensorShape xs = ShapeOf(x);
            (_, long outer, long length, long inner) = AxisOps.Gather(_node, xs);
            long count = ShapeOf(indices).ElementCount;
            (int unit, int perElement) = MovedUnits(x);
            inner *= perElement;
            PtxKernel<CudaKernelArgs.Gather> kernel = (unit, TypeOf(indices) == DataType.Int32) switch
            {
                (1, false) => PtxKernels.GatherInt8,
                (1, true) => PtxKernels.GatherInt8ByInt32,
                (2, false) => PtxKernels.GatherInt16,
                (2, true) => PtxKernels.GatherInt16ByInt32,
                (_, false) => PtxKernels.Gather,
                (_, true) => PtxKernels.GatherByInt32,
            };
            Launch(kernel, LaunchConfig.GridStride(outer * count * inner), new CudaKernelArgs.Gather
            {
                X = Address(x), Indices = Address(indices), Y = Address(y), Outer = (int)outer, Axis = (int)length, Inner = (int)inner,
                Count = (int)count, Fault = bases[layout.FaultRegion], FaultCode = Steps.Count + 1,
            }, fault: $"an index is out of range for a dimension of {length}");
        }

        private void Concat(string y)
        {
            // Shape inference gives every input y's element type.
            TensorShape ys = ShapeOf(y);
            int axis = AxisOps.ConcatAxis(_node, ys.Rank);
            (int unit, int perElement) = MovedUnits(y);
            PtxKernel<CudaKernelArgs.ConcatSlab> kernel = unit switch
            {
                1 => PtxKernels.ConcatSlabInt8,
                2 => PtxKernels.ConcatSlabInt16,
                _ => PtxKernels.ConcatSlab,
            };
            long outer = ys.Product(0, axis), inner = ys.Product(axis + 1, ys.Rank) * perElement;
            long offset = 0;
            foreach (string input in _node.Inputs)
            {
                long slab = ShapeOf(input)[axis] * inner;

                // An input its producer wrote straight into its slice (ExecutionSchedule places eligible inputs there) needs no copy.
                if (outer != 1 || Address(input) != Address(y) + (ulong)(offset * unit))
                {
                    Launch(kernel, LaunchConfig.GridStride(outer * slab), new CudaKernelArgs.ConcatSlab
                    {
                        X = Address(input), Y = Address(y), Outer = (int)outer, Slab = (int)slab, YRow = (int)(ys[axis] * inner), YOffset = (int)offset,
                    });
                }

                offset += slab;
            }
        }

        private void Epilogue(string x, string y, ulong bias, int channels, int inner, FusedActivation activation) =>
            Epilogue(x, y, bias, channels, inner, (EpilogueActivation)activation.Kind, activation.Alpha, activation.Beta);

        private void Epilogue(string x, string y, ulong bias, int channels, int inner, EpilogueActivation activation, float alpha = 0f, float beta = 0f)
        {
            long count = ShapeOf(y).ElementCount;
            Launch(PtxKernels.BiasActivation, LaunchConfig.GridStride(count), new CudaKernelArgs.BiasActivation
            {
                X = Address(x), Bias = bias, Y = Address(y), Count = (int)count, Channels = channels, Inner = inner,
                Activation = activation, Alpha = alpha, Beta = beta,
            });
        }

        private void Activation(string x, string y)
        {
            if (_node.OpType == "Clip" && TypeOf(x) is DataType.Int8 or DataType.UInt8)
            {
                // int8 and uint8 clip in float32, as on the CPU; their bounds are of x's type (ONNX Clip's T).
                Clip(TypeOf(x) == DataType.Int8 ? PtxKernels.ClipInt8 : PtxKernels.ClipUInt8, x, y);
                return;
            }

            RequireFloat(x, y);
            if (Activations.Of(_node, name => _schedule.Constants.GetValueOrDefault(name)) is { } activation)
            {
                Epilogue(x, y, bias: 0, channels: 1, inner: 1, activation);
                return;
            }

            // Clip with a bound computed at run time: esen_clip reads both bounds from device memory (constants are there too).
            Clip(PtxKernels.Clip, x, y);
        }

        private void Clip(PtxKernel<CudaKernelArgs.Clip> kernel, string x, string y)
        {
            string min = _node.HasInput(1) ? _node.Inputs[1] : string.Empty, max = _node.HasInput(2) ? _node.Inputs[2] : string.Empty;
            foreach (string bound in new[] { min, max }.Where(b => b.Length > 0 && TypeOf(b) != TypeOf(x)))
            {
                throw Unsupported($"bound '{bound}' is {DataTypes.Name(TypeOf(bound))} but '{x}' is {DataTypes.Name(TypeOf(x))}");
            }

            (float lo, float hi) = Activations.ClipAttributes(_node);
            long count = ShapeOf(y).ElementCount;
            Launch(kernel, LaunchConfig.GridStride(count), new CudaKernelArgs.Clip
            {
                X = Address(x), Y = Address(y), Count = (int)count, Min = min.Length > 0 ? Address(min) : 0, Max = max.Length > 0 ? Address(max) : 0,
                Lo = lo, Hi = hi,
            });
        }

        private void Copy(ulong from, ulong to, TensorInfo info)
        {
            // esen_copy moves 4-byte words (an int64 value is twice as many); a value whose size or place is not a
            // multiple of 4 bytes (an int8[3], an int16 at an odd element) moves byte by byte.
            long bytes = info.ByteCount;
            if (bytes % sizeof(float) == 0 && from % sizeof(float) == 0 && to % sizeof(float) == 0)
            {
                long words = bytes / sizeof(float);
                Launch(PtxKernels.Copy, LaunchConfig.GridStride(words), new CudaKernelArgs.Copy { X = from, Y = to, Count = checked((int)words) });
                return;
            }

            Launch(PtxKernels.CopyBytes, LaunchConfig.GridStride(bytes), new CudaKernelArgs.Copy { X = from, Y = to, Count = checked((int)bytes) });
        }

        private void StridedCopy(ulong from, string y, Dims6 outDims, Dims6 inStrides)
        {
            // Strides count elements of y's type; the kernel moves elements of its size, whatever the type.
            long count = ShapeOf(y).ElementCount;
            PtxKernel<CudaKernelArgs.StridedCopy> kernel = DataTypes.SizeOf(TypeOf(y)) switch
            {
                1 => PtxKernels.StridedCopyInt8,
                2 => PtxKernels.StridedCopyInt16,
                8 => PtxKernels.StridedCopyInt64,
                _ => PtxKernels.StridedCopy,
            };
            Launch(kernel, LaunchConfig.GridStride(count), new CudaKernelArgs.StridedCopy
            {
                X = from, Y = Address(y), Count = (int)count, OutDims = outDims, InStrides = inStrides,
            });
        }

        private void Launch<TArgs>(PtxKernel<TArgs> kernel, LaunchConfig config, TArgs args, string? fault = null)
            where TArgs : unmanaged => Steps.Add(new KernelStep<TArgs>(_node.Describe(), kernel, config, args) { Fault = fault });

        // Where a value lives: its float32 copy while the node runs in float32, unless the original is asked for.
        private ulong Address(string value, bool original = false)
        {
            if (!original && _float32Copies.TryGetValue(value, out ulong copy))
            {
                return copy;
            }

            (int region, long offset) = layout.Place(value);
            return bases[region] + (ulong)offset;
        }

        private DataType TypeOf(string value) => _float32Copies.ContainsKey(value) ? DataType.Float32 : Shapes[value].DataType;

        private TensorShape ShapeOf(string value) => Shapes[value].Shape;

        // The unit the data-movement kernels (gather, concat) move for a value's elements, in bytes, and how many make an
        // element: 1- and 2-byte elements as they are, wider ones as 4-byte words (two for an 8-byte element).
        private (int Unit, int PerElement) MovedUnits(string value)
        {
            int size = DataTypes.SizeOf(TypeOf(value));
            return size >= sizeof(float) ? (sizeof(float), size / sizeof(float)) : (size, 1);
        }

        private void RequireFloat(params string[] values) => RequireType(DataType.Float32, values);

        private void RequireType(DataType type, params string[] values)
        {
            foreach (string value in values.Where(v => v.Length > 0))
            {
                if (TypeOf(value) != type)
                {
                    throw Unsupported($"'{value}' is {DataTypes.Name(TypeOf(value))}; the CUDA kernels take {DataTypes.Name(type)}");
                }
            }
        }

        private Dims6 Dims(int[] dims) => Guard(() => Dims6.Shape(dims));

        private Dims6 Broadcast(int[] input, int[] output) => Guard(() => Dims6.BroadcastStrides(input, output));

        private Dims6 Guard(Func<Dims6> make)
        {
            try
            {
                return make();
            }
            catch (ArgumentException e)
            {
                throw Unsupported(e.Message);
            }
        }

        private UnsupportedModelException Unsupported(string why) => new($"{_node.Describe()}: {why}");
    }
}
