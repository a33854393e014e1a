using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Runtime;
using Esen.Runtime.Specs;
using Esen.Runtime.Studies;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen study ensemble [--device sim:NAME] [--batch B] --report DIR</c>: reproduces a source system's
/// headline comparison in kind and writes it as one self-contained HTML page (docs/studies.md).
/// </summary>
public static class StudyCommand
{
    private static readonly string[] s_studies = ["ensemble", "cascade", "multitenant", "serving"];

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var study = new Argument<string>("study") { Description = $"Which comparison: {string.Join(", ", s_studies)}." };
        var device = new Option<string>("--device", "-d") { Description = "The simulated GPU (sim:NAME from the device catalogue).", DefaultValueFactory = _ => "sim:h100" };
        var batch = new Option<int>("--batch", "-b") { Description = "The batch of every member.", DefaultValueFactory = _ => 8 };
        var report = new Option<string>("--report") { Description = "The folder to write the report into (created if missing).", Required = true };
        var command = new Command("study", "Reproduce a source system's headline comparison in kind (ESEN's planned partitions against the default concurrency) as an HTML report.");
        command.Arguments.Add(study);
        foreach (Option option in new Option[] { device, batch, report })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            try
            {
                string name = parse.GetValue(study)!;
                if (name != "ensemble")
                {
                    throw new EsenException(
                        EsenErrorKind.BadInput,
                        s_studies.Contains(name) ? $"the {name} study is not available yet (available: ensemble)" : $"unknown study '{name}' (known: {string.Join(", ", s_studies)})");
                }

                string deviceText = parse.GetValue(device)!;
                DeviceSpec gpu = DeviceSpec.TryParse(deviceText) is { Kind: DeviceKind.Simulated } simulated
                    ? simulated
                    : throw new EsenException(EsenErrorKind.BadInput, $"--device '{deviceText}' is not a simulated GPU (sim:NAME, e.g. sim:h100)");
                int batchSize = parse.GetValue(batch);
                if (batchSize < 1)
                {
                    throw new EsenException(EsenErrorKind.BadInput, $"--batch must be at least 1, got {batchSize}");
                }

                var progress = new ProgressLog(stderr);
                IReadOnlyList<EnsembleStudyCase> cases = EnsembleStudy.Run(EnsembleStudy.DefaultEnsembles(gpu, batchSize), gpu, what => progress.Line($"planning and simulating {what}"));
                var table = new TextTable("ensemble", ">default JCT ms", ">planned JCT ms", ">JCT reduction %", ">SM use gain %");
                foreach (EnsembleStudyCase c in cases)
                {
                    table.AddRow(
                        c.Spec.SourceName, F(c.Comparison.Default.JctMs), F(c.Planned?.Prediction?.JctMs),
                        F(c.JctReductionPercent, "F1"), F(c.UtilizationGainPercent, "F1"));
                }

                await stdout.WriteLineAsync($"ESEN reports up to {EnsembleStudy.PublishedJctReductionPercent} % shorter JCT and {EnsembleStudy.PublishedUtilizationGainPercent} % more GPU use; Esen predicts on {deviceText}:");
                table.WriteTo(stdout);
                string folder = parse.GetValue(report)!;
                Directory.CreateDirectory(folder);
                string page = Path.Combine(folder, "ensemble-study.html");
                await File.WriteAllTextAsync(page, EnsembleStudy.Report(cases, deviceText), cancellationToken);
                await stdout.WriteLineAsync($"report written to {page}");
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, stderr, "study");
            }
        });
        return command;
    }

    private static string F(double? value, string format = "F3") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
