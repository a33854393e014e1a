using System.Reflection;
using System.Runtime.InteropServices;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.Execution;
using Esen.Native.Cublas;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The pure half of the CUDA executor: graph → device steps, checked without a GPU.</summary>
public class CudaLoweringTests
{
    public static TheoryData<string> GraphNames => ["cnn", "attention", "matmul", "fire", "embedding", "clip", "pools", "int64"];

    [Fact]
    public void Cnn_LowersEveryNodeToTheExpectedSteps()
    {
        LayerGraph graph = CudaTestGraphs.Cnn();
        (_, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));

        string[] actual = [.. steps.Select(s => $"{NodeName(s)}:{Kind(s)}")];
        string[] expected =
        [
            // Per image: im2col, then one GEMM; then the bias epilogue over the whole output.
            "conv0:esen_im2col", "conv0:gemm", "conv0:esen_im2col", "conv0:gemm", "conv0:esen_bias_activation",
            "relu0:esen_bias_activation",
            "pool0:esen_max_pool",

            // Two groups: one strided-batched GEMM of batch 2 per image.
            "conv1:esen_im2col", "conv1:gemm×2", "conv1:esen_im2col", "conv1:gemm×2", "conv1:esen_bias_activation",
            "bn1:esen_batch_norm",
            "leaky1:esen_bias_activation",
            "avg1:esen_avg_pool",
            "gap:esen_global_avg_pool",

            // Flatten aliases its input: no step. Gemm broadcasts its bias into Y, then accumulates with beta.
            "fc:esen_strided_copy", "fc:gemm",
            "softmax:esen_softmax",
            "output:esen_copy",
        ];
        Assert.Equal(expected, actual);

        // The liveness planner reused memory: the arena is smaller than the values side by side.
        CudaLayout layout = LoweredPlanHarness.Layout(graph, CudaTestGraphs.Shapes(graph));
        Assert.True(layout.Schedule.ArenaBytes < layout.Schedule.UnplannedBytes);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 2)]
    public void Concat_OfInputsWrittenInPlace_LaunchesNoCopy(int batch, int copiesPerConcat)
    {
        // At batch 1 the expand convolutions write their channel slices of the Concat output directly;
        // at batch 2 the slices are strided, so each input is copied as before.
        LayerGraph graph = ConcatGraphs.Fire(batch);
        (CudaLayout layout, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        Assert.Equal(copiesPerConcat, steps.Count(s => NodeName(s) == "fire1.concat"));
        Assert.Equal(copiesPerConcat, steps.Count(s => NodeName(s) == "fire2.concat"));
        if (batch == 1)
        {
            // The Relu after the 3×3 expand writes at channel 5 of the Concat output: 5·9·9 floats in.
            (int region, long offset) = layout.Place("fire1.concat");
            CudaStep relu = Assert.Single(steps, s => NodeName(s) == "fire1.expand3.relu");
            Assert.Equal(bases[region] + (ulong)offset + (5 * 81 * sizeof(float)), Assert.IsType<KernelStep<CudaKernelArgs.BiasActivation>>(relu).Args.Y);
        }
    }

    [Fact]
    public void MatMul_BroadcastBatches_UseOneStridedBatchOrOneGemmPerMatrix()
    {
        LayerGraph graph = CudaTestGraphs.BroadcastMatMul();
        (_, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        GemmCall[] ab = [.. steps.OfType<GemmStep>().Where(s => NodeName(s) == "ab").Select(s => s.Call)];

        // [3,1]·[1,2] batches: A advances 0,0,1,1,2,2 and B 0,1,0,1,0,1, not one stride, so one GEMM each.
        Assert.Equal(6, ab.Length);
        Assert.All(ab, c => Assert.Equal((3, 4, 5, 1), (c.M, c.N, c.K, c.BatchCount)));
        ulong a = bases[2], b = bases[3]; // regions: the two arenas, then the inputs
        Assert.Equal([0UL, 0, 1, 1, 2, 2], ab.Select(c => (c.B - a) / (4 * 5 * sizeof(float))));
        Assert.Equal([0UL, 1, 0, 1, 0, 1], ab.Select(c => (c.A - b) / (5 * 3 * sizeof(float))));

        // [3,2,4,3]·[3] (a shared 1-D B): the batch folds into M, one GEMM with N = 1.
        GemmCall abv = Assert.Single(steps.OfType<GemmStep>(), s => NodeName(s) == "abv").Call;
        Assert.Equal((1, 24, 3, 1), (abv.M, abv.N, abv.K, abv.BatchCount));
    }

    [Fact]
    public void Attention_BatchedMatMul_IsOneStridedBatchedGemm()
    {
        LayerGraph graph = CudaTestGraphs.Attention();
        (_, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        GemmCall qk = Assert.Single(steps.OfType<GemmStep>(), s => NodeName(s) == "qk").Call;

        // Row-major [2,5,6]·[2,6,5]: column-major m = n_rowmajor = 5, n = m_rowmajor = 5, k = 6, batch 2.
        Assert.Equal((5, 5, 6, 2), (qk.M, qk.N, qk.K, qk.BatchCount));
        Assert.Equal((30L, 30L, 25L), (qk.StrideA, qk.StrideB, qk.StrideC));
    }

    [Fact]
    public void BinaryArgs_CarryRightAlignedShapeAndBroadcastStrides()
    {
        var g = new GraphBuilder("binary");
        string a = g.Input("a", 2, 3, 4);
        string b = g.Input("b", 3, 1);
        g.Output(g.Sub(a, b, name: "sub"));
        LayerGraph graph = g.Build();
        (_, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));

        var step = Assert.IsType<KernelStep<CudaKernelArgs.Binary>>(steps[0]);
        Assert.Same(PtxKernels.Sub, step.Kernel);
        CudaKernelArgs.Binary args = step.Args;
        Assert.Equal(24, args.Count);
        Assert.Equal([1, 1, 1, 2, 3, 4], Dims(args.OutDims));
        Assert.Equal([0, 0, 0, 12, 4, 1], Dims(args.AStrides));
        Assert.Equal([0, 0, 0, 0, 1, 0], Dims(args.BStrides));
        Assert.Equal((bases[2], bases[3]), (args.A, args.B));
    }

    [Fact]
    public void TransposeAndSliceArgs_ReadThroughStrides()
    {
        LayerGraph graph = CudaTestGraphs.Attention();
        (_, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        CudaKernelArgs.StridedCopy transpose = Assert.IsType<KernelStep<CudaKernelArgs.StridedCopy>>(steps.Single(s => NodeName(s) == "kT")).Args;
        Assert.Equal([1, 1, 1, 2, 6, 5], Dims(transpose.OutDims));
        Assert.Equal([0, 0, 0, 30, 1, 6], Dims(transpose.InStrides));

        // x[:, 4:0:-1, 0:6:2] of [2,5,6]: starts at element 4·6, rows step −6, columns step 2.
        CudaKernelArgs.StridedCopy reversed = Assert.IsType<KernelStep<CudaKernelArgs.StridedCopy>>(steps.Single(s => NodeName(s) == "reversed")).Args;
        Assert.Equal(bases[2] + (24 * sizeof(float)), reversed.X);
        Assert.Equal([1, 1, 1, 2, 4, 3], Dims(reversed.OutDims));
        Assert.Equal([30, -6, 2], Dims(reversed.InStrides)[3..]);
    }

    [Theory]
    [MemberData(nameof(GraphNames))]
    public void LaunchConfigs_StayWithinDeviceLimits(string name)
    {
        LayerGraph graph = Graph(name);
        (_, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        foreach (CudaStep step in steps.Where(s => s is not GemmStep))
        {
            var config = (LaunchConfig)step.GetType().GetProperty("Config")!.GetValue(step)!;
            Assert.InRange(config.Block, 32, LaunchConfig.MaxBlock);
            Assert.True(config.Block % 32 == 0, $"{step.Node}: block {config.Block} is not whole warps");
            Assert.InRange(config.Grid, 1, 65_535);
        }
    }

    [Theory]
    [InlineData(0L, 1, 256)]
    [InlineData(1L, 1, 256)]
    [InlineData(257L, 2, 256)]
    [InlineData(int.MaxValue, 65_535, 256)]
    public void GridStride_CoversAnyCountWithinLimits(long count, int grid, int block) =>
        Assert.Equal(new LaunchConfig(grid, block), LaunchConfig.GridStride(count));

    [Theory]
    [InlineData(10L, 1L, 10, 32)]
    [InlineData(3L, 100L, 3, 128)]
    [InlineData(100_000L, 4096L, 65_535, 256)]
    public void BlockPerRow_RoundsRowsToWarpsAndCapsTheGrid(long rows, long columns, int grid, int block) =>
        Assert.Equal(new LaunchConfig(grid, block), LaunchConfig.BlockPerRow(rows, columns));

    [Theory]
    [MemberData(nameof(GraphNames))]
    public void SimultaneouslyLiveBuffers_NeverOverlap(string name)
    {
        LayerGraph graph = Graph(name);
        CudaLayout layout = LoweredPlanHarness.Layout(graph, CudaTestGraphs.Shapes(graph));
        var buffers = layout.Schedule.ArenaValues.Select(v =>
        {
            (int region, long offset) = layout.Place(v);
            return (Name: v, Region: region, Start: offset, End: offset + layout.Schedule.Shapes[v].ByteCount, Live: layout.Schedule.LiveRange(v));
        }).ToArray();
        Assert.NotEmpty(buffers);
        foreach (var a in buffers)
        {
            Assert.True(a.End <= layout.Regions[a.Region].Bytes, $"{a.Name} ends at {a.End}, past its arena of {layout.Regions[a.Region].Bytes} bytes");
            foreach (var b in buffers.Where(b => string.CompareOrdinal(a.Name, b.Name) < 0 && b.Region == a.Region))
            {
                bool liveTogether = a.Live.First <= b.Live.Last && b.Live.First <= a.Live.Last;
                bool overlap = a.Start < b.End && b.Start < a.End;
                bool slice = ConcatInPlaceTests.IsSliceOf(layout.Schedule, a.Name, b.Name) || ConcatInPlaceTests.IsSliceOf(layout.Schedule, b.Name, a.Name);
                Assert.False(liveTogether && overlap && !slice, $"{a.Name} [{a.Start}, {a.End}) and {b.Name} [{b.Start}, {b.End}) are live together and overlap");
            }
        }

        Assert.True(layout.Schedule.ArenaBytes <= layout.Schedule.UnplannedBytes);
    }

    [Theory]
    [MemberData(nameof(GraphNames))]
    public void EveryPointerArgument_PointsIntoARegion(string name)
    {
        LayerGraph graph = Graph(name);
        (CudaLayout layout, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        void Check(string node, string field, ulong address)
        {
            if (address == 0)
            {
                return; // optional pointers (no bias)
            }

            int region = (int)(address >> 32) - 1;
            Assert.True(
                region >= 0 && region < bases.Length && address - bases[region] < (ulong)Math.Max(layout.Regions[region].Bytes, 1),
                $"{node}: {field} = 0x{address:x} is outside every region");
        }

        foreach (CudaStep step in steps)
        {
            if (step is GemmStep gemm)
            {
                Check(step.Node, "A", gemm.Call.A);
                Check(step.Node, "B", gemm.Call.B);
                Check(step.Node, "C", gemm.Call.C);
                continue;
            }

            object args = step.GetType().GetProperty("Args")!.GetValue(step)!;
            foreach (FieldInfo field in args.GetType().GetFields().Where(f => f.FieldType == typeof(ulong)))
            {
                Check(step.Node, field.Name, (ulong)field.GetValue(args)!);
            }
        }
    }

    [Fact]
    public void Float16Conv_RunsOnFloat32CopiesAfterItsIm2ColMatrix_InTheWorkspace()
    {
        // x [1,2,5,5], w [3,2,3,3], bias [3], all float16: each is cast into a float32 copy, the float32 convolution runs on
        // the copies, and y's copy is cast back. The copies follow the im2col matrix (2·3·3 rows × 3·3 positions =
        // 648 bytes, aligned to 768), each 256-byte aligned: x 200, w 216, bias 12 and y 108 bytes take 256 each.
        var conv = new Node("conv", "Conv", ["x", "w", "b"], ["y"], new Dictionary<string, AttributeValue>());
        var graph = new LayerGraph(
            "half", [new ValueInfo("x", DataType.Float16, new TensorShape(1, 2, 5, 5)), new ValueInfo("w", DataType.Float16, new TensorShape(3, 2, 3, 3)),
                new ValueInfo("b", DataType.Float16, new TensorShape(3))],
            [new ValueInfo("y", DataType.Float16, new TensorShape(1, 3, 3, 3))], [conv], new Dictionary<string, Tensor>(), LayerGraph.DefaultOpset);

        (CudaLayout layout, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));

        ulong workspace = bases[layout.WorkspaceRegion];
        Assert.Equal(768 + (4 * 256), layout.Regions[layout.WorkspaceRegion].Bytes);
        CudaKernelArgs.Cast[] casts = [.. steps.Where(s => NodeName(s) == "conv").OfType<KernelStep<CudaKernelArgs.Cast>>().Select(s => s.Args)];
        Assert.Equal(
            [(DataType.Float16, DataType.Float32, workspace + 768), (DataType.Float16, DataType.Float32, workspace + 1024), (DataType.Float16, DataType.Float32, workspace + 1280)],
            casts[..3].Select(c => (c.From, c.To, c.Y)));
        Assert.Equal((DataType.Float32, DataType.Float16, workspace + 1536, 27), (casts[3].From, casts[3].To, casts[3].X, casts[3].Count));
        CudaKernelArgs.Im2Col im2col = Assert.Single(steps.OfType<KernelStep<CudaKernelArgs.Im2Col>>()).Args;
        Assert.Equal((workspace + 768, workspace), (im2col.X, im2col.Col));
    }

    [Fact]
    public void Conv3D_LowersToIm2Col3DAndOneGemmPerImage_AndMatchesTheCpuExecutor()
    {
        LayerGraph graph = Conv3D();
        (CudaLayout layout, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(
            graph, CudaTestGraphs.Shapes(graph), proposeConvolutions: (_, _) => throw new InvalidOperationException("cuDNN was asked for a 3-D convolution"));
        CudaKernelArgs.Im2Col3D[] im2col = [.. steps.OfType<KernelStep<CudaKernelArgs.Im2Col3D>>().Select(s => s.Args)];
        Assert.Equal(2, im2col.Length);
        Assert.Equal(2, steps.OfType<GemmStep>().Count());
        Assert.Equal((4, 3, 3, 2), (im2col[0].Channels, im2col[0].Window.Output.D, im2col[0].Window.Output.H, im2col[0].Window.Output.W));
        Assert.Equal((ulong)(4 * 5 * 4 * 4 * sizeof(float)), im2col[1].X - im2col[0].X);

        // One image's columns: 4 channels × 2·2·2 taps by 3·3·2 positions.
        Assert.Equal(4 * 8 * 18 * sizeof(float), layout.Regions[layout.WorkspaceRegion].Bytes);

        Dictionary<string, Tensor> inputs = CudaTestGraphs.Inputs(graph);
        using var cpu = new Esen.Kernels.Cpu.CpuExecutor(graph);
        string y = graph.Outputs[0].Name;
        TensorAssert.Close(cpu.Run(inputs)[y].Floats, LoweredPlanHarness.Run(graph, inputs)[y].Floats, rtol: 1e-5, atol: 1e-5, "conv3d");
    }

    [Fact]
    public void Int64Arithmetic_LowersToTheInt64Kernels_OnlyDivisionReportingAFault()
    {
        LayerGraph graph = CudaTestGraphs.ShapeArithmetic();
        (CudaLayout layout, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        string Of(string node) => string.Join(' ', steps.Where(s => NodeName(s) == node).Select(Kind));

        Assert.Equal(
            ["esen_mul_int64", "esen_add_int64", "esen_div_int64", "esen_sub_int64", "esen_div_int64", "esen_strided_copy_int64", "esen_strided_copy_int64", "esen_concat_slab esen_concat_slab"],
            new[] { "big", "wrapped", "quotient", "negative", "small_quotient", "transposed", "every_third", "joined" }.Select(Of));
        CudaStep quotient = Assert.Single(steps, s => NodeName(s) == "quotient");
        CudaKernelArgs.IntegerDiv args = Assert.IsType<KernelStep<CudaKernelArgs.IntegerDiv>>(quotient).Args;
        Assert.Equal((bases[layout.FaultRegion], steps.ToList().IndexOf(quotient) + 1), (args.Fault, args.FaultCode));
        Assert.Equal(["Div node 'quotient'", "Div node 'small_quotient'"], steps.Where(s => s.Fault is not null).Select(s => s.Node));

        // Concat moves 4-byte words: [2, 13] and [2, 40] int64 inputs are slabs of 26 and 80 words in rows of 106.
        Assert.Equal(
            [(2, 26, 106, 0), (2, 80, 106, 26)],
            steps.Where(s => NodeName(s) == "joined").Select(s => Assert.IsType<KernelStep<CudaKernelArgs.ConcatSlab>>(s).Args).Select(a => (a.Outer, a.Slab, a.YRow, a.YOffset)));
    }

    [Fact]
    public void ClipWithRunTimeBounds_ReadsThemWhereTheyLive()
    {
        LayerGraph graph = CudaTestGraphs.RunTimeClip();
        (CudaLayout layout, IReadOnlyList<CudaStep> steps, ulong[] bases) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph));
        ulong At(string value) => bases[layout.Place(value).Region] + (ulong)layout.Place(value).ByteOffset;
        CudaKernelArgs.Clip Args(string node) => Assert.IsType<KernelStep<CudaKernelArgs.Clip>>(Assert.Single(steps, s => NodeName(s) == node)).Args;

        Assert.Equal((At("lo"), At("hi")), (Args("both").Min, Args("both").Max));
        Assert.Equal((0UL, At("hi"), float.NegativeInfinity), (Args("upper_only").Min, Args("upper_only").Max, Args("upper_only").Lo));
        Assert.Equal((At("hi"), At("cap")), (Args("crossed").Min, Args("crossed").Max));
    }

    [Theory]
    [InlineData(1, 2, 3, 4)]
    [InlineData(0, 1, 2, 12)]
    [InlineData(-1, 6, 4, 1)]
    public void Softmax_OverAnInnerAxis_TakesAThreadPerColumn_TheLastAxisABlockPerRow(int axis, int outer, int length, int inner)
    {
        var g = new GraphBuilder("softmax");
        string x = g.Input("x", 2, 3, 4);
        g.Output(g.Softmax(x, axis, name: "sm"));
        LayerGraph graph = g.Build();
        CudaStep step = Assert.Single(LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph)).Steps, s => NodeName(s) == "sm");
        if (inner == 1)
        {
            CudaKernelArgs.Softmax rows = Assert.IsType<KernelStep<CudaKernelArgs.Softmax>>(step).Args;
            Assert.Equal((outer, length), (rows.Rows, rows.Cols));
            return;
        }

        CudaKernelArgs.SoftmaxAxis columns = Assert.IsType<KernelStep<CudaKernelArgs.SoftmaxAxis>>(step).Args;
        Assert.Equal((outer, length, inner), (columns.Outer, columns.Axis, columns.Inner));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void RowMajorGemmMapping_MatchesTheCpuGemm(bool transX, bool transW)
    {
        const int m = 7, n = 5, k = 3;
        var random = new Random(20260522);
        float[] x = [.. Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f)];
        float[] w = [.. Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f)];
        float[] expected = [.. Enumerable.Range(0, m * n).Select(_ => random.NextSingle())];
        float[] actual = [.. expected];
        int ldx = transX ? m : k, ldw = transW ? k : n;
        CpuKernels.Gemm(transX, transW, m, n, k, 0.5f, x, ldx, w, ldw, 2f, expected, n, threads: 1);
        IntPtr xp = Marshal.AllocHGlobal(x.Length * sizeof(float)), wp = Marshal.AllocHGlobal(w.Length * sizeof(float)), yp = Marshal.AllocHGlobal(actual.Length * sizeof(float));
        try
        {
            Marshal.Copy(x, 0, xp, x.Length);
            Marshal.Copy(w, 0, wp, w.Length);
            Marshal.Copy(actual, 0, yp, actual.Length);
            HostCublas.Gemm(GemmCall.RowMajor(new GpuMath(GpuPrecision.Fp32), transX, transW, m, n, k, 0.5f, (ulong)xp, ldx, (ulong)wp, ldw, 2f, (ulong)yp, n));
            Marshal.Copy(yp, actual, 0, actual.Length);
        }
        finally
        {
            Marshal.FreeHGlobal(xp);
            Marshal.FreeHGlobal(wp);
            Marshal.FreeHGlobal(yp);
        }

        TensorAssert.Close(expected, actual, rtol: 1e-5, atol: 1e-6, $"transX={transX} transW={transW}");
    }

    [Fact]
    public void RowMajorGemmMapping_SwapsOperandsAndDimensions()
    {
        GemmCall call = GemmCall.RowMajor(new GpuMath(GpuPrecision.Fp32), transX: true, transW: false, m: 7, n: 5, k: 3, 1f, x: 0x100, ldx: 7, w: 0x200, ldw: 5, 0f, y: 0x300, ldy: 5);
        Assert.Equal(
            new GemmCall(CublasOperation.None, CublasOperation.Transpose, 5, 7, 3, 1f, 0x200, 5, 0, 0x100, 7, 0, 0f, 0x300, 5, 0, 1, CublasMath.Default, CublasComputeType.Compute32F),
            call);
    }

    /// <summary>A grouped 3-D convolution with padding, strides, a dilation and bias, then a Relu (fused into it when the graph is rewritten).</summary>
    internal static LayerGraph Conv3D()
    {
        var g = new GraphBuilder("conv3d");
        string x = g.Input("x", 2, 4, 5, 4, 4);
        g.Output(g.Relu(g.Conv(x, 6, [2, 2, 2], [2, 1, 2], [1, 0, 1, 0, 1, 0], [1, 2, 1], groups: 2, name: "conv3d_7")));
        return g.Build();
    }

    internal static LayerGraph Graph(string name) => name switch
    {
        "cnn" => CudaTestGraphs.Cnn(),
        "attention" => CudaTestGraphs.Attention(),
        "fire" => ConcatGraphs.Fire(batch: 1),
        "embedding" => CudaTestGraphs.Embedding(),
        "clip" => CudaTestGraphs.RunTimeClip(),
        "pools" => CudaTestGraphs.Pools(),
        "int64" => CudaTestGraphs.ShapeArithmetic(),
        "conv3d" => Conv3D(),
        _ => CudaTestGraphs.BroadcastMatMul(),
    };

    private static string NodeName(CudaStep step) => step.Node[(step.Node.IndexOf('\'', StringComparison.Ordinal) + 1)..^1];

    private static string Kind(CudaStep step) => step switch
    {
        GemmStep { Call.BatchCount: 1 } => "gemm",
        GemmStep gemm => $"gemm×{gemm.Call.BatchCount}",
        ConvolutionStep => "cudnn",
        _ => ((PtxKernel)step.GetType().GetProperty("Kernel")!.GetValue(step)!).EntryPoint,
    };

    private static int[] Dims(Dims6 d) => [d.D0, d.D1, d.D2, d.D3, d.D4, d.D5];
}
