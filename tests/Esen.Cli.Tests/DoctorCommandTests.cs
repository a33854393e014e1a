using Esen.Cli.Commands;
using Esen.Native;
using Esen.Native.Cuda;
using Esen.Solver.Milp;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

public class DoctorCommandTests
{
    [Fact]
    public void Doctor_reports_every_milp_backend_found_with_its_version_and_exits_zero()
    {
        (int exitCode, string output, _) = CliRunner.Run("doctor");

        Assert.Equal(ExitCodes.Ok, exitCode);
        foreach (string backend in new[] { "cp-sat", "scip", "highs", "cbc" })
        {
            Assert.Matches($@"(?m)^{backend}\s+found\s+.*Google OR-Tools \d+\.\d+\.\d+", output);
        }
    }

    [Fact]
    public void Doctor_says_why_a_milp_backend_is_missing()
    {
        var library = new LibraryAvailability("CUDA driver", false, null, null, "CUDA driver not found", ["libcuda.so.1: not found"]);
        using var output = new StringWriter();

        DoctorCommand.Write(new NativeAvailability(library, null, 0, "CUDA driver not found"), [new MissingBackend()], verbose: false, output);

        Assert.Matches(@"(?m)^gurobi\s+missing\s+no licence here", output.ToString());
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
    public void Doctor_lists_cuda_math_libraries()
    {
        (int exitCode, string output, _) = CliRunner.Run("doctor");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Matches(@"(?m)^cuBLAS\s+(found|missing)", output);
        Assert.Matches(@"(?m)^cuDNN\s+(found|missing)", output);
    }

    [Fact]
    public void Doctor_lists_devices_and_partition_mechanisms_when_a_gpu_is_present()
    {
        var library = new LibraryAvailability("CUDA driver", true, "12.4", "libcuda.so.1", null, ["libcuda.so.1: loaded"]);
        var device = new CudaDeviceProperties(new CudaDevice(0), "NVIDIA A100-SXM4-40GB", 108, 40UL << 30, 8, 0, MpsEnabled: false, ExecAffinitySupported: false);
        var probe = new NativeAvailability(library, 12040, 1, null) { Devices = [device] };
        using var output = new StringWriter();

        DoctorCommand.Write(probe, [], verbose: false, output);

        string text = output.ToString();
        Assert.Contains("CUDA devices: 1 (driver 12.4)", text, StringComparison.Ordinal);
        Assert.Matches(@"cuda:0\s+NVIDIA A100-SXM4-40GB\s+108\s+40\.0\s+8\.0\s+off", text);
        Assert.Contains("SM partitions on cuda:0 (automatic choice: green)", text, StringComparison.Ordinal);
        Assert.Matches(@"green\s+yes", text);
        Assert.Matches(@"mps-affinity\s+no\s+needs the MPS control daemon", text);
        Assert.Matches(@"none\s+yes", text);
        Assert.Contains("nvidia-cuda-mps-control -d", text, StringComparison.Ordinal);
        Assert.Contains("export CUDA_MPS_PIPE_DIRECTORY=", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_gives_no_mps_advice_when_the_daemon_runs()
    {
        var library = new LibraryAvailability("CUDA driver", true, "13.0", "libcuda.so.1", null, ["libcuda.so.1: loaded"]);
        var device = new CudaDeviceProperties(new CudaDevice(0), "NVIDIA H200", 132, 141UL << 30, 9, 0, MpsEnabled: true, ExecAffinitySupported: true);
        var probe = new NativeAvailability(library, 13000, 1, null) { Devices = [device] };
        using var output = new StringWriter();

        DoctorCommand.Write(probe, [], verbose: false, output);

        Assert.Matches(@"mps-affinity\s+yes", output.ToString());
        Assert.DoesNotContain("nvidia-cuda-mps-control -d", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        (int exitCode, _, string error) = CliRunner.Run("no-such-command");

        Assert.NotEqual(ExitCodes.Ok, exitCode);
        Assert.Contains("no-such-command", error, StringComparison.Ordinal);
    }

    private sealed class MissingBackend : IMilpSolver
    {
        public string Name => "gurobi";

        public bool IsSupported => false;

        public string Availability => "no licence here";

        public MilpResult Solve(MilpModel model, MilpSolveOptions options) => MilpResult.Failed(Availability, TimeSpan.Zero);
    }
}
