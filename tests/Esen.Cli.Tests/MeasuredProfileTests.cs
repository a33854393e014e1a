using System.Text.Json;

namespace Esen.Cli.Tests;

public sealed class MeasuredProfileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-profile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Profile_MeasuredOnCpu_WritesMeasuredLatenciesInTheProfileJson()
    {
        string json = Path.Combine(_folder, "p.json");

        (int exit, string stdout, string stderr) = CliRunner.Run("profile", "mobilenetv2", "--device", "cpu", "--measured", "--shares", "100", "--json", json);

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains("measured on the CPU executor", stdout, StringComparison.Ordinal);
        Assert.Contains("measuring mobilenetv2: batch 1", stderr, StringComparison.Ordinal);
        using JsonDocument profile = JsonDocument.Parse(File.ReadAllText(json));
        Assert.StartsWith("measured", profile.RootElement.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.True(profile.RootElement.GetProperty("members")[0].GetProperty("latency_ms").GetProperty("100").GetDouble() > 0);
    }

    [Fact]
    public void Profile_MeasuredOnAGpu_IsRefused()
    {
        (int exit, _, string stderr) = CliRunner.Run("profile", "mobilenetv2", "--device", "H100-SXM", "--measured");

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("H100-SXM is not a device to measure on", stderr, StringComparison.Ordinal);
    }
}
