using Esen.Native.Partitions;
using Esen.Solver.Devices;

namespace Esen.Solver.Tests.Devices;

public class DeviceCatalogTests
{
    [Theory]
    [InlineData("V100", 80, 900e9)]
    [InlineData("t4", 40, 320e9)]
    [InlineData("a100 40gb", 108, 1555e9)]
    [InlineData("A100_80GB", 108, 2039e9)]
    [InlineData("h100-sxm", 132, 3350e9)]
    [InlineData("H100-PCIe", 114, 2000e9)]
    [InlineData("H200", 132, 4800e9)]
    [InlineData("L4", 58, 300e9)]
    [InlineData("A10", 72, 600e9)]
    public void Find_BuiltInGpu_HasFiguresFromGpuFacts(string name, int sms, double bandwidth)
    {
        var gpu = Assert.IsType<GpuDevice>(DeviceCatalog.BuiltIn.Find(name));
        Assert.Equal(sms, gpu.Sms);
        Assert.Equal(bandwidth, gpu.BandwidthBytesPerSecond);
        Assert.False(string.IsNullOrWhiteSpace(gpu.Source));
    }

    [Fact]
    public void Find_UnknownName_ListsKnownDevices()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => DeviceCatalog.BuiltIn.Find("P100"));
        Assert.Contains("V100", error.Message, StringComparison.Ordinal);
        Assert.Contains("H200", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 8)]
    [InlineData(12.5, 10)]
    [InlineData(2.5, 2)]
    [InlineData(1, 2)]
    [InlineData(50, 40)]
    [InlineData(100, 80)]
    public void UnitsForShare_V100_RoundsDownToWholeTpcs(double percent, int sms)
    {
        Assert.Equal(sms, DeviceCatalog.BuiltIn.Find("V100").UnitsForShare(percent));
    }

    [Fact]
    public void UnitsForShare_NeverDecreasesWithShare()
    {
        foreach (GpuDevice gpu in DeviceCatalog.BuiltInGpus)
        {
            int previous = 0;
            for (int percent = 1; percent <= 100; percent++)
            {
                int sms = gpu.UnitsForShare(percent);
                Assert.InRange(sms, Math.Max(previous, 2), gpu.Sms);
                previous = sms;
            }

            Assert.Equal(gpu.Sms, previous);
        }
    }

    [Fact]
    public void GreenContexts_H100_GrantGroupsOfEight_A100_GroupsOfFour()
    {
        var h100 = (GpuDevice)DeviceCatalog.BuiltIn.Find("H100-SXM");
        SmPartitionPolicy green = h100.PartitioningFor(PartitionMechanism.GreenContext);
        Assert.Equal((8, 16), (green.UnitSms, green.AvailableUnits));
        Assert.Equal(8, green.SmsForShare(1));
        Assert.Equal(128, green.SmsForShare(100));
        var a100 = (GpuDevice)DeviceCatalog.BuiltIn.Find("A100-40GB");
        Assert.Equal((4, 27), (a100.PartitioningFor(PartitionMechanism.GreenContext).UnitSms, a100.PartitioningFor(PartitionMechanism.GreenContext).AvailableUnits));
        Assert.Equal(2, a100.PartitioningFor(PartitionMechanism.MpsExecutionAffinity).SmsForShare(1));
    }

    [Fact]
    public void GreenContextFigures_OfEveryCatalogueGpu_AreTheDocumentedGranularityOfItsArchitecture()
    {
        foreach (GpuDevice gpu in DeviceCatalog.BuiltInGpus)
        {
            Assert.True(gpu.ComputeMajor > 0, gpu.Name);
            Assert.Equal(SmGranularity.For(PartitionMechanism.GreenContext, gpu.ComputeMajor), new SmGranularity(gpu.GreenContextMinSms, gpu.GreenContextSmMultiple));
        }
    }

    [Fact]
    public void PeakFlops_V100HasNoInt8TensorCores()
    {
        Device v100 = DeviceCatalog.BuiltIn.Find("V100");
        Assert.Null(v100.PeakFlops(Precision.Int8));
        Assert.Equal(125e12, v100.PeakFlops(Precision.Fp16));
    }

    // Datasheet TF32 columns (gpu-facts §3): half the dense FP16 tensor peak from Ampere on, none before.
    [Theory]
    [InlineData("A100-40GB", 156e12)]
    [InlineData("H100-SXM", 494.7e12)]
    [InlineData("H100-PCIe", 378e12)]
    [InlineData("H200", 494.7e12)]
    [InlineData("A10", 62.5e12)]
    [InlineData("V100", null)]
    [InlineData("T4", null)]
    public void PeakFlops_Tf32_IsHalfTheFp16TensorPeakFromAmpereOn(string name, double? expected)
    {
        double? peak = DeviceCatalog.BuiltIn.Find(name).PeakFlops(Precision.Tf32);
        Assert.Equal(expected.HasValue, peak.HasValue);
        if (expected is double value)
        {
            Assert.Equal(value, peak!.Value, value * 1e-9);
        }
    }

    [Theory]
    [InlineData("8.0", 312.0, 156.0)]
    [InlineData("12.0", 100.0, 50.0)]
    [InlineData("7.5", 65.0, null)]
    [InlineData("unknown", 312.0, null)]
    public void Tf32Peak_NeedsAKnownAmpereOrLaterComputeCapability(string computeCapability, double fp16, double? expected)
    {
        var gpu = (GpuDevice)DeviceCatalog.BuiltIn.Find("A100-40GB") with { ComputeCapability = computeCapability, Fp16Tflops = fp16 };
        Assert.Equal(expected * 1e12, gpu.PeakFlops(Precision.Tf32));
    }

    [Fact]
    public void Tf32_IsNamedAndStoredAsFp32()
    {
        Assert.True(PrecisionInfo.TryParse("tf32", out Precision precision));
        Assert.Equal(Precision.Tf32, precision);
        Assert.Equal("tf32", precision.ToName());
        Assert.Equal(4, precision.BytesPerElement());
    }

    [Fact]
    public void LocalCpu_IsMeasuredWithPositiveFigures()
    {
        var cpu = Assert.IsType<CpuDevice>(DeviceCatalog.BuiltIn.Find("cpu"));
        Assert.Equal(Environment.ProcessorCount, cpu.Cores);
        Assert.True(cpu.GflopsPerCore > 0.1, $"{cpu.GflopsPerCore} GFLOP/s per core");
        // Positive and finite, not a floor: a machine under heavy load measures far below its datasheet.
        Assert.True(cpu.BandwidthBytesPerSecond > 0 && double.IsFinite(cpu.BandwidthBytesPerSecond), $"{cpu.BandwidthBytesPerSecond} B/s");
        Assert.True(cpu.MemoryBytes > 0);
    }
}
