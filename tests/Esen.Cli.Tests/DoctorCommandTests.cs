using Esen.TestUtilities;

namespace Esen.Cli.Tests;

public class DoctorCommandTests
{
    [SkippableFact]
    public void Doctor_reports_cbc_found_with_version_and_exits_zero()
    {
        Requires.Cbc();

        (int exitCode, string output, _) = CliRunner.Run("doctor");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Matches(@"COIN-OR CBC\s+found\s+\d+\.\d+\.\d+", output);
    }

    [SkippableFact]
    public void Doctor_names_the_cuda_libraries_tried_when_there_is_no_driver()
    {
        Skip.If(TestEnv.Probe.Cuda.Loaded, "this machine has a CUDA driver");

        (int exitCode, string output, _) = CliRunner.Run("doctor");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("CUDA driver  missing", output, StringComparison.Ordinal);
        Assert.Contains("libcuda.so.1", output, StringComparison.Ordinal);
        Assert.Contains("CUDA devices: none", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        (int exitCode, _, string error) = CliRunner.Run("no-such-command");

        Assert.NotEqual(ExitCodes.Ok, exitCode);
        Assert.Contains("no-such-command", error, StringComparison.Ordinal);
    }
}
