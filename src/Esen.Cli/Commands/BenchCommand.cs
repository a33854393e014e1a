using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Kernels.Cuda;
using Esen.Native;
using Esen.Runtime.Benchmarking;
using Esen.Runtime.Execution;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.Profiles;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen bench [SPEC] --device cuda:N</c>: whether sharing the GPU pays for an ensemble, measured on
/// that GPU (<see cref="EnsembleBench"/>): each member alone, then the ensemble under every available
/// mechanism and split, as a table and as <c>esen-bench/1</c> JSON.
/// </summary>
public static class BenchCommand
{
    // The built-in ensemble at the ImageNet size its members were designed for.
    private const int ImageSize = 224;

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var spec = new Argument<string?>("SPEC") { Description = "An esen-ensemble/1 ensemble (docs/ensemble-format.md), every member run on --device; omit it for the built-in ensemble at 224×224.", Arity = ArgumentArity.ZeroOrOne };
        var device = new Option<string>("--device", "-d") { Description = "The CUDA device to measure.", DefaultValueFactory = _ => "cuda:0" };
        var batch = new Option<string[]>("--batch", "-b") { Description = "The batches to measure, e.g. --batch 8 32 (each the runtime's largest batch).", DefaultValueFactory = _ => ["8"], AllowMultipleArgumentsPerToken = true };
        var mechanism = new Option<string[]>("--mechanism", "-m") { Description = $"Measure only these: {string.Join(", ", BenchMechanism.Names)} (default: every one the device offers, and sequential).", AllowMultipleArgumentsPerToken = true };
        var clients = new Option<string?>("--clients") { Description = "Clients of each closed loop (default: twice the batch)." };
        var loopBatches = new Option<string>("--loop-batches") { Description = "Timed requests of each closed loop, in batches' worth.", DefaultValueFactory = _ => "20" };
        var precision = new Option<string?>("--precision") { Description = $"{string.Join(" | ", GpuPrecisions.Names)}: the math of convolutions and GEMMs (overrides the spec's \"precision\"; default fp32)." };
        var noCudnn = new Option<bool>("--no-cudnn") { Description = "Run every convolution as im2col + cuBLAS (overrides the spec's cuda.cudnn)." };
        var noMeasure = new Option<bool>("--no-measure-convolutions") { Description = "Take cuDNN's heuristic algorithm instead of timing the candidates once per shape." };
        var noGraphs = new Option<bool>("--no-cuda-graphs") { Description = "Launch each step every run instead of replaying a captured CUDA graph." };
        var noRewrites = new Option<bool>("--no-rewrites") { Description = "Plan the graphs as given (no BatchNorm folding, no fused activations)." };
        var json = new Option<string?>("--json") { Description = "Also write the report (esen-bench/1) to this file." };
        var store = new Option<string?>("--store") { Description = $"The profile store for the planned split's measured curves (default: ${ProfileStore.DirectoryVariable}, else $XDG_CACHE_HOME/esen/profiles, else ~/.cache/esen/profiles)." };
        var command = new Command("bench", "Measure on a GPU whether sharing pays: each member alone, then the ensemble under every partition mechanism and split (throughput, p50, p99).");
        command.Arguments.Add(spec);
        foreach (Option option in new Option[] { device, batch, mechanism, clients, loopBatches, precision, noCudnn, noMeasure, noGraphs, noRewrites, json, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            try
            {
                DeviceSpec gpu = CudaDevice(parse.GetValue(device)!);
                var options = new BenchOptions
                {
                    Batches = [.. parse.GetValue(batch)!.Select(b => Count("--batch", b))],
                    Mechanisms = parse.GetValue(mechanism) is { Length: > 0 } names ? [.. names.Select(Mechanism)] : null,
                    Clients = parse.GetValue(clients) is string c ? Count("--clients", c) : null,
                    LoopBatches = Count("--loop-batches", parse.GetValue(loopBatches)!),
                    Store = parse.GetValue(store) is string directory ? new ProfileStore(directory) : new ProfileStore(),
                };
                GpuPrecision? math = parse.GetValue(precision) is string name ? Precision(name) : null;
                string? specPath = parse.GetValue(spec);
                EnsembleSpec read = EnsembleBench.PlaceOn(specPath is null ? RunCommand.DefaultSpec(gpu, ImageSize) : EnsembleSpecReader.ReadFile(specPath), gpu);
                EnsembleSpec benchSpec = (math is GpuPrecision overridden ? read with { Precision = overridden } : read) with
                {
                    Cuda = read.Cuda with
                    {
                        UseCudnn = read.Cuda.UseCudnn && !parse.GetValue(noCudnn),
                        MeasureConvolutions = read.Cuda.MeasureConvolutions && !parse.GetValue(noMeasure),
                        UseCudaGraphs = read.Cuda.UseCudaGraphs && !parse.GetValue(noGraphs),
                        Optimize = read.Cuda.Optimize && !parse.GetValue(noRewrites),
                    },
                };

                // The device before any progress line, so a missing GPU is the one line on stderr.
                var measurer = new CudaGpuMeasurer(gpu.Ordinal, CudaRunnerFactory.ExecutorOptions(benchSpec, gpu));
                var progress = new ProgressLog(stderr);
                progress.Line($"{measurer.Gpu}, driver {NativeRuntime.FormatCudaVersion(measurer.Gpu.DriverVersion)}: loading {string.Join(", ", benchSpec.Members.Select(m => m.Name))}");
                EnsembleModels models = EnsembleModels.Load(benchSpec);
                BenchReport report = await EnsembleBench.RunAsync(models, measurer, new RuntimeClosedLoop(), options, progress.Line, cancellationToken);
                progress.Line("done");
                Write(report, stdout);
                if (parse.GetValue(json) is string jsonPath)
                {
                    await File.WriteAllTextAsync(jsonPath, report.ToJson(), cancellationToken);
                    await stdout.WriteLineAsync($"report written to {jsonPath}");
                }

                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, stderr, "bench");
            }
        });
        return command;
    }

    /// <summary>
    /// Writes <paramref name="report"/>: the members alone, then one table per batch with a row per
    /// mechanism and split (the highest throughput marked *), then what was not measured and why.
    /// </summary>
    public static void Write(BenchReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"GPU: {report.Gpu}, driver {NativeRuntime.FormatCudaVersion(report.Gpu.DriverVersion)}");
        output.WriteLine($"Ensemble: {report.Ensemble} ({string.Join(", ", report.Members)}), {report.Precision.ToName()}");
        CudaExecutorOptions e = report.Executor;
        output.WriteLine($"Executor: cuDNN {OnOff(e.UseCudnn)}, measured convolution algorithms {OnOff(e.MeasureConvolutions)}, " +
            $"CUDA graphs {OnOff(e.UseCudaGraphs)}, graph rewrites {OnOff(e.Optimize)}, convolution workspace ≤ {e.ConvolutionWorkspaceLimitBytes >> 20} MiB");
        output.WriteLine();
        output.WriteLine("Members alone on all SMs, ms per batch: median (p10–p90)");
        var alone = new TextTable(["member", .. report.Batches.Select(b => $">batch {b}")]);
        foreach (string member in report.Members)
        {
            alone.AddRow([member, .. report.Batches.Select(b => report.Alone.FirstOrDefault(m => m.Batch == b && m.Member == member) is { } m
                ? $"{m.Alone.MedianMs:F2} ({m.Alone.P10Ms:F2}–{m.Alone.P90Ms:F2})"
                : "-")]);
        }

        alone.WriteTo(output);
        if (report.Alone.Any(m => m.FirstRunMs is not null))
        {
            output.WriteLine();
            output.WriteLine("First run of each member, ms (plan, convolution measurements, PTX load, weight upload and the run)");
            var firstRuns = new TextTable(["member", .. report.Batches.Select(b => $">batch {b}")]);
            foreach (string member in report.Members)
            {
                firstRuns.AddRow([member, .. report.Batches.Select(b =>
                    report.Alone.FirstOrDefault(m => m.Batch == b && m.Member == member)?.FirstRunMs is { } ms ? $"{ms:F0}" : "-")]);
            }

            firstRuns.WriteTo(output);
        }

        foreach (int batch in report.Batches)
        {
            output.WriteLine();
            ClosedLoopResult? loop = report.Rows.FirstOrDefault(r => r.Batch == batch && r.Load is not null)?.Load;
            output.WriteLine(loop is null
                ? $"Ensemble at batch {batch}:"
                : $"Ensemble at batch {batch} (closed loop: {loop.Clients} clients, {loop.Requests} timed one-input requests):");
            BenchRow? best = report.Best(batch);
            var table = new TextTable("", "mechanism", "split", ">shares %", ">SMs", ">inputs/s", ">p50 ms", ">p99 ms", ">batch ms");
            foreach (BenchRow row in report.Rows.Where(r => r.Batch == batch))
            {
                table.AddRow(
                    ReferenceEquals(row, best) ? "*" : "",
                    row.Mechanism.Name,
                    row.Split.ToName(),
                    string.Join('/', row.SharesPercent),
                    string.Join('/', row.GrantedSms),
                    row.ThroughputPerSecond.ToString("F1", CultureInfo.InvariantCulture),
                    Ms(row.Load?.P50Ms),
                    Ms(row.Load?.P99Ms),
                    Ms(row.BatchMs));
            }

            table.WriteTo(output);
        }

        output.WriteLine();
        output.WriteLine("* the highest throughput at its batch. batch ms: every member's batch launched together, median of the timed runs.");
        output.WriteLine("inputs/s, p50, p99: the closed loop through the runtime. sequential is derived, not run: batch ms is the sum of the members' medians alone, inputs/s the batch over it.");
        if (report.NotMeasured.Count > 0)
        {
            output.WriteLine("Not measured:");
            foreach (BenchOmission omission in report.NotMeasured)
            {
                string what = omission.Split is BenchSplit split ? $"{omission.Mechanism} {split.ToName()}" : omission.Mechanism.Name;
                output.WriteLine($"  {what}{(omission.Batch is int b ? $" at batch {b}" : "")}: {omission.Reason}");
            }
        }
    }

    private static string Ms(double? value) => value?.ToString("F2", CultureInfo.InvariantCulture) ?? "-";

    private static DeviceSpec CudaDevice(string text) => DeviceSpec.TryParse(text) is { Kind: DeviceKind.Cuda } device
        ? device
        : throw new FormatException($"--device '{text}' is not a CUDA device (cuda:N); esen bench measures a real GPU");

    private static BenchMechanism Mechanism(string name) => BenchMechanism.TryParse(name, out BenchMechanism mechanism)
        ? mechanism
        : throw new FormatException($"--mechanism: unknown mechanism '{name}' (known: {string.Join(", ", BenchMechanism.Names)})");

    private static GpuPrecision Precision(string name) => GpuPrecisions.TryParse(name, out GpuPrecision precision)
        ? precision
        : throw new FormatException($"--precision '{name}' is not {string.Join(" or ", GpuPrecisions.Names)}");

    private static int Count(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : throw new FormatException($"{option} must be a whole number of at least 1, got '{text}'");

    private static string OnOff(bool on) => on ? "on" : "off";
}
