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

    public static PtxKernel<CudaKernelArgs.Binary> Add { get; } = new("elementwise", "esen_add");

    public static PtxKernel<CudaKernelArgs.Binary> Sub { get; } = new("elementwise", "esen_sub");

    public static PtxKernel<CudaKernelArgs.Binary> Mul { get; } = new("elementwise", "esen_mul");

    public static PtxKernel<CudaKernelArgs.Binary> Div { get; } = new("elementwise", "esen_div");

    public static PtxKernel<CudaKernelArgs.Binary> AddInt64 { get; } = new("elementwise", "esen_add_int64");

    public static PtxKernel<CudaKernelArgs.Binary> SubInt64 { get; } = new("elementwise", "esen_sub_int64");

    public static PtxKernel<CudaKernelArgs.Binary> MulInt64 { get; } = new("elementwise", "esen_mul_int64");

    public static PtxKernel<CudaKernelArgs.DivInt64> DivInt64 { get; } = new("elementwise", "esen_div_int64");

    public static PtxKernel<CudaKernelArgs.Cast> CastFloatToInt64 { get; } = new("elementwise", "esen_cast_float_to_int64");

    public static PtxKernel<CudaKernelArgs.Cast> CastInt64ToFloat { get; } = new("elementwise", "esen_cast_int64_to_float");

    public static PtxKernel<CudaKernelArgs.Copy> Copy { get; } = new("layout", "esen_copy");

    public static PtxKernel<CudaKernelArgs.StridedCopy> StridedCopy { get; } = new("layout", "esen_strided_copy");

    public static PtxKernel<CudaKernelArgs.StridedCopy> StridedCopyInt64 { get; } = new("layout", "esen_strided_copy_int64");

    public static PtxKernel<CudaKernelArgs.ConcatSlab> ConcatSlab { get; } = new("layout", "esen_concat_slab");

    public static PtxKernel<CudaKernelArgs.Gather> Gather { get; } = new("layout", "esen_gather");

    public static PtxKernel<CudaKernelArgs.MaxPool> MaxPool { get; } = new("pooling", "esen_max_pool");

    public static PtxKernel<CudaKernelArgs.AvgPool> AvgPool { get; } = new("pooling", "esen_avg_pool");

    public static PtxKernel<CudaKernelArgs.GlobalAvgPool> GlobalAvgPool { get; } = new("pooling", "esen_global_avg_pool");

    public static PtxKernel<CudaKernelArgs.BatchNorm> BatchNorm { get; } = new("normalization", "esen_batch_norm");

    public static PtxKernel<CudaKernelArgs.LayerNorm> LayerNorm { get; } = new("normalization", "esen_layer_norm");

    public static PtxKernel<CudaKernelArgs.Softmax> Softmax { get; } = new("softmax", "esen_softmax");

    public static PtxKernel<CudaKernelArgs.SoftmaxAxis> SoftmaxAxis { get; } = new("softmax", "esen_softmax_axis");

    public static PtxKernel<CudaKernelArgs.Im2Col> Im2Col { get; } = new("im2col", "esen_im2col");

    public static PtxKernel<CudaKernelArgs.Im2Col3D> Im2Col3D { get; } = new("im2col", "esen_im2col_3d");

    public static PtxKernel<CudaKernelArgs.EnsembleMean> EnsembleMean { get; } = new("ensemble", "esen_ensemble_mean");

    public static PtxKernel<CudaKernelArgs.EnsembleWeightedMean> EnsembleWeightedMean { get; } = new("ensemble", "esen_ensemble_weighted_mean");

    public static PtxKernel<CudaKernelArgs.EnsembleVote> EnsembleVote { get; } = new("ensemble", "esen_ensemble_vote");

    public static PtxKernel<CudaKernelArgs.CascadeGate> CascadeGate { get; } = new("cascade", "esen_cascade_gate");

    public static PtxKernel<CudaKernelArgs.RowMove> GatherRows { get; } = new("cascade", "esen_gather_rows");

    public static PtxKernel<CudaKernelArgs.RowMove> ScatterRows { get; } = new("cascade", "esen_scatter_rows");

    /// <summary>All of the above.</summary>
    public static IReadOnlyList<PtxKernel> All { get; } =
    [
        BiasActivation, Clip, Add, Sub, Mul, Div, AddInt64, SubInt64, MulInt64, DivInt64, CastFloatToInt64, CastInt64ToFloat, Copy,
        StridedCopy, StridedCopyInt64, ConcatSlab, Gather,
        MaxPool, AvgPool, GlobalAvgPool, BatchNorm, LayerNorm, Softmax, SoftmaxAxis, Im2Col, Im2Col3D, EnsembleMean, EnsembleWeightedMean,
        EnsembleVote, CascadeGate, GatherRows, ScatterRows,
    ];
}
