using System.CommandLine;
using Esen.Cli.Output;
using Esen.Runtime.Profiling;
using Esen.Solver.CostModel;

namespace Esen.Cli.Commands;

/// <summary><c>esen costmodel validate</c>: the analytic model against every reproducible published latency.</summary>
public static class CostModelCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var validate = new Command("validate", "Compare the analytic cost model with published latencies (gpu-facts §2.1, §4.2); exit 1 if the error thresholds fail.");
        validate.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            ValidationReport report = ZooWorkloads.Validate(AnalyticCostModel.Default);
            Write(report, output);
            return report.Passes ? ExitCodes.Ok : ExitCodes.Failure;
        });

        var command = new Command("costmodel", "The analytic per-layer cost model.");
        command.Subcommands.Add(validate);
        return command;
    }

    /// <summary>Prints one row per point, then the mean and max |error| against the thresholds.</summary>
    public static void Write(ValidationReport report, TextWriter output)
    {
        var table = new TextTable("model", "device", "precision", ">batch", ">share %", ">SMs", ">measured ms", ">model ms", ">error %");
        foreach (ValidationPoint point in report.Points)
        {
            PublishedMeasurement m = point.Measurement;
            table.AddRow(
                m.SequenceLength > 0 ? $"{m.Model}-s{m.SequenceLength}" : m.Model,
                m.Device,
                m.Precision.ToString().ToLowerInvariant(),
                m.Batch.ToString(),
                m.SharePercent.ToString(),
                point.Sms.ToString(),
                m.MeasuredMs.ToString("F2"),
                point.PredictedMs.ToString("F2"),
                (point.Error * 100).ToString("+0.0;-0.0"));
        }

        table.WriteTo(output);
        output.WriteLine();
        output.WriteLine($"{report.Points.Count} points: mean |error| {report.MeanAbsoluteError * 100:F1} % (limit {ValidationReport.MeanErrorLimit * 100:F0} %), " +
            $"max |error| {report.MaxAbsoluteError * 100:F1} % (limit {ValidationReport.MaxErrorLimit * 100:F0} %): {(report.Passes ? "PASS" : "FAIL")}");
        foreach (string source in report.Points.Select(p => p.Measurement.Source).Distinct())
        {
            output.WriteLine($"source: {source}");
        }
    }
}
