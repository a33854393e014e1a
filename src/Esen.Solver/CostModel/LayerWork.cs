using Esen.Solver.Devices;

namespace Esen.Solver.CostModel;

/// <summary>What kind of kernel a layer becomes; selects the cost rule.</summary>
public enum LayerOp
{
    /// <summary>A convolution (implicit GEMM; Winograd when eligible).</summary>
    Conv,

    /// <summary>A (batched) matrix product: fully connected layers, attention, MatMul.</summary>
    Gemm,

    /// <summary>Element-wise arithmetic or an activation that runs as its own kernel.</summary>
    Elementwise,

    /// <summary>Max/average/global pooling.</summary>
    Pool,

    /// <summary>Batch or layer normalisation that runs as its own kernel.</summary>
    Normalization,

    /// <summary>Softmax.</summary>
    Softmax,

    /// <summary>A copy that moves data without arithmetic (concat, transpose, gather, slice).</summary>
    DataMovement,
}

/// <summary>The implicit-GEMM view of a conv or matrix product: C[M×N] = A[M×K]·B[K×N], BatchCount times.</summary>
/// <param name="M">Output rows (batch × output pixels for a conv).</param>
/// <param name="N">Output columns (output channels per group).</param>
/// <param name="K">Reduction length (input channels per group × kernel area).</param>
/// <param name="BatchCount">Independent products (groups of a grouped conv, batch × heads for attention).</param>
public readonly record struct GemmShape(long M, long N, long K, long BatchCount = 1);

/// <summary>Convolution window geometry; decides whether the Winograd rewrite applies.</summary>
public readonly record struct ConvWindow(int KernelH, int KernelW, int StrideH, int StrideW, int DilationH, int DilationW, int Groups)
{
    /// <summary>
    /// True for the convs that TensorRT and cuDNN run with Winograd F(2×2,3×3) in FP32: 3×3, stride 1,
    /// no dilation, dense (gpu-facts §0).
    /// </summary>
    public bool IsWinogradEligible =>
        KernelH == 3 && KernelW == 3 && StrideH == 1 && StrideW == 1 && DilationH == 1 && DilationW == 1 && Groups == 1;
}

/// <summary>
/// One kernel of a member as the cost model sees it, after the fusions the executors do (an activation
/// or a residual add in a conv's epilogue is part of the conv's record).
/// </summary>
/// <param name="Name">The (first) graph node of the kernel.</param>
/// <param name="Op">The cost rule to apply.</param>
/// <param name="Flops">Arithmetic, 2 per multiply-accumulate, as written (before any Winograd rewrite).</param>
/// <param name="DramBytes">Compulsory DRAM traffic in the member's precision: weights + inputs + outputs.</param>
/// <param name="WeightBytes">Parameter bytes in the member's precision (part of <paramref name="DramBytes"/>).</param>
/// <param name="Gemm">The GEMM view for <see cref="LayerOp.Conv"/> and <see cref="LayerOp.Gemm"/>.</param>
/// <param name="Window">The window for <see cref="LayerOp.Conv"/>.</param>
public sealed record LayerWork(
    string Name,
    LayerOp Op,
    double Flops,
    double DramBytes,
    double WeightBytes,
    GemmShape? Gemm = null,
    ConvWindow? Window = null);

/// <summary>A member (one model at one batch and precision) as a sequence of kernels, with its memory.</summary>
/// <param name="Name">The model or architecture name.</param>
/// <param name="Batch">Inputs per inference.</param>
/// <param name="Precision">The arithmetic of every kernel.</param>
/// <param name="Kernels">The kernels in execution order.</param>
/// <param name="WeightBytes">Parameters in <paramref name="Precision"/>.</param>
/// <param name="PeakActivationBytes">Largest set of simultaneously live activations (liveness over the schedule).</param>
/// <param name="WorkspaceBytes">Library workspace (cuBLAS/cuDNN scratch) the member keeps allocated.</param>
public sealed record ModelWork(
    string Name,
    int Batch,
    Precision Precision,
    IReadOnlyList<LayerWork> Kernels,
    long WeightBytes,
    long PeakActivationBytes,
    long WorkspaceBytes)
{
    /// <summary>Memory the member needs on its device: weights + peak live activations + workspace.</summary>
    public long MemoryBytes => WeightBytes + PeakActivationBytes + WorkspaceBytes;

    /// <summary>Total arithmetic (2 FLOPs per MAC), before rewrites.</summary>
    public double Flops => Kernels.Sum(k => k.Flops);

    /// <summary>Total compulsory DRAM traffic.</summary>
    public double DramBytes => Kernels.Sum(k => k.DramBytes);
}
