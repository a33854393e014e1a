using System.Globalization;
using System.Text.RegularExpressions;
using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>The embedded PTX: one module per kernels/*.cu and architecture, with the expected entry points.</summary>
public sealed class PtxModuleTests
{
    public static TheoryData<string, int> ModulesAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (string module in PtxModules.Names)
        {
            foreach (int architecture in PtxModules.Architectures)
            {
                data.Add(module, architecture);
            }
        }

        return data;
    }

    [Fact]
    public void Names_AreTheKernelSourceFiles()
    {
        string[] sources = [.. Directory.EnumerateFiles(KernelToolchain.KernelsDirectory, "*.cu")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];

        Assert.Equal(sources, PtxModules.Names);
        Assert.Equal(PtxKernels.All.Select(k => k.Module).Distinct().Order(StringComparer.Ordinal), PtxModules.Names);
    }

    [Theory]
    [MemberData(nameof(ModulesAndArchitectures))]
    public void Module_TargetsItsArchitecture_AndHasExactlyTheCatalogEntries(string module, int architecture)
    {
        string ptx = PtxModules.GetText(module, architecture);

        Assert.Equal($"sm_{architecture}", PtxText.Target(ptx));
        // PTX ISA 7.8 is the newest clang-19 emits for these targets; CUDA 11.8+ drivers JIT it.
        Match version = Regex.Match(ptx, @"^\.version\s+(\d+\.\d+)", RegexOptions.Multiline);
        Assert.True(version.Success, "no .version directive");
        Assert.InRange(decimal.Parse(version.Groups[1].Value, CultureInfo.InvariantCulture), 6.0m, 7.8m);
        Assert.Equal(
            PtxKernels.All.Where(k => k.Module == module).Select(k => k.EntryPoint).Order(StringComparer.Ordinal),
            PtxText.Entries(ptx).Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(".extern", ptx, StringComparison.Ordinal); // no libdevice or other unresolved calls
    }

    [Fact]
    public void GetImage_IsTheTextWithATerminatingNul()
    {
        byte[] image = PtxModules.GetImage("softmax", 80);

        Assert.Equal(0, image[^1]);
        Assert.Equal(PtxModules.GetText("softmax", 80), System.Text.Encoding.UTF8.GetString(image, 0, image.Length - 1));
    }

    [Fact]
    public void GetText_UnknownModuleOrArchitecture_NamesTheChoices()
    {
        var module = Assert.Throws<ArgumentException>(() => PtxModules.GetText("gemm", 80));
        Assert.Contains("softmax", module.Message, StringComparison.Ordinal);
        var architecture = Assert.Throws<ArgumentException>(() => PtxModules.GetText("softmax", 75));
        Assert.Contains("sm_70, sm_80, sm_90", architecture.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7, 0, 70)]
    [InlineData(7, 5, 70)]
    [InlineData(8, 0, 80)]
    [InlineData(8, 6, 80)]
    [InlineData(8, 9, 80)]
    [InlineData(9, 0, 90)]
    [InlineData(10, 0, 90)]
    [InlineData(12, 0, 90)]
    public void SelectArchitecture_TakesTheNewestNotAboveTheDevice(int major, int minor, int expected) =>
        Assert.Equal(expected, PtxModules.SelectArchitecture(major, minor));

    [Fact]
    public void SelectArchitecture_PreVoltaDevice_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PtxModules.SelectArchitecture(6, 1));
}
