using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Native;
using Esen.Native.Cublas;
using Esen.Native.Cuda;
using Esen.Native.Cudnn;
using Esen.Native.Errors;

namespace Esen.Kernels.Cuda;

/// <summary>Options of the CUDA executor.</summary>
public sealed record CudaExecutorOptions
{
    /// <summary>The device whose primary context the executor uses when it is not given a stream.</summary>
    public int DeviceOrdinal { get; init; }

    /// <summary>Run convolutions through cuDNN when it is loadable (else, or when false: im2col + cuBLAS).</summary>
    public bool UseCudnn { get; init; } = true;

    /// <summary>The arithmetic of convolutions and GEMMs (<see cref="GpuMath"/>); fp32 unless TF32 is asked for.</summary>
    public GpuPrecision Precision { get; init; }

    /// <summary>
    /// Whether to run <see cref="GraphRewrites.Optimize"/> (constant folding, BatchNorm folded into Conv,
    /// activations fused into the Conv/Gemm epilogues) before planning, as the CPU executor does
    /// (default: true): fewer launches and no BatchNorm pass. Outputs stay equal up to float rounding.
    /// </summary>
    public bool Optimize { get; init; } = true;

    /// <summary>
    /// The SM count cuBLAS picks its kernels for: the SMs of the member's partition, so a GEMM in a
    /// 16-SM green context is not tiled for the whole GPU (gpu-facts §1.4); 0 = all SMs.
    /// </summary>
    public int CublasSmCountTarget { get; init; }

    /// <summary>
    /// Whether each convolution shape's cuDNN algorithms and its im2col + cuBLAS path are timed once, when a plan is
    /// made, and the fastest runs (<see cref="ConvolutionAlgorithmRule"/>); else cuDNN's heuristic picks (default: true).
    /// Choices are kept for the process, per shape, device, SM count and precision.
    /// </summary>
    public bool MeasureConvolutions { get; init; } = true;

    /// <summary>The most workspace a cuDNN convolution algorithm may use, in bytes (default 256 MiB).</summary>
    public long ConvolutionWorkspaceLimitBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Whether a prepared plan is captured as a CUDA graph and replayed with one launch per run (default: true),
    /// when to capture is <see cref="CudaGraphPolicy"/>'s rule. A plan whose capture fails runs step by step, with a note.
    /// </summary>
    public bool UseCudaGraphs { get; init; } = true;
}

/// <summary>
/// Runs a <see cref="LayerGraph"/> on a GPU: cuBLAS for Gemm and MatMul, cuDNN (or im2col + cuBLAS)
/// for Conv, the PTX kernels of kernels/*.cu for the rest. Per binding of the input shapes it plans
/// once, on the rewritten graph unless <see cref="CudaExecutorOptions.Optimize"/> is off: the schedule shared with the CPU executor (<see cref="ExecutionSchedule"/>: constant folding,
/// view aliasing, liveness-planned arenas), the device regions (<see cref="CudaLayout"/>), how each
/// convolution shape runs (measured once per process, <see cref="ConvolutionAlgorithmRule"/>) in
/// <see cref="CudaExecutorOptions.Precision"/> (<see cref="GpuMath"/>), allocation and constant upload, a
/// page-locked staging buffer (<see cref="HostStaging"/>), and the lowered steps (<see cref="CudaLowering"/>).
/// A run stages the inputs, queues the uploads, the steps and the downloads on the executor's one stream
/// (from the second run on as a CUDA graph, <see cref="CudaGraphPolicy"/>) and synchronises that stream once,
/// at the end, to hand the outputs back. Runs are serialised (one set of buffers per plan).
/// </summary>
public sealed class CudaExecutor : IExecutor
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Plan> _plans = [];
    private readonly CudaContext? _ownedContext;
    private readonly CudaStream? _ownedStream;
    private readonly DeviceRunner _runner;

    /// <summary>The graph that is planned and run: <see cref="Graph"/>, rewritten when <see cref="CudaExecutorOptions.Optimize"/> is set.</summary>
    private readonly LayerGraph _runGraph;

    /// <summary>Creates an executor on the primary context of <see cref="CudaExecutorOptions.DeviceOrdinal"/>, with its own stream.</summary>
    /// <exception cref="Native.Errors.EsenNativeException">No CUDA driver or device.</exception>
    public CudaExecutor(LayerGraph graph, CudaExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Options = options ?? new CudaExecutorOptions();
        _ownedContext = CudaContext.RetainPrimary(CudaDriver.GetDevice(Options.DeviceOrdinal));
        try
        {
            _ownedStream = _ownedContext.CreateStream();
            Graph = graph;
            _runGraph = Options.Optimize ? GraphRewrites.Optimize(graph) : graph;
            _runner = new DeviceRunner(_ownedStream, Options);
        }
        catch
        {
            _ownedStream?.Dispose();
            _ownedContext.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates an executor that queues all its work on <paramref name="stream"/> (for example an
    /// ensemble member's stream in its SM partition). The caller keeps ownership of the stream.
    /// </summary>
    public CudaExecutor(LayerGraph graph, CudaStream stream, CudaExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(stream);
        Graph = graph;
        Options = options ?? new CudaExecutorOptions();
        _runGraph = Options.Optimize ? GraphRewrites.Optimize(graph) : graph;
        _runner = new DeviceRunner(stream, Options);
    }

    /// <inheritdoc/>
    public LayerGraph Graph { get; }

    /// <summary>The options.</summary>
    public CudaExecutorOptions Options { get; }

    /// <summary>The stream every launch, copy, cuBLAS and cuDNN call of this executor goes to.</summary>
    public CudaStream Stream => _runner.Stream;

    /// <summary>
    /// What the executor did differently from its options and why (a convolution measurement that failed and fell
    /// back to cuDNN's heuristic, a plan whose CUDA graph capture failed and that runs step by step), in order.
    /// </summary>
    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_gate)
            {
                return [.. _runner.Notes];
            }
        }
    }

    /// <summary>Plans (or returns the cached plan) for the given input shapes and describes it.</summary>
    /// <exception cref="GraphException">Shape inference failed, or a node has no CUDA lowering (<see cref="UnsupportedModelException"/>).</exception>
    public ExecutionPlanInfo Prepare(IReadOnlyDictionary<string, TensorShape> inputShapes)
    {
        lock (_gate)
        {
            return GetPlan(inputShapes).Info;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        IReadOnlyDictionary<string, TensorShape> shapes = ExecutionSchedule.BindInputs(Graph, inputs);
        lock (_gate)
        {
            Plan plan = GetPlan(shapes, inputs);

            // Inputs go through the plan's page-locked buffer: the uploads are then truly asynchronous, and their
            // source never moves, so a captured graph can hold them.
            foreach (StagedValue input in plan.Inputs)
            {
                plan.Staging.Write<byte>(input.Offset, inputs[input.Name].AsBytes());
            }

            RunOnDevice(plan);

            // The one synchronisation of a run: the outputs must be on the host before they are returned.
            Stream.Synchronize();
            if (plan.Fault is { } faultWord)
            {
                Span<int> fault = stackalloc int[1];
                plan.Staging.Read(faultWord.Offset, fault);
                if (CudaLowering.FaultError(plan.Steps, fault[0]) is { } error)
                {
                    // The next run starts with a clear fault word.
                    plan.Buffers[faultWord.Region].ClearAsync(Stream);
                    Stream.Synchronize();
                    throw error;
                }
            }

            var outputs = new Dictionary<string, Tensor>();
            foreach (StagedValue output in plan.Outputs)
            {
                TensorInfo info = plan.Info.Shapes[output.Name];
                Tensor tensor = Tensor.Zeros(info.DataType, info.Shape);
                plan.Staging.Read(output.Offset, tensor.AsBytes());

                outputs[output.Name] = tensor;
            }

            return outputs;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (Plan plan in _plans.Values)
            {
                plan.Dispose();
            }

            _plans.Clear();
            _runner.Dispose();
            _ownedStream?.Dispose();
            _ownedContext?.Dispose();
        }
    }

    /// <summary>Queues the run's uploads, steps and downloads: step by step, or as the plan's CUDA graph (<see cref="CudaGraphPolicy"/>).</summary>
    private void RunOnDevice(Plan plan)
    {
        switch (CudaGraphPolicy.Next(Options.UseCudaGraphs, plan.CompletedRuns, plan.Captured is not null, plan.CaptureFailed))
        {
            case PlanRunMode.Capture:
                try
                {
                    plan.Captured = CudaGraph.Capture(Stream, () => Enqueue(plan));
                }
                catch (EsenNativeException ex)
                {
                    plan.CaptureFailed = true;
                    _runner.Notes.Add($"capturing a plan of {plan.Steps.Count} steps as a CUDA graph failed ({ex.Message}); it runs step by step");
                    Enqueue(plan);
                    break;
                }

                plan.Captured.Launch(Stream);
                break;
            case PlanRunMode.Replay:
                plan.Captured!.Launch(Stream);
                break;
            default:
                Enqueue(plan);
                break;
        }

        plan.CompletedRuns++;
    }

    private void Enqueue(Plan plan)
    {
        foreach (StagedValue input in plan.Inputs)
        {
            plan.Staging.CopyToDeviceAsync(input.Offset, plan.Buffers[input.Region].Pointer, input.Bytes, Stream);
        }

        RunEach(plan.Steps);
        foreach (StagedValue output in plan.Outputs)
        {
            plan.Staging.CopyFromDeviceAsync(plan.Buffers[output.Region].Pointer, output.Offset, output.Bytes, Stream);
        }

        if (plan.Fault is { } fault)
        {
            plan.Staging.CopyFromDeviceAsync(plan.Buffers[fault.Region].Pointer, fault.Offset, fault.Bytes, Stream);
        }
    }

    private void RunEach(IReadOnlyList<CudaStep> steps)
    {
        foreach (CudaStep step in steps)
        {
            step.Run(_runner);
        }
    }

    // As on the CPU, small int64 inputs specialise the plan on their values (ExecutionSchedule.SpecializedInputs): they
    // are uploaded with the constants, and nodes they decide (a Reshape's shape, a Slice's starts) are planned with them.
    private Plan GetPlan(IReadOnlyDictionary<string, TensorShape> shapes, IReadOnlyDictionary<string, Tensor>? inputs = null)
    {
        Dictionary<string, Tensor> known = ExecutionSchedule.SpecializedInputs(_runGraph, inputs);
        string key = ExecutionSchedule.PlanKey(_runGraph, shapes, known);
        if (!_plans.TryGetValue(key, out Plan? plan))
        {
            plan = BuildPlan(ShapeInference.Infer(_runGraph, shapes, known));
            _plans[key] = plan;
        }

        return plan;
    }

    private unsafe Plan BuildPlan(InferredShapes shapes)
    {
        var schedule = ExecutionSchedule.Build(_runGraph, shapes);
        var layout = CudaLayout.Create(schedule, new GpuMath(Options.Precision), _runner.ChooseConvolution);

        // Lower once against placeholder bases first, so an unsupported node fails before any allocation.
        CudaLowering.Lower(layout, new ulong[layout.Regions.Count]);
        var buffers = new List<DeviceBuffer<byte>>(layout.Regions.Count);
        try
        {
            foreach (DeviceRegion region in layout.Regions)
            {
                // A zero-byte allocation fails in the driver; an unused region gets a token one.
                buffers.Add(Stream.Context.Allocate<byte>(Math.Max(region.Bytes, 256)));
            }

            IReadOnlyList<CudaStep> steps = CudaLowering.Lower(layout, [.. buffers.Select(b => b.Pointer.Address)]);
            if (steps.OfType<GemmStep>().Any())
            {
                _runner.RequireCublas();
            }

            var pins = new List<MemoryHandle>();
            try
            {
                buffers[layout.FaultRegion].ClearAsync(Stream);
                for (int i = 0; i < layout.Regions.Count; i++)
                {
                    if (layout.Regions[i].Kind == DeviceRegionKind.Constant)
                    {
                        Tensor constant = schedule.Constants[layout.Regions[i].Value];
                        // Any element type's array is pinned as it is (all are arrays of unmanaged values).
                        var handle = GCHandle.Alloc(constant.Data, GCHandleType.Pinned);
                        var pin = new MemoryHandle((void*)handle.AddrOfPinnedObject(), handle);
                        pins.Add(pin);
                        buffers[i].CopyFromHostAsync((byte*)pin.Pointer, constant.ByteCount, Stream);
                    }
                }

                Stream.Synchronize();
            }
            finally
            {
                foreach (MemoryHandle pin in pins)
                {
                    pin.Dispose();
                }
            }

            // Staged in the plan's page-locked buffer, in this order: the inputs, the outputs, the fault word when a step may set it.
            var staged = layout.Regions.Select((r, i) => (Region: i, r.Kind, Name: r.Value, r.Bytes))
                .Where(r => r.Kind is DeviceRegionKind.Input or DeviceRegionKind.Output
                    || (r.Kind == DeviceRegionKind.Fault && steps.Any(s => s.Fault is not null)))
                .OrderBy(r => r.Kind switch { DeviceRegionKind.Input => 0, DeviceRegionKind.Output => 1, _ => 2 })
                .ToList();
            (long[] offsets, long stagingBytes) = HostStaging.Lay([.. staged.Select(r => r.Bytes)]);
            StagedValue[] values = [.. staged.Select((r, i) => new StagedValue(r.Region, r.Name, offsets[i], r.Bytes))];
            StagedValue[] Of(DeviceRegionKind kind) => [.. values.Where((_, i) => staged[i].Kind == kind)];
            var info = new ExecutionPlanInfo(shapes, schedule.Running.Count, schedule.ArenaBytes, schedule.UnplannedBytes, schedule.InPlaceConcatInputs);
            PinnedHostBuffer staging = PinnedHostBuffer.Allocate(Stream.Context, stagingBytes);
            return new Plan([.. buffers], staging, steps, Of(DeviceRegionKind.Input), Of(DeviceRegionKind.Output), Of(DeviceRegionKind.Fault).FirstOrDefault(), info);
        }
        catch
        {
            foreach (DeviceBuffer<byte> buffer in buffers)
            {
                buffer.Dispose();
            }

            throw;
        }
    }

    /// <summary>A value copied between the plan's page-locked buffer (at <paramref name="Offset"/>) and its device region.</summary>
    private sealed record StagedValue(int Region, string Name, long Offset, long Bytes);

    /// <param name="Staging">The page-locked host buffer every run's inputs, outputs and fault word pass through.</param>
    /// <param name="Fault">The fault word when a step may set it (it is then read after each run), else null.</param>
    private sealed record Plan(
        DeviceBuffer<byte>[] Buffers, PinnedHostBuffer Staging, IReadOnlyList<CudaStep> Steps, StagedValue[] Inputs, StagedValue[] Outputs,
        StagedValue? Fault, ExecutionPlanInfo Info)
        : IDisposable
    {
        /// <summary>Runs completed so far (<see cref="CudaGraphPolicy"/>).</summary>
        public int CompletedRuns { get; set; }

        /// <summary>The captured graph of the steps, once captured.</summary>
        public CudaGraph? Captured { get; set; }

        /// <summary>Whether capturing failed; the plan then runs step by step.</summary>
        public bool CaptureFailed { get; set; }

        public void Dispose()
        {
            Captured?.Dispose();
            Staging.Dispose();
            foreach (DeviceBuffer<byte> buffer in Buffers)
            {
                buffer.Dispose();
            }
        }
    }

    /// <summary>Carries out steps on one stream: PTX launches, cuBLAS and cuDNN calls bound to it.</summary>
    private sealed class DeviceRunner : ICudaStepRunner, IDisposable
    {
        /// <summary>Timed runs of the im2col path per measurement, after one untimed run.</summary>
        private const int Im2ColTimedRuns = 3;

        /// <summary>How each convolution shape runs, decided once per process for a device, SM count, precision and workspace limit.</summary>
        private static readonly ConcurrentDictionary<ConvolutionChoiceKey, ConvolutionAlgorithm?> s_choices = new();

        private readonly CudaExecutorOptions _options;
        private readonly PtxModuleCache _modules;
        private readonly CudnnHandle? _cudnn;
        private readonly Dictionary<(ConvolutionShape, CudnnMathType), ConvolutionDescriptors> _descriptors = [];
        private readonly Dictionary<int, TensorDescriptor> _biasDescriptors = [];
        private readonly Dictionary<CudnnActivationMode, ActivationDescriptor> _activations = [];
        private CublasHandle? _cublas;
        private DeviceBuffer<byte>? _cublasWorkspace;
        private readonly int _cublasSmCountTarget;
        private CublasMath? _blasMathMode;

        public DeviceRunner(CudaStream stream, CudaExecutorOptions options)
        {
            Stream = stream;
            _options = options;
            _cublasSmCountTarget = options.CublasSmCountTarget;
            _modules = PtxModuleCache.For(stream.Context);
            if (options.UseCudnn && NativeRuntime.Probe().HasCudnn)
            {
                _cudnn = CudnnHandle.Create(stream);
            }
        }

        public CudaStream Stream { get; }

        public List<string> Notes { get; } = [];

        public void RequireCublas()
        {
            if (_cublas is null)
            {
                // cuBLAS gets its workspace up front: left to itself it allocates on first use, which a graph capture forbids.
                CudaDeviceProperties device = CudaDriver.GetProperties(Stream.Context.Device);
                _cublasWorkspace = Stream.Context.Allocate<byte>(CublasHandle.RecommendedWorkspaceBytes(device.ComputeMajor));
                _cublas = CublasHandle.Create(Stream);
                _cublas.SetWorkspace(_cublasWorkspace.Pointer, _cublasWorkspace.Length);
                if (_cublasSmCountTarget > 0)
                {
                    _cublas.SmCountTarget = _cublasSmCountTarget;
                }
            }
        }

        /// <summary>
        /// How <paramref name="shape"/> runs: the process's earlier choice for it, else cuDNN's heuristic proposals and,
        /// with <see cref="CudaExecutorOptions.MeasureConvolutions"/>, the measured times of cuDNN's algorithms and of
        /// the im2col path, judged by <see cref="ConvolutionAlgorithmRule"/>. Null: im2col + cuBLAS.
        /// </summary>
        public ConvolutionAlgorithm? ChooseConvolution(ConvolutionShape shape)
        {
            var math = new GpuMath(_options.Precision);
            ulong limit = (ulong)Math.Max(0, _options.ConvolutionWorkspaceLimitBytes);
            var key = new ConvolutionChoiceKey(
                shape, Stream.Context.Device.Ordinal, _cublasSmCountTarget, _options.Precision, limit, _options.MeasureConvolutions && _cudnn is not null);
            if (s_choices.TryGetValue(key, out ConvolutionAlgorithm? known))
            {
                return known;
            }

            if (_cudnn is null || !CudnnComputes(shape, math.ConvolutionMathType))
            {
                // Nothing to choose among: the convolution takes the im2col path.
                return null;
            }

            ConvolutionDescriptors d = DescriptorsFor(shape, math.ConvolutionMathType);
            var candidates = new ConvolutionCandidates(_cudnn.GetForwardAlgorithms(d.X, d.W, d.Convolution, d.Y));
            if (key.Measured)
            {
                try
                {
                    candidates = Measure(shape, d, math, limit, candidates);
                }
                catch (EsenNativeException ex)
                {
                    candidates = candidates with { MeasurementFailure = ex.Message };
                }
            }

            ConvolutionDecision decision = ConvolutionAlgorithmRule.Choose(math, limit, candidates);
            if (decision.Note is { } note)
            {
                Notes.Add($"{shape}: {note}");
            }

            s_choices[key] = decision.Cudnn;
            return decision.Cudnn;
        }

        public void Launch<TArgs>(PtxKernel<TArgs> kernel, LaunchConfig config, in TArgs args)
            where TArgs : unmanaged =>
            _modules.Get(kernel).Launch(Stream, new Dim3((uint)config.Grid), new Dim3((uint)config.Block), 0, in args);

        public void Gemm(in GemmCall call)
        {
            CublasHandle cublas = _cublas ?? throw new InvalidOperationException("cuBLAS was not initialised for a plan with GEMMs");
            if (_blasMathMode != call.MathMode)
            {
                cublas.SetMathMode(call.MathMode);
                _blasMathMode = call.MathMode;
            }

            if (call.BatchCount == 1)
            {
                cublas.Sgemm(call.TransA, call.TransB, call.M, call.N, call.K, call.Alpha, new DevicePtr(call.A), call.Lda,
                    new DevicePtr(call.B), call.Ldb, call.Beta, new DevicePtr(call.C), call.Ldc);
            }
            else
            {
                cublas.GemmStridedBatchedEx(
                    call.TransA, call.TransB, call.M, call.N, call.K, call.Alpha, new DevicePtr(call.A), CudaDataType.R32F, call.Lda, call.StrideA,
                    new DevicePtr(call.B), CudaDataType.R32F, call.Ldb, call.StrideB, call.Beta, new DevicePtr(call.C), CudaDataType.R32F, call.Ldc,
                    call.StrideC, call.BatchCount, call.ComputeType);
            }
        }

        public void Convolution(ConvolutionCall call)
        {
            CudnnHandle cudnn = _cudnn ?? throw new InvalidOperationException("cuDNN step without a cuDNN handle");
            ConvolutionDescriptors d = DescriptorsFor(call.Shape, call.MathType);
            if (call.FusedActivation is { } mode)
            {
                cudnn.ConvolutionBiasActivationForward(
                    d.X, new DevicePtr(call.X), d.W, new DevicePtr(call.W), d.Convolution, call.Algorithm, new DevicePtr(call.Workspace),
                    call.WorkspaceBytes, BiasDescriptorFor(call.Shape.OutChannels), new DevicePtr(call.Bias), ActivationFor(mode), d.Y, new DevicePtr(call.Y));
                return;
            }

            cudnn.ConvolutionForward(
                1f, d.X, new DevicePtr(call.X), d.W, new DevicePtr(call.W), d.Convolution, call.Algorithm,
                new DevicePtr(call.Workspace), call.WorkspaceBytes, 0f, d.Y, new DevicePtr(call.Y));
        }

        public void Dispose()
        {
            foreach (ConvolutionDescriptors d in _descriptors.Values)
            {
                d.Dispose();
            }

            foreach (TensorDescriptor bias in _biasDescriptors.Values)
            {
                bias.Dispose();
            }

            foreach (ActivationDescriptor activation in _activations.Values)
            {
                activation.Dispose();
            }

            _cublas?.Dispose();
            _cublasWorkspace?.Dispose();
            _cudnn?.Dispose();
        }

        // cuDNN pads symmetrically; ONNX pads (auto_pad SAME_*, explicit pads) may not be, and then the
        // output size differs and the convolution takes the im2col path.
        private bool CudnnComputes(ConvolutionShape shape, CudnnMathType mathType)
        {
            ConvolutionDescriptors d = DescriptorsFor(shape, mathType);
            (int n, int c, int h, int w) = d.Convolution.OutputDimensions(d.X, d.W);
            return (n, c, h, w) == (shape.Batch, shape.OutChannels, shape.OutH, shape.OutW);
        }

        /// <summary>
        /// Times cuDNN's algorithms (cudnnFindConvolutionForwardAlgorithmEx, with at most <paramref name="limit"/> bytes
        /// of workspace, never more than half the free memory) and the im2col path on scratch buffers of the shape's size.
        /// </summary>
        private ConvolutionCandidates Measure(ConvolutionShape s, ConvolutionDescriptors d, GpuMath math, ulong limit, ConvolutionCandidates candidates)
        {
            CudaContext context = Stream.Context;
            long xBytes = (long)s.Batch * s.InChannels * s.InH * s.InW * sizeof(float);
            long wBytes = (long)s.OutChannels * (s.InChannels / s.Groups) * s.KernelH * s.KernelW * sizeof(float);
            long yBytes = (long)s.Batch * s.OutChannels * s.Positions * sizeof(float);
            long colBytes = (long)s.PatchRows * s.Positions * sizeof(float);
            long workspaceBytes = (long)Math.Min(limit, CudaDriver.MemoryInfo(context).Free / 2);
            using DeviceBuffer<byte> x = context.Allocate<byte>(Math.Max(xBytes, 256));
            using DeviceBuffer<byte> w = context.Allocate<byte>(Math.Max(wBytes, 256));
            using DeviceBuffer<byte> y = context.Allocate<byte>(Math.Max(yBytes, 256));
            using DeviceBuffer<byte> workspace = context.Allocate<byte>(Math.Max(Math.Max(workspaceBytes, colBytes), 256));

            // Zeros, so no algorithm meets NaNs or denormals the real data would not bring.
            x.ClearAsync(Stream);
            w.ClearAsync(Stream);
            Stream.Synchronize();
            IReadOnlyList<ConvolutionAlgorithmChoice> measured = _cudnn!.FindForwardAlgorithms(
                d.X, x.Pointer, d.W, w.Pointer, d.Convolution, d.Y, y.Pointer, workspace.Pointer, (ulong)workspaceBytes);

            RequireCublas();
            List<CudaStep> im2col = CudaLowering.Im2ColConvolution(
                $"measure {s}", s, math, x.Pointer.Address, w.Pointer.Address, y.Pointer.Address, workspace.Pointer.Address);
            using CudaEvent start = CudaEvent.Create(context);
            using CudaEvent end = CudaEvent.Create(context);
            im2col.ForEach(step => step.Run(this));
            Stream.Record(start);
            for (int run = 0; run < Im2ColTimedRuns; run++)
            {
                im2col.ForEach(step => step.Run(this));
            }

            Stream.Record(end);
            end.Synchronize();
            return candidates with { Measured = measured, Im2ColMilliseconds = CudaEvent.ElapsedMilliseconds(start, end) / Im2ColTimedRuns };
        }

        // The bias of a fused convolution: K floats, broadcast over N, H and W as a 1×K×1×1 tensor.
        private TensorDescriptor BiasDescriptorFor(int channels)
        {
            if (!_biasDescriptors.TryGetValue(channels, out TensorDescriptor? d))
            {
                d = TensorDescriptor.Create4d(CudnnTensorFormat.Nchw, CudnnDataType.Float, 1, channels, 1, 1);
                _biasDescriptors[channels] = d;
            }

            return d;
        }

        private ActivationDescriptor ActivationFor(CudnnActivationMode mode)
        {
            if (!_activations.TryGetValue(mode, out ActivationDescriptor? d))
            {
                d = ActivationDescriptor.Create(mode);
                _activations[mode] = d;
            }

            return d;
        }

        // cuDNN runs an algorithm in the math type of the descriptor it is given, so each math type has its own.
        private ConvolutionDescriptors DescriptorsFor(ConvolutionShape s, CudnnMathType mathType)
        {
            if (!_descriptors.TryGetValue((s, mathType), out ConvolutionDescriptors? d))
            {
                d = ConvolutionDescriptors.Create(s, mathType);
                _descriptors[(s, mathType)] = d;
            }

            return d;
        }
    }

    /// <param name="Measured">Whether the choice was (to be) measured; a heuristic choice does not stand in for a measured one.</param>
    private readonly record struct ConvolutionChoiceKey(
        ConvolutionShape Shape, int DeviceOrdinal, int SmCount, GpuPrecision Precision, ulong WorkspaceLimitBytes, bool Measured);

    private sealed record ConvolutionDescriptors(TensorDescriptor X, FilterDescriptor W, ConvolutionDescriptor Convolution, TensorDescriptor Y) : IDisposable
    {
        [SuppressMessage("Reliability", "CA2000", Justification = "Disposed on failure; owned by the record on success.")]
        public static ConvolutionDescriptors Create(ConvolutionShape s, CudnnMathType mathType)
        {
            var created = new List<IDisposable>(4);
            T Keep<T>(T descriptor)
                where T : IDisposable
            {
                created.Add(descriptor);
                return descriptor;
            }

            try
            {
                Window2D w = s.Window;
                return new ConvolutionDescriptors(
                    Keep(TensorDescriptor.Create4d(CudnnTensorFormat.Nchw, CudnnDataType.Float, s.Batch, s.InChannels, s.InH, s.InW)),
                    Keep(FilterDescriptor.Create4d(CudnnDataType.Float, CudnnTensorFormat.Nchw, s.OutChannels, s.InChannels / s.Groups, s.KernelH, s.KernelW)),
                    Keep(ConvolutionDescriptor.Create2d(w.PadTop, w.PadLeft, w.StrideH, w.StrideW, w.DilationH, w.DilationW, groupCount: s.Groups, mathType: mathType)),
                    Keep(TensorDescriptor.Create4d(CudnnTensorFormat.Nchw, CudnnDataType.Float, s.Batch, s.OutChannels, s.OutH, s.OutW)));
            }
            catch
            {
                created.ForEach(d => d.Dispose());
                throw;
            }
        }

        public void Dispose()
        {
            X.Dispose();
            W.Dispose();
            Convolution.Dispose();
            Y.Dispose();
        }
    }
}
