namespace Esen.Solver.CostModel;

/// <summary>
/// The free constants of the analytic model (gpu-facts §5.1/§5.2). They are fitted once, on the data
/// named next to each, and never per model; docs/cost-model.md has the fit and the validation table
/// (<c>esen costmodel validate</c>).
/// </summary>
public sealed record CostModelConstants
{
    /// <summary>Rows and columns of one CTA's output tile in library GEMM/conv kernels.</summary>
    public int TileSize { get; init; } = 128;

    /// <summary>Smallest row tile a library picks for short GEMMs (one tensor-core MMA row block).</summary>
    public int MinimumRowTile { get; init; } = 16;

    /// <summary>Minimum reduction length per split-K slice (libraries split K only when it is long).</summary>
    public int SplitKMinimum { get; init; } = 256;

    /// <summary>
    /// Achieved fraction of the FP32 SIMT peak in a full wave of conv/GEMM CTAs. Fitted on iGniter's
    /// V100 TensorRT FP32 ResNet-50 and AlexNet latencies (gpu-facts §2.1); gpu-facts §4.2 derives 78 %
    /// for ResNet-50 b32 with Winograd FLOPs counted as direct ones.
    /// </summary>
    public double Fp32Efficiency { get; init; } = 0.80;

    /// <summary>
    /// Achieved fraction of the tensor-core peak (FP16/INT8) for fused GEMMs. Fitted on NVIDIA's TensorRT
    /// BERT-base FP16 A100 latencies (gpu-facts §4.2); gpu-facts §5.3 reports 0.8.
    /// </summary>
    public double TensorGemmEfficiency { get; init; } = 0.80;

    /// <summary>
    /// Tensor-core efficiency of convolutions (im2col gathers, NHWC transforms). Not fitted: no published
    /// FP16 CNN latency under TensorRT is in the reference set; 0.6 is the middle of gpu-facts §5.2's
    /// 0.5–0.6 range for cuDNN convs.
    /// </summary>
    public double TensorConvEfficiency { get; init; } = 0.60;

    /// <summary>
    /// FLOP reduction of Winograd F(2×2,3×3) for eligible FP32 convs (the ideal is 36/16 = 2.25; TensorRT
    /// and cuDNN pick it for 3×3 stride-1 FP32 convs).
    /// </summary>
    public double WinogradSpeedup { get; init; } = 2.25;

    /// <summary>Achievable fraction of peak DRAM bandwidth (STREAM-like; gpu-facts §5.2).</summary>
    public double MemoryEfficiency { get; init; } = 0.80;

    /// <summary>
    /// Fraction of the SMs that saturates DRAM bandwidth, BW(n) = BW·e_m·min(1, n/(s·N)), for devices
    /// without a measured value (<see cref="Devices.GpuDevice.BandwidthSaturationFraction"/>): 0.35–0.5
    /// in gpu-facts §2.3 (BulletServe on H100 PCIe).
    /// </summary>
    public double BandwidthSaturationFraction { get; init; } = 0.40;

    /// <summary>
    /// GPU-side cost per (fused) kernel: launch, ramp-up and tail. Fitted on the iGniter V100 and TensorRT
    /// BERT A100/T4 latencies together (gpu-facts §5.2 gives 5 µs and 4 µs for them separately).
    /// </summary>
    public double KernelOverheadSeconds { get; init; } = 6e-6;

    /// <summary>
    /// Achieved fraction of the measured FMA peak for CPU kernels. Not fitted here (the CPU executor is
    /// measured directly by <c>esen profile</c> on the CPU); a planning default.
    /// </summary>
    public double CpuEfficiency { get; init; } = 0.5;

    /// <summary>Per-operator dispatch cost on the CPU executor (a planning default, not fitted).</summary>
    public double CpuOverheadSeconds { get; init; } = 2e-6;

    /// <summary>The constants the catalogue's published data was fitted with.</summary>
    public static CostModelConstants Default { get; } = new();
}
