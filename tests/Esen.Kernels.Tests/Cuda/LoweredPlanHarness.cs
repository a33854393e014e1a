using System.Runtime.InteropServices;
using Esen.Kernels.Cuda;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.DeviceKernels;
using Esen.Native.Cublas;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// Runs a lowered CUDA plan without a GPU: every region is host memory, PTX launches go to the
/// host-built kernels (<see cref="HostKernels"/>, the same .cu sources), and cuBLAS calls to a naive
/// column-major GEMM written from cuBLAS's documented semantics — so the row-major transpose mapping
/// is checked against an independent definition, not against itself. Convolutions take the im2col
/// path (no cuDNN here). A fault a kernel reports is thrown after the steps, as the executor does.
/// </summary>
internal static class LoweredPlanHarness
{
    /// <summary>
    /// Grid-stride kernels give the same result for any grid; the host runs one thread per CUDA thread,
    /// so grids are capped to keep a run quick. Block sizes stay as planned.
    /// </summary>
    private const int MaxHostGrid = 4;

    /// <summary>
    /// Lays out and lowers <paramref name="graph"/> for these inputs with made-up region addresses, in
    /// <paramref name="math"/> (fp32 by default), with <paramref name="proposeConvolutions"/> standing in
    /// for cuDNN's heuristic (by default it proposes nothing: every convolution takes the im2col path).
    /// </summary>
    public static (CudaLayout Layout, IReadOnlyList<CudaStep> Steps, ulong[] Bases) Lower(
        LayerGraph graph, IReadOnlyDictionary<string, TensorShape> inputs, GpuMath math = default,
        Func<ConvolutionShape, CudnnMathType, IReadOnlyList<ConvolutionAlgorithmChoice>>? proposeConvolutions = null)
    {
        CudaLayout layout = Layout(graph, inputs, math, proposeConvolutions);

        // Regions 4 GiB apart, so an address identifies its region.
        ulong[] bases = [.. Enumerable.Range(0, layout.Regions.Count).Select(i => (ulong)(i + 1) << 32)];
        return (layout, CudaLowering.Lower(layout, bases), bases);
    }

    /// <summary>
    /// The layout of <paramref name="graph"/> for these input shapes and specialised int64 input values <paramref name="known"/>
    /// (im2col convolutions unless cuDNN is stood in for).
    /// </summary>
    public static CudaLayout Layout(
        LayerGraph graph, IReadOnlyDictionary<string, TensorShape> inputs, GpuMath math = default,
        Func<ConvolutionShape, CudnnMathType, IReadOnlyList<ConvolutionAlgorithmChoice>>? proposeConvolutions = null,
        IReadOnlyDictionary<string, Tensor>? known = null)
    {
        var schedule = ExecutionSchedule.Build(graph, ShapeInference.Infer(graph, inputs, known));
        return CudaLayout.Create(schedule, math, shape => ConvolutionAlgorithmRule.Choose(
            math, ulong.MaxValue, new ConvolutionCandidates(proposeConvolutions?.Invoke(shape, math.ConvolutionMathType) ?? [])).Cudnn);
    }

    /// <summary>
    /// Runs the plan on the host and returns the graph outputs; with <paramref name="optimize"/>, of the
    /// rewritten graph, as <see cref="CudaExecutor"/> plans it by default. Small int64 inputs specialise the
    /// plan, as in the executor.
    /// </summary>
    public static Dictionary<string, Tensor> Run(LayerGraph graph, IReadOnlyDictionary<string, Tensor> inputs, bool optimize = false)
    {
        KernelToolchain.RequireClangPlusPlus();
        graph = optimize ? GraphRewrites.Optimize(graph) : graph;
        CudaLayout layout = Layout(graph, ExecutionSchedule.BindInputs(graph, inputs), known: ExecutionSchedule.SpecializedInputs(graph, inputs));
        IntPtr[] memory = [.. layout.Regions.Select(r => Marshal.AllocHGlobal((nint)Math.Max(r.Bytes, 1)))];
        try
        {
            IReadOnlyList<CudaStep> steps = CudaLowering.Lower(layout, [.. memory.Select(m => (ulong)m)]);
            for (int i = 0; i < layout.Regions.Count; i++)
            {
                DeviceRegion region = layout.Regions[i];
                Tensor? source = region.Kind switch
                {
                    DeviceRegionKind.Constant => layout.Schedule.Constants[region.Value],
                    DeviceRegionKind.Input => inputs[region.Value],
                    _ => null,
                };
                if (source is not null)
                {
                    byte[] bytes = Bytes(source).ToArray();
                    Marshal.Copy(bytes, 0, memory[i], bytes.Length);
                }
            }

            Marshal.WriteInt32(memory[layout.FaultRegion], 0);
            var runner = new HostRunner();
            foreach (CudaStep step in steps)
            {
                step.Run(runner);
            }

            if (CudaLowering.FaultError(steps, Marshal.ReadInt32(memory[layout.FaultRegion])) is { } error)
            {
                throw error;
            }

            var outputs = new Dictionary<string, Tensor>();
            foreach (ValueInfo output in graph.Outputs)
            {
                TensorInfo info = layout.Schedule.Shapes[output.Name];
                Tensor tensor = Tensor.Zeros(info.DataType, info.Shape);
                byte[] bytes = new byte[info.ByteCount];
                Marshal.Copy(memory[layout.OutputRegion(output.Name)], bytes, 0, bytes.Length);
                bytes.CopyTo(Bytes(tensor));
                outputs[output.Name] = tensor;
            }

            return outputs;
        }
        finally
        {
            foreach (IntPtr m in memory)
            {
                Marshal.FreeHGlobal(m);
            }
        }
    }

    /// <summary>
    /// C_b = alpha·op(A_b)·op(B_b) + beta·C_b, column-major: element (i, j) of a matrix with leading
    /// dimension ld is at i + j·ld, and op(X)(i, p) is X(p, i) when transposed (cuBLAS sgemm docs).
    /// </summary>
    public static void ColumnMajorGemm(in GemmCall call)
    {
        float[] a = Read(call.A, Extent(call.TransA == CublasOperation.None, call.M, call.K, call.Lda, call.StrideA, call.BatchCount));
        float[] b = Read(call.B, Extent(call.TransB == CublasOperation.None, call.K, call.N, call.Ldb, call.StrideB, call.BatchCount));
        float[] c = Read(call.C, Extent(true, call.M, call.N, call.Ldc, call.StrideC, call.BatchCount));
        for (int batch = 0; batch < call.BatchCount; batch++)
        {
            long a0 = batch * call.StrideA, b0 = batch * call.StrideB, c0 = batch * call.StrideC;
            for (int j = 0; j < call.N; j++)
            {
                for (int i = 0; i < call.M; i++)
                {
                    double sum = 0;
                    for (int p = 0; p < call.K; p++)
                    {
                        float av = call.TransA == CublasOperation.None ? a[a0 + i + ((long)p * call.Lda)] : a[a0 + p + ((long)i * call.Lda)];
                        float bv = call.TransB == CublasOperation.None ? b[b0 + p + ((long)j * call.Ldb)] : b[b0 + j + ((long)p * call.Ldb)];
                        sum += (double)av * bv;
                    }

                    long at = c0 + i + ((long)j * call.Ldc);
                    c[at] = (float)((call.Alpha * sum) + (call.Beta == 0f ? 0 : call.Beta * c[at]));
                }
            }
        }

        Marshal.Copy(c, 0, (IntPtr)call.C, c.Length);
    }

    // Elements a column-major rows×cols operand (stored transposed when not plain) spans over all batch entries.
    private static int Extent(bool plain, int rows, int cols, int ld, long stride, int batch) =>
        (int)((stride * (batch - 1)) + (plain ? ((long)ld * (cols - 1)) + rows : ((long)ld * (rows - 1)) + cols));

    private static float[] Read(ulong address, int count)
    {
        float[] values = new float[count];
        Marshal.Copy((IntPtr)address, values, 0, count);
        return values;
    }

    private static Span<byte> Bytes(Tensor tensor) => tensor.DataType == DataType.Float32
        ? MemoryMarshal.AsBytes(tensor.Floats.AsSpan())
        : MemoryMarshal.AsBytes(tensor.Int64s.AsSpan());

    private sealed class HostRunner : ICudaStepRunner
    {
        public void Launch<TArgs>(PtxKernel<TArgs> kernel, LaunchConfig config, in TArgs args)
            where TArgs : unmanaged => HostKernels.Launch(kernel, Math.Min(config.Grid, MaxHostGrid), config.Block, args);

        public void Gemm(in GemmCall call) => ColumnMajorGemm(call);

        public void Convolution(ConvolutionCall call) => throw new InvalidOperationException("no cuDNN on the host: the layout chose im2col for every convolution");
    }
}
