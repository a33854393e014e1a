using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cuda;

/// <summary>What a device region holds.</summary>
internal enum DeviceRegionKind
{
    /// <summary>The liveness-planned intermediates of one element type (<see cref="ExecutionSchedule"/>).</summary>
    Arena,

    /// <summary>A constant a running node reads, uploaded once per plan.</summary>
    Constant,

    /// <summary>A graph input, uploaded on every run.</summary>
    Input,

    /// <summary>A graph output, copied there by the last steps and downloaded on every run.</summary>
    Output,

    /// <summary>Scratch of one node at a time, so shared: a convolution's im2col matrix or cuDNN workspace, LayerNormalization's expanded rows, the float32 copies of a node that computes in float32.</summary>
    Workspace,

    /// <summary>
    /// One int a kernel sets when it meets an error that planning cannot rule out (a Gather index out of range):
    /// zeroed when the plan is made, read after each run (<see cref="CudaStep.Fault"/>).
    /// </summary>
    Fault,
}

/// <summary>One device allocation of a plan.</summary>
/// <param name="Kind">What it holds.</param>
/// <param name="Value">The value it holds (input, output, constant) or the arena's element type name.</param>
/// <param name="Bytes">Its size.</param>
internal sealed record DeviceRegion(DeviceRegionKind Kind, string Value, long Bytes);

/// <summary>
/// The device memory of one plan, before any address is known: one arena per element type (offsets from the
/// shared <see cref="ExecutionSchedule"/>), one region per graph input, graph output and constant a
/// running node reads, the workspace and the fault word. It also fixes how each convolution runs (cuDNN with a chosen
/// algorithm, or im2col + cuBLAS) because that decides the workspace size, and the math every
/// convolution and GEMM of the plan runs in.
/// </summary>
internal sealed class CudaLayout
{
    private readonly Dictionary<string, int> _regionOf = [];
    private readonly List<DeviceRegion> _regions = [];
    private readonly Dictionary<DataType, int> _arenaRegion = [];
    private readonly Dictionary<string, ConvolutionAlgorithm> _cudnn = [];
    private readonly Dictionary<string, long> _scratchBytes = [];

    private CudaLayout(ExecutionSchedule schedule, GpuMath math)
    {
        Schedule = schedule;
        GpuMath = math;
    }

    /// <summary>The shared schedule (constants, running nodes, arena offsets).</summary>
    public ExecutionSchedule Schedule { get; }

    /// <summary>The precision's cuDNN and cuBLAS settings, which the lowering hands to every call.</summary>
    public GpuMath GpuMath { get; }

    /// <summary>The regions to allocate; <see cref="CudaLowering.Lower"/> takes their base addresses in this order.</summary>
    public IReadOnlyList<DeviceRegion> Regions => _regions;

    /// <summary>The cuDNN algorithm per Conv node (keyed by its output); a Conv without one runs as im2col + cuBLAS.</summary>
    public IReadOnlyDictionary<string, ConvolutionAlgorithm> CudnnConvolutions => _cudnn;

    /// <summary>Index of the workspace region.</summary>
    public int WorkspaceRegion { get; private set; }

    /// <summary>Index of the fault word's region.</summary>
    public int FaultRegion { get; private set; }

    /// <summary>
    /// Lays out <paramref name="schedule"/> for <paramref name="math"/>. <paramref name="chooseConvolution"/>
    /// decides how a convolution shape runs (<see cref="ConvolutionAlgorithmRule"/>): a cuDNN algorithm, or
    /// null for im2col + cuBLAS.
    /// </summary>
    public static CudaLayout Create(ExecutionSchedule schedule, GpuMath math, Func<ConvolutionShape, ConvolutionAlgorithm?> chooseConvolution)
    {
        var layout = new CudaLayout(schedule, math);
        InferredShapes shapes = schedule.Shapes;
        // One arena per element type: float32 and int64 always (their order is fixed), then each other type the schedule
        // places intermediates of.
        IEnumerable<DataType> others = schedule.ArenaElements.Where(a => a.Value > 0 && a.Key is not (DataType.Float32 or DataType.Int64)).Select(a => a.Key).Order();
        foreach (DataType type in new[] { DataType.Float32, DataType.Int64 }.Concat(others))
        {
            layout._arenaRegion[type] = layout.Add(DeviceRegionKind.Arena, DataTypes.Name(type), schedule.ArenaElements.GetValueOrDefault(type) * DataTypes.SizeOf(type));
        }

        foreach (ValueInfo input in shapes.Graph.Inputs.Where(i => !schedule.Constants.ContainsKey(i.Name)))
        {
            layout._regionOf[input.Name] = layout.Add(DeviceRegionKind.Input, input.Name, shapes[input.Name].ByteCount);
        }

        foreach (string constant in schedule.Running.SelectMany(n => n.Inputs).Where(schedule.Constants.ContainsKey).Distinct())
        {
            layout._regionOf[constant] = layout.Add(DeviceRegionKind.Constant, constant, schedule.Constants[constant].ByteCount);
        }

        foreach (ValueInfo output in shapes.Graph.Outputs)
        {
            if (schedule.Constants.ContainsKey(output.Name) && !layout._regionOf.ContainsKey(output.Name))
            {
                layout._regionOf[output.Name] = layout.Add(DeviceRegionKind.Constant, output.Name, schedule.Constants[output.Name].ByteCount);
            }
        }

        // Each node's own scratch (a convolution's im2col matrix or cuDNN workspace, a ConvTranspose's columns,
        // LayerNormalization's expanded rows),
        // then the float32 copies of a node that runs in float32 (CudaLowering.Float32Copies); the largest need is the workspace.
        foreach (Node node in schedule.Running.Where(n => n.OpType == "Conv"))
        {
            TensorShape xs = shapes[node.Inputs[0]].Shape;
            if (xs.Rank == 5)
            {
                // A 3-D convolution runs as im2col_3d + cuBLAS; the workspace holds one image's columns.
                var volume = Conv3DShape.Of(node, xs, shapes[node.Inputs[1]].Shape);
                layout._scratchBytes[node.Outputs[0]] = (long)volume.PatchRows * volume.Positions * sizeof(float);
                continue;
            }

            ConvolutionShape shape = CudaLowering.ConvolutionShapeOf(node, shapes);
            if (chooseConvolution(shape) is { } chosen)
            {
                layout._cudnn[node.Outputs[0]] = chosen;
                layout._scratchBytes[node.Outputs[0]] = (long)chosen.WorkspaceBytes;
            }
            else
            {
                layout._scratchBytes[node.Outputs[0]] = (long)shape.PatchRows * shape.Positions * sizeof(float);
            }
        }

        foreach (Node node in schedule.Running.Where(n => n.OpType == "ConvTranspose"))
        {
            ConvTransposeGeometry g = CudaLowering.ConvTransposeGeometryOf(node, shapes);
            layout._scratchBytes[node.Outputs[0]] = (long)g.Groups * g.ColumnRowsPerGroup * g.Positions * sizeof(float);
        }

        foreach (Node node in schedule.Running.Where(n => n.OpType == "LayerNormalization"))
        {
            layout._scratchBytes[node.Outputs[0]] = CudaLowering.LayerNormRowsBytes(node, shapes);
        }

        long workspace = schedule.Running.Select(n => CudaLowering.Float32CopiesBytes(n, shapes) is var copies && copies > 0
            ? layout.Float32CopiesOffset(n) + copies
            : layout._scratchBytes.GetValueOrDefault(n.Outputs[0])).DefaultIfEmpty(0).Max();

        layout.WorkspaceRegion = layout.Add(DeviceRegionKind.Workspace, "workspace", workspace);
        layout.FaultRegion = layout.Add(DeviceRegionKind.Fault, "fault", sizeof(int));
        foreach (ValueInfo output in shapes.Graph.Outputs)
        {
            layout.Add(DeviceRegionKind.Output, output.Name, shapes[output.Name].ByteCount);
        }

        return layout;
    }

    /// <summary>The region index and byte offset where <paramref name="value"/> lives during a run.</summary>
    /// <exception cref="InvalidOperationException">The value has no device buffer (a bug in the lowering).</exception>
    public (int Region, long ByteOffset) Place(string value)
    {
        if (_regionOf.TryGetValue(value, out int region))
        {
            return (region, 0);
        }

        if (Schedule.ArenaOffset(value) is { } offset)
        {
            DataType type = Schedule.Shapes[value].DataType;
            return (_arenaRegion[type], offset * DataTypes.SizeOf(type));
        }

        throw new InvalidOperationException($"value '{value}' has no device buffer");
    }

    /// <summary>
    /// Where in the workspace the float32 copies of a node that runs in float32 start (<see cref="CudaLowering.Float32Copies"/>):
    /// after the node's own scratch, 256-byte aligned.
    /// </summary>
    public long Float32CopiesOffset(Node node) => CudaLowering.AlignWorkspace(_scratchBytes.GetValueOrDefault(node.Outputs[0]));

    /// <summary>The index of the output region of graph output <paramref name="name"/>.</summary>
    public int OutputRegion(string name) => _regions.FindIndex(r => r.Kind == DeviceRegionKind.Output && r.Value == name);

    private int Add(DeviceRegionKind kind, string value, long bytes)
    {
        _regions.Add(new DeviceRegion(kind, value, bytes));
        return _regions.Count - 1;
    }
}
