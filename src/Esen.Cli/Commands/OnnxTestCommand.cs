using System.CommandLine;
using System.Globalization;
using Esen.Kernels.Cpu;
using Esen.Kernels.Onnx;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen onnx-test DIR...</c>: runs ONNX backend-test folders on the CPU executor (DESIGN.md,
/// "ONNX tests"). One line per test, then <c>N passed, N failed</c> and, when any, <c>, N skipped</c>.
/// </summary>
public static class OnnxTestCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var directories = new Argument<string[]>("DIR") { Description = "Test folders (holding model.onnx), or folders of them.", Arity = ArgumentArity.OneOrMore };
        var rtol = new Option<double>("--rtol") { Description = "Relative tolerance.", DefaultValueFactory = _ => 1e-3 };
        var atol = new Option<double>("--atol") { Description = "Absolute tolerance.", DefaultValueFactory = _ => 1e-5 };
        var threads = new Option<int>("--threads") { Description = "Threads for GEMM and convolution kernels.", DefaultValueFactory = _ => 1 };
        var command = new Command("onnx-test", "Run ONNX backend-test folders (model.onnx, test_data_set_*/*.pb) on the CPU executor and compare outputs.");
        command.Arguments.Add(directories);
        command.Options.Add(rtol);
        command.Options.Add(atol);
        command.Options.Add(threads);
        command.SetAction(parse => Run(
            parse.GetValue(directories) ?? [],
            new OnnxTolerance(parse.GetValue(rtol), parse.GetValue(atol)),
            parse.GetValue(threads),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Runs every case and prints the report; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> roots, OnnxTolerance tolerance, int threads, TextWriter output, TextWriter error)
    {
        if (threads < 1 || tolerance.Rtol < 0 || tolerance.Atol < 0)
        {
            error.WriteLine("onnx-test: --threads must be at least 1 and tolerances non-negative");
            return ExitCodes.BadInput;
        }

        var cases = new List<string>();
        foreach (string root in roots)
        {
            if (!Directory.Exists(root))
            {
                error.WriteLine($"onnx-test: {root}: no such directory");
                return ExitCodes.BadInput;
            }

            IReadOnlyList<string> found = OnnxTestRunner.FindCases(root);
            if (found.Count == 0)
            {
                error.WriteLine($"onnx-test: {root}: no model.onnx found");
                return ExitCodes.BadInput;
            }

            cases.AddRange(found);
        }

        int passed = 0, failed = 0;
        var skipped = new List<OnnxTestResult>();
        var options = new CpuExecutorOptions { Threads = threads };
        foreach (string directory in cases)
        {
            OnnxTestResult result = OnnxTestRunner.Run(directory, tolerance, options);
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
        if (skipped.Count > 0)
        {
            summary += $", {skipped.Count} skipped ({string.Join("; ", SkipReasons(skipped))})";
        }

        output.WriteLine(summary);
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
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
