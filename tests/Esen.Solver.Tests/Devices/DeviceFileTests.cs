using Esen.Solver.Devices;

namespace Esen.Solver.Tests.Devices;

public class DeviceFileTests
{
    private const string ValidFile = """
        {"format":"esen-devices/1","devices":[
          {"kind":"gpu","name":"RTX-6000","sms":142,"fp32_tflops":91,"fp16_tflops":364,"int8_tops":728,
           "memory_gb":48,"bandwidth_gbps":960,"l2_mb":96,"tdp_w":300,"green_min_sms":4,"source":"test"},
          {"kind":"cpu","name":"big-box","cores":64,"gflops_per_core":40,"memory_gb":512,"bandwidth_gbps":200}
        ]}
        """;

    [Fact]
    public void Parse_ValidFile_ReadsBothKinds()
    {
        IReadOnlyList<Device> devices = DeviceFile.Parse(ValidFile, "devices.json");
        var gpu = Assert.IsType<GpuDevice>(devices[0]);
        Assert.Equal(142, gpu.Sms);
        Assert.Equal(960e9, gpu.BandwidthBytesPerSecond);
        Assert.Equal(4, gpu.GreenContextMinSms);
        Assert.Equal(48, gpu.MpsClientLimit);
        var cpu = Assert.IsType<CpuDevice>(devices[1]);
        Assert.Equal(64 * 40e9, cpu.PeakFlops(Precision.Fp32));
    }

    [Fact]
    public void WithFile_UserDeviceIsFoundAndOverridesBuiltIn()
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-devices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, ValidFile.Replace("RTX-6000", "V100", StringComparison.Ordinal));
        try
        {
            DeviceCatalog catalog = DeviceCatalog.BuiltIn.WithFile(path);
            Assert.Equal(142, ((GpuDevice)catalog.Find("v100")).Sms);
            Assert.Equal(80, ((GpuDevice)DeviceCatalog.BuiltIn.Find("v100")).Sms);
            Assert.IsType<CpuDevice>(catalog.Find("BIG_BOX"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"format":"esen-devices/2","devices":[]}""", "format")]
    [InlineData("""{"format":"esen-devices/1"}""", "devices")]
    [InlineData("""{"format":"esen-devices/1","devices":[],"extra":1}""", "extra")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"tpu","name":"x"}]}""", "devices[0].kind")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"cpu","name":"x","cores":0,"gflops_per_core":1,"memory_gb":1,"bandwidth_gbps":1}]}""", "devices[0].cores")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"cpu","name":"x","cores":2,"gflops_per_core":-1,"memory_gb":1,"bandwidth_gbps":1}]}""", "devices[0].gflops_per_core")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"cpu","name":"x","cores":2,"gflops_per_core":1,"memory_gb":1}]}""", "devices[0].bandwidth_gbps")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"cpu","name":"x","cores":2,"gflops_per_core":1,"memory_gb":1,"bandwidth_gbps":1,"sms":3}]}""", "devices[0].sms")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"gpu","name":"g","sms":"many"}]}""", "devices[0].sms")]
    [InlineData("""{"format":"esen-devices/1","devices":[{"kind":"cpu","name":"x","cores":2,"gflops_per_core":1,"memory_gb":1,"bandwidth_gbps":1},{"kind":"cpu","name":"X","cores":2,"gflops_per_core":1,"memory_gb":1,"bandwidth_gbps":1}]}""", "devices[1].name")]
    [InlineData("""{"format":"esen-devices/1","devices":[""", "(json")]
    public void Parse_InvalidFile_NamesFileAndField(string json, string field)
    {
        var error = Assert.Throws<DeviceFileException>(() => DeviceFile.Parse(json, "my-devices.json"));
        Assert.StartsWith($"my-devices.json: {field}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_NamesFile()
    {
        var error = Assert.Throws<DeviceFileException>(() => DeviceFile.Read("/nonexistent/devices.json"));
        Assert.Equal("/nonexistent/devices.json", error.File);
    }
}
