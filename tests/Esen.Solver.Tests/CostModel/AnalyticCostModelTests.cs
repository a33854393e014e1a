using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Solver.Tests.CostModel;

public class AnalyticCostModelTests
{
    private static readonly Device s_v100 = DeviceCatalog.BuiltIn.Find("V100");
    private static readonly AnalyticCostModel s_model = AnalyticCostModel.Default;

    [Fact]
    public void ComputeTime_FollowsWholeWavesOfCtas()
    {
        // 1280×1280 output = 100 tiles of 128×128, K = 64 (no split-K), far above the ridge point.
        var layer = new LayerWork("fc", LayerOp.Gemm, 2.0 * 1280 * 1280 * 64, 1, 0, new GemmShape(1280, 1280, 64));
        KernelCost cost = s_model.Kernel(layer, s_v100, Precision.Fp32);
        Assert.Equal(100, cost.Ctas);
        double perWave = cost.ComputeSeconds(100);
        Assert.Equal(2 * perWave, cost.ComputeSeconds(80), 12);   // 100 CTAs on 80 SMs: 2 waves
        Assert.Equal(2 * perWave, cost.ComputeSeconds(50), 12);
        Assert.Equal(3 * perWave, cost.ComputeSeconds(40), 12);   // ceil(100/40) = 3
        Assert.Equal(10 * perWave, cost.ComputeSeconds(10), 12);
    }

    [Fact]
    public void FullWave_RunsAtEfficiencyTimesPeak()
    {
        var layer = new LayerWork("fc", LayerOp.Gemm, 2.0 * 1280 * 1280 * 64, 1, 0, new GemmShape(1280, 1280, 64));
        KernelCost cost = s_model.Kernel(layer, s_v100, Precision.Fp32);
        double expected = layer.Flops / 100 * 2 / (15.7e12 / 80 * s_model.Constants.Fp32Efficiency);
        Assert.Equal(expected, cost.ComputeSeconds(80), 12);
    }

    [Fact]
    public void FullWave_Tf32_RunsAtTensorEfficiencyTimesTheTf32Peak()
    {
        // 100 tiles on the 108-SM A100: one wave, at the dense TF32 peak of 156 TFLOPS.
        var layer = new LayerWork("fc", LayerOp.Gemm, 2.0 * 1280 * 1280 * 64, 1, 0, new GemmShape(1280, 1280, 64));
        KernelCost cost = s_model.Kernel(layer, DeviceCatalog.BuiltIn.Find("A100-40GB"), Precision.Tf32);
        double expected = layer.Flops / 100 / (156e12 / 108 * s_model.Constants.TensorGemmEfficiency);
        Assert.Equal(expected, cost.ComputeSeconds(108), 12);
    }

    [Fact]
    public void SplitK_FillsTheDeviceWhenTilesAreFew()
    {
        // 4 tiles on an 80-SM V100 with K = 4608: split min(ceil(80/4), 4608/256) = min(20, 18) = 18.
        Assert.Equal(72, s_model.Ctas(new GemmShape(256, 256, 4608), 80));
        // K too short to split.
        Assert.Equal(4, s_model.Ctas(new GemmShape(256, 256, 200), 80));
        // Enough tiles: no split.
        Assert.Equal(96, s_model.Ctas(new GemmShape(128 * 12, 128 * 8, 4608), 80));
    }

    [Theory]
    [InlineData(3, 1, 1, Precision.Fp32, true)]
    [InlineData(3, 2, 1, Precision.Fp32, false)]
    [InlineData(1, 1, 1, Precision.Fp32, false)]
    [InlineData(3, 1, 32, Precision.Fp32, false)]
    [InlineData(3, 1, 1, Precision.Fp16, false)]
    [InlineData(3, 1, 1, Precision.Tf32, false)]
    public void Winograd_OnlyForDenseThreeByThreeStrideOneFp32(int kernel, int stride, int groups, Precision precision, bool expected)
    {
        var window = new ConvWindow(kernel, kernel, stride, stride, 1, 1, groups);
        var layer = new LayerWork("conv", LayerOp.Conv, 1e9, 1, 0, new GemmShape(3072, 256, 2304), window);
        KernelCost cost = s_model.Kernel(layer, DeviceCatalog.BuiltIn.Find("A100-40GB"), precision);
        Assert.Equal(expected ? 1e9 / s_model.Constants.WinogradSpeedup : 1e9, cost.Flops, 6);
    }

    [Fact]
    public void Bandwidth_SaturatesAtAFractionOfTheSms()
    {
        var layer = new LayerWork("relu", LayerOp.Elementwise, 0, 1e8, 0);
        KernelCost cost = s_model.Kernel(layer, DeviceCatalog.BuiltIn.Find("A100-40GB"), Precision.Fp32);
        double saturation = s_model.Constants.BandwidthSaturationFraction * 108;
        Assert.Equal(0, cost.ComputeSeconds(108));
        Assert.Equal(cost.MemorySeconds(108), cost.MemorySeconds(Math.Ceiling(saturation)), 12);
        Assert.Equal(1e8 / (1555e9 * 0.8), cost.MemorySeconds(108), 12);
        Assert.Equal(cost.MemorySeconds(108) * saturation / 8, cost.MemorySeconds(8), 12);
    }

    [Fact]
    public void Bandwidth_UsesTheDevicesFittedSaturationWhereKnown()
    {
        // The V100's partitions draw bandwidth in proportion to their SMs up to the whole GPU.
        var layer = new LayerWork("relu", LayerOp.Elementwise, 0, 1e8, 0);
        KernelCost cost = s_model.Kernel(layer, s_v100, Precision.Fp32);
        Assert.Equal(cost.MemorySeconds(80) * 2, cost.MemorySeconds(40), 12);
    }

    [Theory]
    [InlineData(49, 64.0 / 49)]
    [InlineData(196, 256.0 / 196)]
    [InlineData(1, 16.0)]
    [InlineData(1280, 1.0)]
    public void RowPadding_ChargesWholeRowTiles(long rows, double factor)
    {
        Assert.Equal(factor, s_model.RowPadding(rows), 12);
    }

    [Fact]
    public void Latency_IsOverheadPlusMaxOfComputeAndMemory_SummedOverKernels()
    {
        var gemm = new LayerWork("fc", LayerOp.Gemm, 2.0 * 1280 * 1280 * 64, 3e6, 0, new GemmShape(1280, 1280, 64));
        var copy = new LayerWork("copy", LayerOp.DataMovement, 0, 5e6, 0);
        var model = new ModelWork("m", 1, Precision.Fp32, [gemm, copy], 0, 0, 0);
        KernelCost a = s_model.Kernel(gemm, s_v100, Precision.Fp32);
        KernelCost b = s_model.Kernel(copy, s_v100, Precision.Fp32);
        double expected = Math.Max(a.ComputeSeconds(40), a.MemorySeconds(40)) + Math.Max(0, b.MemorySeconds(40)) + (2 * s_model.Constants.KernelOverheadSeconds);
        Assert.Equal(expected, s_model.LatencySeconds(model, s_v100, 40), 12);
    }

    [Fact]
    public void Latency_NeverIncreasesWithMoreSms()
    {
        var random = new Random(20261122);
        foreach (GpuDevice gpu in DeviceCatalog.BuiltInGpus)
        {
            var layers = Enumerable.Range(0, 30).Select(i =>
            {
                long m = random.Next(1, 20000), n = random.Next(1, 4096), k = random.Next(1, 8192);
                return new LayerWork($"l{i}", i % 3 == 0 ? LayerOp.Elementwise : LayerOp.Gemm, 2.0 * m * n * k, (m * k) + (k * n) + (m * n), k * n, new GemmShape(m, n, k));
            }).ToList();
            var model = new ModelWork("random", 1, Precision.Fp16, layers, 0, 0, 0);
            double previous = double.MaxValue;
            for (int sms = 2; sms <= gpu.Sms; sms += 2)
            {
                double latency = s_model.LatencySeconds(model, gpu, sms);
                Assert.True(latency <= previous, $"{gpu.Name}: {sms} SMs slower than {sms - 2}");
                previous = latency;
            }
        }
    }

    [Fact]
    public void UnsupportedPrecision_IsAClearError()
    {
        var layer = new LayerWork("fc", LayerOp.Gemm, 1e6, 1e3, 0, new GemmShape(10, 10, 10));
        var error = Assert.Throws<ArgumentException>(() => s_model.Kernel(layer, s_v100, Precision.Int8));
        Assert.Contains("V100", error.Message, StringComparison.Ordinal);

        // Volta's tensor cores take FP16 only; TF32 came with Ampere.
        error = Assert.Throws<ArgumentException>(() => s_model.Kernel(layer, s_v100, Precision.Tf32));
        Assert.Contains("tf32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_IsWeightsPlusActivationsPlusWorkspace()
    {
        var model = new ModelWork("m", 1, Precision.Fp32, [], 100, 20, 3);
        Assert.Equal(123, model.MemoryBytes);
    }
}
