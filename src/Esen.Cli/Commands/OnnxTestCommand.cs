using System.CommandLine;
using System.Globalization;
using Esen.Kernels.Cpu;
using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Native;
using Esen.Runtime.Specs;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen onnx-test DIR... [--executor cpu|cuda|cuda-host]</c>: runs ONNX backend-test folders (DESIGN.md,
/// "ONNX tests") on the CPU executor, the CUDA executor on a GPU, or the CUDA executor's plan carried out on the
/// host (<see cref="CudaHostExecutor"/>: no GPU needed). One line per test, then
/// <c>N passed, N failed[, N skipped] on EXECUTOR</c>. Without the GPU or the host compiler an executor needs it
/// prints one line saying why and exits with the unavailable code (<see cref="ExitCodes.Failure"/>).
/// </summary>
public static class OnnxTestCommand
{
    /// <summary>The <c>--executor</c> names, in help order.</summary>
    public static IReadOnlyList<string> ExecutorNames { get; } = ["cpu", "cuda", "cuda-host"];

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var directories = new Argument<string[]>("DIR") { Description = "Test folders (holding model.onnx), or folders of them.", Arity = ArgumentArity.OneOrMore };
        var rtol = new Option<double>("--rtol") { Description = "Relative tolerance.", DefaultValueFactory = _ => 1e-3 };
        var atol = new Option<double>("--atol") { Description = "Absolute tolerance.", DefaultValueFactory = _ => 1e-5 };
        var threads = new Option<int>("--threads") { Description = "With --executor cpu: threads for GEMM and convolution kernels.", DefaultValueFactory = _ => 1 };
        var executor = new Option<string>("--executor", "-e")
        {
            Description = "cpu | cuda (the CUDA executor on --device) | cuda-host (the CUDA executor's plan run on the host: kernels/*.cu built by clang++-19, cuBLAS and cuDNN emulated).",
            DefaultValueFactory = _ => "cpu",
        };
        var device = new Option<string>("--device", "-d") { Description = "With --executor cuda: the GPU.", DefaultValueFactory = _ => "cuda:0" };
        var im2col = new Option<bool>("--im2col") { Description = "With cuda or cuda-host: every convolution as im2col + GEMM instead of cuDNN." };
        var command = new Command("onnx-test", "Run ONNX backend-test folders (model.onnx, test_data_set_*/*.pb) on an executor and compare outputs.");
        command.Arguments.Add(directories);
        command.Options.Add(rtol);
        command.Options.Add(atol);
        command.Options.Add(threads);
        command.Options.Add(executor);
        command.Options.Add(device);
        command.Options.Add(im2col);
        command.SetAction(parse => Run(
            parse.GetValue(directories) ?? [],
            new OnnxTolerance(parse.GetValue(rtol), parse.GetValue(atol)),
            new OnnxTestSettings(parse.GetValue(executor)!, parse.GetValue(device)!, parse.GetValue(threads), parse.GetValue(im2col)),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs every case and prints the report; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> roots, OnnxTolerance tolerance, OnnxTestSettings settings, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Threads < 1 || tolerance.Rtol < 0 || tolerance.Atol < 0)
        {
            error.WriteLine("esen onnx-test: --threads must be at least 1 and tolerances non-negative");
            return ExitCodes.BadInput;
        }

        if (!ExecutorNames.Contains(settings.Executor))
        {
            error.WriteLine($"esen onnx-test: --executor '{settings.Executor}' is not one of {string.Join(", ", ExecutorNames)}");
            return ExitCodes.BadInput;
        }

        if (DeviceSpec.TryParse(settings.Device) is not { Kind: DeviceKind.Cuda } gpu)
        {
            error.WriteLine($"esen onnx-test: --device '{settings.Device}' is not a CUDA device (cuda:N)");
            return ExitCodes.BadInput;
        }

        var cases = new List<string>();
        foreach (string root in roots)
        {
            if (!Directory.Exists(root))
            {
                error.WriteLine($"esen onnx-test: {root}: no such directory");
                return ExitCodes.BadInput;
            }

            IReadOnlyList<string> found = OnnxTestRunner.FindCases(root);
            if (found.Count == 0)
            {
                error.WriteLine($"esen onnx-test: {root}: no model.onnx found");
                return ExitCodes.BadInput;
            }

            cases.AddRange(found);
        }

        if (Unavailable(settings.Executor, gpu) is { } reason)
        {
            error.WriteLine($"esen onnx-test: unavailable: {reason}");
            return ExitCodes.Failure;
        }

        Func<LayerGraph, IExecutor> createExecutor = CreateExecutor(settings, gpu.Ordinal);
        int passed = 0, failed = 0;
        var skipped = new List<OnnxTestResult>();
        foreach (string directory in cases)
        {
            OnnxTestResult result = OnnxTestRunner.Run(directory, tolerance, createExecutor);
            string status = result.Status switch
            {
                OnnxTestStatus.Passed => "PASS",
                OnnxTestStatus.Failed => "FAIL",
                _ => "SKIP",
            };
            output.WriteLine(result.Message.Length == 0 ? $"{status} {result.Name}" : $"{status} {result.Name}: {result.Message}");
            switch (result.Status)
            {
                case OnnxTestStatus.Passed:
                    passed++;
                    break;
                case OnnxTestStatus.Failed:
                    failed++;
                    break;
                default:
                    skipped.Add(result);
                    break;
            }
        }

        string summary = string.Create(CultureInfo.InvariantCulture, $"{passed} passed, {failed} failed");
        summary += skipped.Count > 0
            ? $", {skipped.Count} skipped on {settings.Executor} ({string.Join("; ", SkipReasons(skipped))})"
            : $" on {settings.Executor}";

        output.WriteLine(summary);
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    // Why the executor cannot run here, before any case runs: the probe's reason for a missing GPU or cuBLAS, the
    // missing clang++ or its failed build of the host kernels.
    private static string? Unavailable(string executor, DeviceSpec gpu)
    {
        switch (executor)
        {
            case "cuda":
                NativeAvailability probe = NativeRuntime.Probe();
                return probe.MissingDevice(gpu.Ordinal) is { } missing ? $"no CUDA device {gpu}: {missing}"
                    : probe.HasCublas ? null
                    : $"{gpu}: {probe.Cublas.Reason}";
            case "cuda-host":
                try
                {
                    CudaHostExecutor.EnsureKernels();
                    return null;
                }
                catch (Exception e) when (e is NotSupportedException or InvalidOperationException or TimeoutException)
                {
                    return e.Message;
                }

            default:
                return null;
        }
    }

    private static Func<LayerGraph, IExecutor> CreateExecutor(OnnxTestSettings settings, int ordinal)
    {
        var cuda = new CudaExecutorOptions { DeviceOrdinal = ordinal, UseCudnn = !settings.Im2col };
        var cpu = new CpuExecutorOptions { Threads = settings.Threads };
        return settings.Executor switch
        {
            "cuda" => graph => new CudaExecutor(graph, cuda),
            "cuda-host" => graph => new CudaHostExecutor(graph, cuda),
            _ => graph => new CpuExecutor(graph, cpu),
        };
    }

    // Groups the skip messages by what is unsupported ("operator 'Pow' is not supported" × 3).
    private static IEnumerable<string> SkipReasons(IEnumerable<OnnxTestResult> skipped) =>
        skipped.Select(s => Reason(s.Message)).GroupBy(r => r, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}");

    private static string Reason(string message)
    {
        // "file: Op node 'name': operator 'X' is not supported" -> "operator 'X' is not supported"
        int cut = message.LastIndexOf("': ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}

/// <summary>Where <c>esen onnx-test</c> runs its cases.</summary>
/// <param name="Executor">One of <see cref="OnnxTestCommand.ExecutorNames"/>.</param>
/// <param name="Device">The GPU of the cuda executor (<c>cuda:N</c>).</param>
/// <param name="Threads">The CPU executor's threads.</param>
/// <param name="Im2col">Whether the CUDA executors run every convolution as im2col + GEMM instead of cuDNN.</param>
public sealed record OnnxTestSettings(string Executor, string Device, int Threads, bool Im2col);
