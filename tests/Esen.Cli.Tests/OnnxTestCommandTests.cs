using Esen.Kernels.Cuda.Host;
using Esen.Native;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

/// <summary>
/// <c>esen onnx-test --executor</c> on a few shared ONNX node cases (an element-wise op, a broadcast and a padded,
/// strided convolution): the CPU executor and the CUDA plan run on the host both pass them; the CUDA executor needs
/// a GPU and says in one line why it cannot run without one.
/// </summary>
public class OnnxTestCommandTests
{
    private static readonly string[] s_caseNames = ["test_relu", "test_add_bcast", "test_conv_with_strides_padding"];

    [SkippableFact]
    public void Cpu_PassesTheCases_AndNamesTheExecutor()
    {
        (int exit, string output, string error) = CliRunner.Run([.. Cases(), "--executor", "cpu"]);

        AssertAllPassed(exit, output, error, "cpu");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void CudaHost_PassesTheCases_OnBothConvolutionPaths(bool im2col)
    {
        Requires.Directory(CudaHostExecutor.CompilerDirectory, "clang-19 (scripts/bootstrap.sh installs it)");
        string[] args = [.. Cases(), "--executor", "cuda-host"];
        (int exit, string output, string error) = CliRunner.Run(im2col ? [.. args, "--im2col"] : args);

        AssertAllPassed(exit, output, error, "cuda-host");
    }

    [SkippableFact]
    public void Cuda_WithoutAGpu_SaysWhyInOneLine()
    {
        NativeAvailability probe = NativeRuntime.Probe();
        Skip.If(probe.HasCudaDevice, $"{Requires.GpuSkipPrefix} a CUDA device is present; Cuda_OnAGpu_PassesTheCases runs the cases on it");

        (int exit, string output, string error) = CliRunner.Run([.. Cases(), "--executor", "cuda", "--device", "cuda:0"]);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"esen onnx-test: unavailable: no CUDA device cuda:0: {probe.MissingDevice(0)}", error.TrimEnd());
    }

    [SkippableFact]
    [Trait("Category", "Gpu")]
    public void Cuda_OnAGpu_PassesTheCases()
    {
        Requires.CudaDevice();

        (int exit, string output, string error) = CliRunner.Run([.. Cases(), "--executor", "cuda"]);

        AssertAllPassed(exit, output, error, "cuda");
    }

    [Theory]
    [InlineData("--executor", "gpu", "esen onnx-test: --executor 'gpu' is not one of cpu, cuda, cuda-host")]
    [InlineData("--device", "cpu", "esen onnx-test: --device 'cpu' is not a CUDA device (cuda:N)")]
    public void BadExecutorOrDevice_OneLine_Exit2(string option, string value, string message)
    {
        (int exit, string output, string error) = CliRunner.Run("onnx-test", "/nonexistent/cases", option, value);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal(message, error.TrimEnd());
    }

    private static string[] Cases()
    {
        string root = Requires.SharedDirectory("onnx-node");
        return ["onnx-test", .. s_caseNames.Select(name => Path.Combine(root, name))];
    }

    private static void AssertAllPassed(int exit, string output, string error, string executor)
    {
        Assert.True(exit == ExitCodes.Ok, $"exit {exit}\n{output}\n{error}");
        Assert.Equal([.. s_caseNames.Select(name => $"PASS {name}"), $"3 passed, 0 failed on {executor}"], output.TrimEnd().Split('\n'));
    }
}
