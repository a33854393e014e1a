using System.Runtime.InteropServices;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cuda.Host;

/// <summary>
/// Runs a <see cref="LayerGraph"/> through the CUDA executor's planning without a GPU: the same schedule, layout and
/// lowered steps as <see cref="CudaExecutor"/>, carried out on the host. Every device region is host memory with a
/// guard after it (a step writing past a region fails the run), PTX launches run the kernels of kernels/*.cu built
/// for the host by clang++ (<see cref="HostKernelLibrary"/>), cuBLAS and cuDNN calls run their documented semantics
/// (<see cref="HostCublas"/>, <see cref="HostCudnn"/>). With <see cref="CudaExecutorOptions.UseCudnn"/> off every
/// convolution takes the im2col + GEMM path. <see cref="CudaExecutorOptions.DeviceOrdinal"/> and
/// <see cref="CudaExecutorOptions.CublasSmCountTarget"/> do not apply, and TF32 is planned but computed in fp32.
/// It plans on every run; a kernel's fault is thrown after the steps, as on the GPU.
/// </summary>
public sealed class CudaHostExecutor : IExecutor
{
    private readonly LayerGraph _runGraph;

    /// <summary>Creates the executor; the host kernels are built (or found in their cache) on first use.</summary>
    public CudaHostExecutor(LayerGraph graph, CudaExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        Options = options ?? new CudaExecutorOptions();
        _runGraph = Options.Optimize ? GraphRewrites.Optimize(graph) : graph;
    }

    /// <inheritdoc/>
    public LayerGraph Graph { get; }

    /// <summary>The options.</summary>
    public CudaExecutorOptions Options { get; }

    /// <summary>The folder clang++ is looked for in: <c>ESEN_LLVM_BIN</c>, else <c>/usr/lib/llvm-19/bin</c>.</summary>
    public static string CompilerDirectory => HostToolchain.LlvmBin;

    /// <summary>Builds (or finds in the cache) and loads the host build of the kernels.</summary>
    /// <exception cref="NotSupportedException">clang++ is missing; the message says where it was looked for.</exception>
    /// <exception cref="InvalidOperationException">clang++ could not build the kernels.</exception>
    public static void EnsureKernels() => HostKernelLibrary.EnsureLoaded();

    /// <summary>Plans for the given input shapes and describes the plan.</summary>
    /// <exception cref="GraphException">Shape inference failed, or a node has no CUDA lowering (<see cref="UnsupportedModelException"/>).</exception>
    public ExecutionPlanInfo Prepare(IReadOnlyDictionary<string, TensorShape> inputShapes)
    {
        CudaLayout layout = Layout(inputShapes, known: null);
        CudaLowering.Lower(layout, new ulong[layout.Regions.Count]);
        ExecutionSchedule schedule = layout.Schedule;
        return new ExecutionPlanInfo(schedule.Shapes, schedule.Running.Count, schedule.ArenaBytes, schedule.UnplannedBytes, schedule.InPlaceConcatInputs);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        // As on the GPU, small int64 inputs specialise the plan on their values.
        CudaLayout layout = Layout(ExecutionSchedule.BindInputs(Graph, inputs), ExecutionSchedule.SpecializedInputs(_runGraph, inputs));
        HostKernelLibrary.EnsureLoaded();
        HostBuffer[] regions = [.. layout.Regions.Select(r => HostBuffer.OfBytes(r.Bytes))];
        try
        {
            IReadOnlyList<CudaStep> steps = CudaLowering.Lower(layout, [.. regions.Select(r => r.Address)]);
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
                    source.AsBytes().CopyTo(regions[i].Bytes);
                }
            }

            MemoryMarshal.Write(regions[layout.FaultRegion].Bytes, 0);
            foreach (CudaStep step in steps)
            {
                step.Run(HostStepRunner.Instance);
            }

            for (int i = 0; i < regions.Length; i++)
            {
                regions[i].EnsureGuardIntact($"device region {i} ({layout.Regions[i].Kind} '{layout.Regions[i].Value}')");
            }

            if (CudaLowering.FaultError(steps, MemoryMarshal.Read<int>(regions[layout.FaultRegion].Bytes)) is { } error)
            {
                throw error;
            }

            var outputs = new Dictionary<string, Tensor>();
            foreach (ValueInfo output in _runGraph.Outputs)
            {
                TensorInfo info = layout.Schedule.Shapes[output.Name];
                Tensor tensor = Tensor.Zeros(info.DataType, info.Shape);
                regions[layout.OutputRegion(output.Name)].Bytes[..(int)info.ByteCount].CopyTo(tensor.AsBytes());
                outputs[output.Name] = tensor;
            }

            return outputs;
        }
        finally
        {
            foreach (HostBuffer region in regions)
            {
                region.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private CudaLayout Layout(IReadOnlyDictionary<string, TensorShape> shapes, IReadOnlyDictionary<string, Tensor>? known)
    {
        var schedule = ExecutionSchedule.Build(_runGraph, ShapeInference.Infer(_runGraph, shapes, known));
        var math = new GpuMath(Options.Precision);
        ulong limit = (ulong)Math.Max(0, Options.ConvolutionWorkspaceLimitBytes);
        return CudaLayout.Create(schedule, math, shape => ConvolutionAlgorithmRule.Choose(
            math, limit, new ConvolutionCandidates(Options.UseCudnn ? HostCudnn.ProposeConvolutions(shape, math.ConvolutionMathType) : [])).Cudnn);
    }
}
