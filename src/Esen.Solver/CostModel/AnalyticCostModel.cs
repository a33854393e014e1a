using System.Numerics;
using Esen.Solver.Devices;

namespace Esen.Solver.CostModel;

/// <summary>
/// The analytic per-kernel latency model of gpu-facts §0/§5.1: CTA wave quantisation on the granted
/// SMs, compute efficiency by precision and op, Winograd for eligible FP32 convs, bandwidth that
/// saturates at a fraction of the SMs, and a fixed overhead per kernel. A member's latency is the sum
/// over its (fused) kernels.
/// </summary>
public sealed class AnalyticCostModel
{
    /// <summary>Creates a model with the given constants.</summary>
    public AnalyticCostModel(CostModelConstants constants) => Constants = constants;

    /// <summary>The model with the fitted default constants.</summary>
    public static AnalyticCostModel Default { get; } = new(CostModelConstants.Default);

    /// <summary>The constants in use.</summary>
    public CostModelConstants Constants { get; }

    /// <summary>Reduces one kernel on one device to its <see cref="KernelCost"/>.</summary>
    /// <exception cref="ArgumentException">The device has no peak for <paramref name="precision"/>.</exception>
    public KernelCost Kernel(LayerWork layer, Device device, Precision precision)
    {
        double peak = device.PeakFlops(precision)
            ?? throw new ArgumentException($"device {device.Name} has no {precision.ToName()} peak (no such tensor cores)", nameof(precision));
        return device switch
        {
            GpuDevice gpu => GpuKernel(layer, gpu, precision, peak),
            CpuDevice cpu => CpuKernel(layer, cpu, peak),
            _ => throw new NotSupportedException($"no cost rule for device type {device.GetType().Name}"),
        };
    }

    /// <summary>Every kernel of a member on a device.</summary>
    public IReadOnlyList<KernelCost> Kernels(ModelWork model, Device device) =>
        [.. model.Kernels.Select(k => Kernel(k, device, model.Precision))];

    /// <summary>Latency in seconds of a member alone on <paramref name="units"/> SMs (or cores).</summary>
    public double LatencySeconds(ModelWork model, Device device, int units) =>
        Kernels(model, device).Sum(k => k.Seconds(units));

    /// <summary>Latency in seconds at a share in percent, after the device's share-to-SM rounding.</summary>
    public double LatencySecondsAtShare(ModelWork model, Device device, double percent) =>
        LatencySeconds(model, device, device.UnitsForShare(percent));

    private KernelCost GpuKernel(LayerWork layer, GpuDevice gpu, Precision precision, double peak)
    {
        double flops = layer.Flops;
        long ctas = 0;
        double efficiency = Constants.Fp32Efficiency;
        if (layer.Op is LayerOp.Conv or LayerOp.Gemm && layer.Gemm is GemmShape gemm && flops > 0)
        {
            ctas = Ctas(gemm, gpu.Sms);
            flops *= RowPadding(gemm.M);
            bool winograd = precision == Precision.Fp32 && layer.Window is { IsWinogradEligible: true };
            if (winograd)
            {
                flops /= Constants.WinogradSpeedup;
            }

            // Every precision but fp32 (tf32, fp16, int8) runs on the tensor cores.
            efficiency = precision == Precision.Fp32 ? Constants.Fp32Efficiency
                : layer.Op == LayerOp.Gemm ? Constants.TensorGemmEfficiency
                : Constants.TensorConvEfficiency;
            if (precision != Precision.Fp32 && gemm.K < Constants.TileSize / 2)
            {
                // Depthwise-like reductions are too short for tensor-core tiles: they run on the SIMT
                // cores (and are memory-bound in practice).
                peak = gpu.Fp32Tflops * 1e12;
                efficiency = Constants.Fp32Efficiency;
            }
        }
        else
        {
            // Pooling, normalisation, softmax and copies are bandwidth kernels: their arithmetic is
            // hidden under the memory time, so only their bytes count.
            flops = 0;
        }

        double sustained = precision == Precision.Fp32 ? 1.0 : gpu.SustainedClockFraction;
        return new KernelCost(
            layer.Name,
            flops,
            ctas,
            peak / gpu.Sms * efficiency * sustained,
            layer.DramBytes,
            gpu.BandwidthBytesPerSecond * Constants.MemoryEfficiency,
            (gpu.BandwidthSaturationFraction ?? Constants.BandwidthSaturationFraction) * gpu.Sms,
            Constants.KernelOverheadSeconds,
            gpu.Sms);
    }

    private KernelCost CpuKernel(LayerWork layer, CpuDevice cpu, double peak) =>
        new(
            layer.Name,
            layer.Op is LayerOp.Conv or LayerOp.Gemm ? layer.Flops : 0,
            0,
            peak / cpu.Cores * Constants.CpuEfficiency,
            layer.DramBytes,
            cpu.BandwidthBytesPerSecond * Constants.MemoryEfficiency,
            Constants.BandwidthSaturationFraction * cpu.Cores,
            Constants.CpuOverheadSeconds,
            cpu.Cores);

    /// <summary>
    /// CTAs of a GEMM launch: 128×128 output tiles times the batch count, times the split-K factor the
    /// library picks for the full device when there are fewer tiles than SMs (gpu-facts §5.1).
    /// </summary>
    internal long Ctas(GemmShape gemm, int deviceSms)
    {
        long tiles = CeilDiv(gemm.M, Constants.TileSize) * CeilDiv(gemm.N, Constants.TileSize) * Math.Max(1, gemm.BatchCount);
        long splitK = tiles < deviceSms
            ? Math.Min(CeilDiv(deviceSms, tiles), Math.Max(1, gemm.K / Constants.SplitKMinimum))
            : 1;
        return tiles * splitK;
    }

    /// <summary>
    /// Work of partial row tiles: libraries shrink the row tile for short GEMMs (to 16, 32 or 64 rows)
    /// but a CTA still computes its whole tile, so M = 49 costs as much as 64 rows and M = 196 as 256.
    /// This is what makes batch-1 CNN layers run below the full-wave efficiency.
    /// </summary>
    internal double RowPadding(long rows)
    {
        long tile = Math.Min(Constants.TileSize, Math.Max(Constants.MinimumRowTile, (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(rows, 1))));
        return (double)(CeilDiv(rows, tile) * tile) / Math.Max(rows, 1);
    }

    private static long CeilDiv(long value, long divisor) => (Math.Max(value, 1) + divisor - 1) / divisor;
}
