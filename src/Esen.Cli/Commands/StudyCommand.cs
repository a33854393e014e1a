using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Runtime;
using Esen.Runtime.Specs;
using Esen.Runtime.Studies;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen study ensemble|cascade|multitenant|serving [--device sim:NAME] [--batch B] [--gpus N] --report DIR</c>: reproduces a source system's
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
        var batch = new Option<int?>("--batch", "-b") { Description = "The batch of every member (default: 32 for cascade, else 8; serving tries 1 to 32 unless given)." };
        var gpus = new Option<int>("--gpus") { Description = "serving: how many of the device the ensemble is served on.", DefaultValueFactory = _ => ServingStudy.DefaultGpuCount };
        var report = new Option<string>("--report") { Description = "The folder to write the report into (created if missing).", Required = true };
        var command = new Command("study", "Reproduce a source system's headline comparison in kind (ESEN: planned partitions against the default concurrency; ESCAN: exit-aware cascades against parallel ones; GACER: spatial and temporal regulation of tenants; Pochelu et al.: allocating an ensemble's DNNs to GPUs against a batch-tuned baseline) as an HTML report.");
        command.Arguments.Add(study);
        foreach (Option option in new Option[] { device, batch, gpus, report })
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
                if (!s_studies.Contains(name))
                {
                    throw new EsenException(EsenErrorKind.BadInput, $"unknown study '{name}' (known: {string.Join(", ", s_studies)})");
                }

                string deviceText = parse.GetValue(device)!;
                DeviceSpec gpu = DeviceSpec.TryParse(deviceText) is { Kind: DeviceKind.Simulated } simulated
                    ? simulated
                    : throw new EsenException(EsenErrorKind.BadInput, $"--device '{deviceText}' is not a simulated GPU (sim:NAME, e.g. sim:h100)");
                int? givenBatch = parse.GetValue(batch);
                int batchSize = givenBatch ?? (name == "cascade" ? 32 : 8);
                if (batchSize < 1)
                {
                    throw new EsenException(EsenErrorKind.BadInput, $"--batch must be at least 1, got {batchSize}");
                }

                int gpuCount = parse.GetValue(gpus);
                if (gpuCount < 1)
                {
                    throw new EsenException(EsenErrorKind.BadInput, $"--gpus must be at least 1, got {gpuCount}");
                }

                var progress = new ProgressLog(stderr);
                string folder = parse.GetValue(report)!;
                Directory.CreateDirectory(folder);
                string page = Path.Combine(folder, $"{name}-study.html");
                string html = name switch
                {
                    "ensemble" => Ensemble(gpu, deviceText, batchSize, progress, stdout),
                    "cascade" => Cascade(gpu, deviceText, batchSize, progress, stdout),
                    "multitenant" => Multitenant(gpu, deviceText, batchSize, progress, stdout),
                    _ => Serving(gpu, deviceText, gpuCount, givenBatch is { } b ? [b] : ServingStudy.DefaultBatches, progress, stdout),
                };
                await File.WriteAllTextAsync(page, html, cancellationToken);
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

    private static string Ensemble(DeviceSpec gpu, string device, int batch, ProgressLog progress, TextWriter stdout)
    {
        IReadOnlyList<EnsembleStudyCase> cases = EnsembleStudy.Run(EnsembleStudy.DefaultEnsembles(gpu, batch), gpu, what => progress.Line($"planning and simulating {what}"));
        var table = new TextTable("ensemble", ">default JCT ms", ">planned JCT ms", ">JCT reduction %", ">SM use gain %");
        foreach (EnsembleStudyCase c in cases)
        {
            table.AddRow(c.Spec.SourceName, F(c.Comparison.Default.JctMs), F(c.Planned?.Prediction?.JctMs), F(c.JctReductionPercent, "F1"), F(c.UtilizationGainPercent, "F1"));
        }

        stdout.WriteLine($"ESEN reports up to {EnsembleStudy.PublishedJctReductionPercent} % shorter JCT and {EnsembleStudy.PublishedUtilizationGainPercent} % more GPU use; Esen predicts on {device}:");
        table.WriteTo(stdout);
        return EnsembleStudy.Report(cases, device);
    }

    private static string Cascade(DeviceSpec gpu, string device, int batch, ProgressLog progress, TextWriter stdout)
    {
        EnsembleSpec stages = CascadeStudy.DefaultCascade(gpu, batch);
        IReadOnlyList<CascadeStudyPoint> points = CascadeStudy.Run(stages, gpu, CascadeStudy.DefaultExitRatios, what => progress.Line($"planning and simulating at {what}"));
        var table = new TextTable(">exit ratio", "rows per stage", ">sequential ms", ">parallel ms", ">exit-aware ms", ">gain %");
        foreach (CascadeStudyPoint p in points)
        {
            table.AddRow(F(p.ExitRatio, "F1"), string.Join("/", p.Rows), F(p.SequentialMs), F(p.AllParallelMs), F(p.ExitAwareMs), F(p.GainPercent, "F1"));
        }

        stdout.WriteLine($"ESCAN reports exit-aware batch-parallel cascades {CascadeStudy.PublishedGainPercent} % faster on average than parallel execution; " +
            $"Esen predicts for {string.Join(" → ", stages.Members.Select(m => m.Name))} at batch {batch} on {device}:");
        table.WriteTo(stdout);
        return CascadeStudy.Report(stages, points, device);
    }

    private static string Multitenant(DeviceSpec gpu, string device, int batch, ProgressLog progress, TextWriter stdout)
    {
        EnsembleSpec tenants = MultitenantStudy.DefaultTenants(gpu, batch);
        MultitenantStudyResult result = MultitenantStudy.Run(tenants, gpu, what => progress.Line($"planning and simulating {what}"));
        var table = new TextTable("sharing", ">ms until every tenant is done");
        table.AddRow("native (no limits)", F(result.NativeMs));
        foreach (TemporalSchedule schedule in result.Schedules)
        {
            table.AddRow((schedule.Slices == 1 ? "spatial only" : $"spatial + temporal, {schedule.Slices} rounds, slices {string.Join("/", schedule.SlicesPerTenant)}") + (ReferenceEquals(schedule, result.Best) ? " *" : ""), F(schedule.Ms));
        }

        foreach (TemporalSchedule schedule in result.TemporalOnly)
        {
            table.AddRow($"temporal only, {schedule.Slices} rounds, slices {string.Join("/", schedule.SlicesPerTenant)}", F(schedule.Ms));
        }

        stdout.WriteLine($"GACER regulates tenants spatially and temporally; Esen predicts for {string.Join(", ", result.Tenants)} at batch {batch} on {device} (* the planner's choice):");
        table.WriteTo(stdout);
        return MultitenantStudy.Report(result, device);
    }

    private static string Serving(DeviceSpec gpu, string device, int gpuCount, IReadOnlyList<int> batches, ProgressLog progress, TextWriter stdout)
    {
        EnsembleSpec ensemble = ServingStudy.DefaultEnsemble(gpu);
        ServingStudyResult result = ServingStudy.Run(ensemble, gpu, gpuCount, batches, what => progress.Line($"planning and simulating at {what}"));
        var table = new TextTable("approach", ">best batch", ">requests/s", ">vs baseline", ">solve ms");
        foreach (string approach in ServingStudy.Approaches)
        {
            ServingAllocation best = result.Best(approach);
            table.AddRow(approach, best.Batch.ToString(CultureInfo.InvariantCulture), F(best.RequestsPerSecond, "F0"), F(result.Speedup(approach), "F2") + "×", F(best.SolveMs, "F1"));
        }

        stdout.WriteLine($"Pochelu et al. report up to {ServingStudy.PublishedSpeedup}× over a batch-tuned baseline; Esen predicts for {result.Members.Count} CNNs on {gpuCount} × {device}:");
        table.WriteTo(stdout);
        return ServingStudy.Report(result, device);
    }

    private static string F(double? value, string format = "F3") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
