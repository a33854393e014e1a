using Esen.Kernels.Graph;

namespace Esen.Kernels.Cuda;

/// <summary>A kernel entry point in one of the <see cref="PtxModules"/>.</summary>
/// <param name="Module">The module (kernels/&lt;Module&gt;.cu).</param>
/// <param name="EntryPoint">The <c>extern "C"</c> name, as in the PTX <c>.entry</c>.</param>
internal abstract record PtxKernel(string Module, string EntryPoint)
{
    /// <summary>The <see cref="CudaKernelArgs"/> struct that mirrors the entry point's parameters.</summary>
    public abstract Type ArgsType { get; }
}

/// <summary>A kernel entry point whose launch arguments are <typeparamref name="TArgs"/>.</summary>
internal sealed record PtxKernel<TArgs>(string Module, string EntryPoint) : PtxKernel(Module, EntryPoint)
    where TArgs : unmanaged
{
    /// <inheritdoc/>
    public override Type ArgsType => typeof(TArgs);
}

/// <summary>Every entry point in kernels/*.cu with its argument struct.</summary>
internal static class PtxKernels
{
    public static PtxKernel<CudaKernelArgs.BiasActivation> BiasActivation { get; } = new("activation", "esen_bias_activation");

    public static PtxKernel<CudaKernelArgs.Clip> Clip { get; } = new("activation", "esen_clip");

    public static PtxKernel<CudaKernelArgs.Clip> ClipInt8 { get; } = new("activation", "esen_clip_int8");

    public static PtxKernel<CudaKernelArgs.Clip> ClipUInt8 { get; } = new("activation", "esen_clip_uint8");

    public static PtxKernel<CudaKernelArgs.Binary> Add { get; } = new("elementwise", "esen_add");

    public static PtxKernel<CudaKernelArgs.Binary> Sub { get; } = new("elementwise", "esen_sub");

    public static PtxKernel<CudaKernelArgs.Binary> Mul { get; } = new("elementwise", "esen_mul");

    public static PtxKernel<CudaKernelArgs.Binary> Div { get; } = new("elementwise", "esen_div");

    /// <summary>The element types with <c>esen_&lt;op&gt;_&lt;type&gt;</c> binary kernels: float64, float16 and every integer type.</summary>
    public static IReadOnlyList<DataType> BinaryTypes { get; } =
    [
        DataType.Float64, DataType.Float16, DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64,
    ];

    /// <summary>The element types with <c>esen_max_&lt;type&gt;</c> kernels: float64 and every integer type.</summary>
    public static IReadOnlyList<DataType> MaxTypes { get; } = [.. BinaryTypes.Where(t => t != DataType.Float16)];

    public static PtxKernel<CudaKernelArgs.Cast> Cast { get; } = new("elementwise", "esen_cast");

    public static PtxKernel<CudaKernelArgs.Binary> Max { get; } = new("math", "esen_max");

    public static PtxKernel<CudaKernelArgs.Unary> Sqrt { get; } = new("math", "esen_sqrt");

    public static PtxKernel<CudaKernelArgs.Unary> Log { get; } = new("math", "esen_log");

    public static PtxKernel<CudaKernelArgs.Unary> Neg { get; } = new("math", "esen_neg");

    /// <summary>The base types with <c>esen_pow_&lt;base&gt;_&lt;exponent&gt;</c> kernels.</summary>
    public static IReadOnlyList<DataType> PowBaseTypes { get; } = [DataType.Float32, DataType.Int32, DataType.Int64];

    /// <summary>The exponent types with <c>esen_pow_&lt;base&gt;_&lt;exponent&gt;</c> kernels.</summary>
    public static IReadOnlyList<DataType> PowExponentTypes { get; } = [DataType.Float32, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64];

    /// <summary>The element types with <c>esen_&lt;comparison&gt;_&lt;type&gt;</c> kernels: float32 and the <see cref="BinaryTypes"/>.</summary>
    public static IReadOnlyList<DataType> ComparisonTypes { get; } = [DataType.Float32, .. BinaryTypes];

    // The comparisons' kernel names (esen_<name>_<type>); declared before All, which reads it.
    private static readonly Dictionary<string, string> s_comparisons = new(StringComparer.Ordinal)
    {
        ["Equal"] = "equal", ["Greater"] = "greater", ["GreaterOrEqual"] = "greater_or_equal", ["Less"] = "less", ["LessOrEqual"] = "less_or_equal",
    };

    public static PtxKernel<CudaKernelArgs.Unary> Not { get; } = new("elementwise", "esen_not");

    public static PtxKernel<CudaKernelArgs.FillOne> FillOne { get; } = new("elementwise", "esen_fill_one");

    public static PtxKernel<CudaKernelArgs.Copy> Copy { get; } = new("layout", "esen_copy");

    public static PtxKernel<CudaKernelArgs.Copy> CopyBytes { get; } = new("layout", "esen_copy_bytes");


    public static PtxKernel<CudaKernelArgs.StridedCopy> StridedCopy { get; } = new("layout", "esen_strided_copy");

    public static PtxKernel<CudaKernelArgs.StridedCopy> StridedCopyInt64 { get; } = new("layout", "esen_strided_copy_int64");

    public static PtxKernel<CudaKernelArgs.StridedCopy> StridedCopyInt16 { get; } = new("layout", "esen_strided_copy_int16");

    public static PtxKernel<CudaKernelArgs.StridedCopy> StridedCopyInt8 { get; } = new("layout", "esen_strided_copy_int8");

    public static PtxKernel<CudaKernelArgs.Pad> Pad { get; } = new("layout", "esen_pad");

    public static PtxKernel<CudaKernelArgs.Pad> PadInt64 { get; } = new("layout", "esen_pad_int64");

    public static PtxKernel<CudaKernelArgs.Pad> PadInt16 { get; } = new("layout", "esen_pad_int16");

    public static PtxKernel<CudaKernelArgs.Pad> PadInt8 { get; } = new("layout", "esen_pad_int8");

    public static PtxKernel<CudaKernelArgs.ConcatSlab> ConcatSlab { get; } = new("layout", "esen_concat_slab");

    public static PtxKernel<CudaKernelArgs.ConcatSlab> ConcatSlabInt16 { get; } = new("layout", "esen_concat_slab_int16");

    public static PtxKernel<CudaKernelArgs.ConcatSlab> ConcatSlabInt8 { get; } = new("layout", "esen_concat_slab_int8");

    public static PtxKernel<CudaKernelArgs.Gather> Gather { get; } = new("layout", "esen_gather");

    public static PtxKernel<CudaKernelArgs.Gather> GatherInt16 { get; } = new("layout", "esen_gather_int16");

    public static PtxKernel<CudaKernelArgs.Gather> GatherInt8 { get; } = new("layout", "esen_gather_int8");

    public static PtxKernel<CudaKernelArgs.Gather> GatherByInt32 { get; } = new("layout", "esen_gather_by_int32");

    public static PtxKernel<CudaKernelArgs.Gather> GatherInt16ByInt32 { get; } = new("layout", "esen_gather_int16_by_int32");

    public static PtxKernel<CudaKernelArgs.Gather> GatherInt8ByInt32 { get; } = new("layout", "esen_gather_int8_by_int32");

    public static PtxKernel<CudaKernelArgs.MatMulDouble> MatMulDouble { get; } = new("matmul", "esen_matmul_double");

    public static PtxKernel<CudaKernelArgs.MaxPool> MaxPool { get; } = new("pooling", "esen_max_pool");

    public static PtxKernel<CudaKernelArgs.MaxPool> MaxPoolInt8 { get; } = new("pooling", "esen_max_pool_int8");

    public static PtxKernel<CudaKernelArgs.MaxPool> MaxPoolUInt8 { get; } = new("pooling", "esen_max_pool_uint8");

    public static PtxKernel<CudaKernelArgs.AvgPool> AvgPool { get; } = new("pooling", "esen_avg_pool");

    public static PtxKernel<CudaKernelArgs.GlobalAvgPool> GlobalAvgPool { get; } = new("pooling", "esen_global_avg_pool");

    public static PtxKernel<CudaKernelArgs.BatchNorm> BatchNorm { get; } = new("normalization", "esen_batch_norm");

    public static PtxKernel<CudaKernelArgs.LayerNorm> LayerNorm { get; } = new("normalization", "esen_layer_norm");

    public static PtxKernel<CudaKernelArgs.Reduce> ReduceMean { get; } = new("reduce", "esen_reduce_mean");

    public static PtxKernel<CudaKernelArgs.Reduce> ReduceMax { get; } = new("reduce", "esen_reduce_max");

    public static PtxKernel<CudaKernelArgs.Softmax> Softmax { get; } = new("softmax", "esen_softmax");

    public static PtxKernel<CudaKernelArgs.SoftmaxAxis> SoftmaxAxis { get; } = new("softmax", "esen_softmax_axis");

    public static PtxKernel<CudaKernelArgs.Im2Col> Im2Col { get; } = new("im2col", "esen_im2col");

    public static PtxKernel<CudaKernelArgs.Im2Col3D> Im2Col3D { get; } = new("im2col", "esen_im2col_3d");

    public static PtxKernel<CudaKernelArgs.Col2Im3D> Col2Im3D { get; } = new("im2col", "esen_col2im_3d");

    public static PtxKernel<CudaKernelArgs.Resize> Resize { get; } = new("resize", "esen_resize");

    public static PtxKernel<CudaKernelArgs.EnsembleMean> EnsembleMean { get; } = new("ensemble", "esen_ensemble_mean");

    public static PtxKernel<CudaKernelArgs.EnsembleWeightedMean> EnsembleWeightedMean { get; } = new("ensemble", "esen_ensemble_weighted_mean");

    public static PtxKernel<CudaKernelArgs.EnsembleVote> EnsembleVote { get; } = new("ensemble", "esen_ensemble_vote");

    public static PtxKernel<CudaKernelArgs.CascadeGate> CascadeGate { get; } = new("cascade", "esen_cascade_gate");

    public static PtxKernel<CudaKernelArgs.RowMove> GatherRows { get; } = new("cascade", "esen_gather_rows");

    public static PtxKernel<CudaKernelArgs.RowMove> ScatterRows { get; } = new("cascade", "esen_scatter_rows");

    /// <summary>All of the above, and every <see cref="Binary"/>, <see cref="IntegerDiv"/>, <see cref="MaxOf"/>, <see cref="Pow"/>, <see cref="Predicate"/> and <see cref="Where"/> kernel.</summary>
    public static IReadOnlyList<PtxKernel> All { get; } =
    [
        BiasActivation, Clip, ClipInt8, ClipUInt8, Add, Sub, Mul, Div, Cast, FillOne, Copy, CopyBytes,
        StridedCopy, StridedCopyInt64, StridedCopyInt16, StridedCopyInt8, Pad, PadInt64, PadInt16, PadInt8, ConcatSlab, ConcatSlabInt16, ConcatSlabInt8,
        Gather, GatherInt16, GatherInt8, GatherByInt32, GatherInt16ByInt32, GatherInt8ByInt32,
        MatMulDouble, MaxPool, MaxPoolInt8, MaxPoolUInt8, AvgPool, GlobalAvgPool, BatchNorm, LayerNorm, Max, Sqrt, Log, Neg, ReduceMean, ReduceMax, Softmax, SoftmaxAxis, Im2Col, Im2Col3D, Col2Im3D, Resize,
        EnsembleMean,
        EnsembleWeightedMean, EnsembleVote, CascadeGate, GatherRows, ScatterRows,
        .. BinaryTypes.SelectMany(t => new[] { "Add", "Sub", "Mul" }.Select(op => Binary(op, t))),
        .. BinaryTypes.Where(DataTypes.IsFloatingPoint).Select(t => Binary("Div", t)),
        .. BinaryTypes.Where(t => !DataTypes.IsFloatingPoint(t)).Select(IntegerDiv),
        .. MaxTypes.Select(MaxOf),
        .. PowBaseTypes.SelectMany(b => PowExponentTypes.Select(e => Pow(b, e))),
        Not, Predicate("And", DataType.Bool), Predicate("Or", DataType.Bool), Predicate("Equal", DataType.Bool),
        .. ComparisonTypes.SelectMany(t => s_comparisons.Keys.Select(op => Predicate(op, t))),
        .. new[] { 1, 2, 4, 8 }.Select(Where),
    ];

    /// <summary>
    /// <c>esen_&lt;op&gt;_&lt;type&gt;</c> (<c>esen_greater_or_equal_int64</c>, …) for a comparison of one of the
    /// <see cref="ComparisonTypes"/>, <c>esen_equal_bool</c>, and <c>esen_and</c> and <c>esen_or</c> of bool; the output is bool.
    /// </summary>
    /// <exception cref="ArgumentException">Another op or type.</exception>
    public static PtxKernel<CudaKernelArgs.Binary> Predicate(string op, DataType type) => (op, type) switch
    {
        ("And" or "Or", DataType.Bool) => new("elementwise", $"esen_{op.ToLowerInvariant()}"),
        ("Equal", DataType.Bool) => new("elementwise", "esen_equal_bool"),
        _ when s_comparisons.TryGetValue(op, out string? name) && ComparisonTypes.Contains(type) => new("elementwise", $"esen_{name}_{DataTypes.Name(type)}"),
        _ => throw new ArgumentException($"no {op} kernel of {DataTypes.Name(type)}", nameof(op)),
    };

    /// <summary><c>esen_where_int8</c> … <c>esen_where_int64</c>: Where on elements of <paramref name="bytes"/> bytes (1, 2, 4 or 8).</summary>
    /// <exception cref="ArgumentException">Another size.</exception>
    public static PtxKernel<CudaKernelArgs.Where> Where(int bytes) =>
        bytes is 1 or 2 or 4 or 8 ? new("elementwise", $"esen_where_int{bytes * 8}") : throw new ArgumentException($"no Where kernel of {bytes}-byte elements", nameof(bytes));

    /// <summary><c>esen_max_&lt;type&gt;</c>: Max of two inputs of one of the <see cref="MaxTypes"/>.</summary>
    /// <exception cref="ArgumentException">Another type.</exception>
    public static PtxKernel<CudaKernelArgs.Binary> MaxOf(DataType type) =>
        MaxTypes.Contains(type)
            ? new("math", $"esen_max_{DataTypes.Name(type)}")
            : throw new ArgumentException($"no esen_max kernel of {DataTypes.Name(type)}", nameof(type));

    /// <summary>
    /// <c>esen_pow_&lt;base&gt;_&lt;exponent&gt;</c>: Pow of one of the <see cref="PowBaseTypes"/> to one of the
    /// <see cref="PowExponentTypes"/>; its arguments are <see cref="CudaKernelArgs.Binary"/>'s, A the base and B the exponent.
    /// </summary>
    /// <exception cref="ArgumentException">Another type.</exception>
    public static PtxKernel<CudaKernelArgs.Binary> Pow(DataType baseType, DataType exponentType) =>
        PowBaseTypes.Contains(baseType) && PowExponentTypes.Contains(exponentType)
            ? new("math", $"esen_pow_{DataTypes.Name(baseType)}_{DataTypes.Name(exponentType)}")
            : throw new ArgumentException($"no esen_pow kernel of {DataTypes.Name(baseType)} to {DataTypes.Name(exponentType)}", nameof(baseType));

    /// <summary>
    /// <c>esen_&lt;op&gt;_&lt;type&gt;</c> (<c>esen_add_int8</c>, …) for an ONNX <paramref name="op"/> (Add, Sub, Mul; Div of float64 and float16)
    /// on one of the <see cref="BinaryTypes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Integer Div (<see cref="IntegerDiv"/>), or another type.</exception>
    public static PtxKernel<CudaKernelArgs.Binary> Binary(string op, DataType type) =>
        BinaryTypes.Contains(type) && (op is "Add" or "Sub" or "Mul" || (op == "Div" && DataTypes.IsFloatingPoint(type)))
            ? new("elementwise", $"esen_{op.ToLowerInvariant()}_{DataTypes.Name(type)}")
            : throw new ArgumentException($"no esen_{op.ToLowerInvariant()} kernel of {DataTypes.Name(type)}", nameof(op));

    /// <summary><c>esen_div_&lt;type&gt;</c> of an integer <paramref name="type"/>, which reports a zero divisor.</summary>
    /// <exception cref="ArgumentException">Not an integer type.</exception>
    public static PtxKernel<CudaKernelArgs.IntegerDiv> IntegerDiv(DataType type) =>
        BinaryTypes.Contains(type) && !DataTypes.IsFloatingPoint(type)
            ? new("elementwise", $"esen_div_{DataTypes.Name(type)}")
            : throw new ArgumentException($"no integer division kernel of {DataTypes.Name(type)}", nameof(type));
}
