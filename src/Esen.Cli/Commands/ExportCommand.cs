using System.CommandLine;
using Esen.Serving.Export;
using Esen.Solver.Devices;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen export SPEC --plan PLAN --to kserve|triton|ray|k8s-mps DIR</c>: writes what a serving engine
/// runs for the spec and its plan (<see cref="Exporter"/>, docs/export.md), with LIMITS.txt.
/// </summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var defaults = new ExportOptions();
        var spec = new Argument<string>("SPEC") { Description = "An esen-ensemble/1 file (docs/ensemble-format.md)." };
        var directory = new Argument<string>("DIR") { Description = "The folder to write: absent or empty; nothing is written there unless the whole export succeeds." };
        var plan = new Option<string>("--plan") { Description = "A plan of the spec's members from esen plan --json (devices, shares, and nodes where the problem has them).", Required = true };
        var target = new Option<string>("--to") { Description = $"The engine: {string.Join(" | ", ExportTargets.Names)}.", Required = true };
        var image = new Option<string>("--image") { Description = "kserve: the container image whose entry point is esen.", DefaultValueFactory = _ => defaults.Image };
        var storage = new Option<string>("--storage-uri") { Description = "kserve: where each node group's folder is fetched from (the node's name is appended).", DefaultValueFactory = _ => defaults.StorageRoot };
        var devices = new Option<string?>("--devices") { Description = "An esen-devices/1 file with more GPU models for the plan's gpu fields." };
        var command = new Command("export", "Write a KServe, Triton, Ray Serve or Kubernetes MPS deployment of a planned spec, with LIMITS.txt (docs/export.md).");
        command.Arguments.Add(spec);
        command.Arguments.Add(directory);
        foreach (Option option in new Option[] { plan, target, image, storage, devices })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            try
            {
                ExportResult result = Exporter.Export(parse.GetValue(spec)!, parse.GetValue(plan)!, parse.GetValue(target)!, parse.GetValue(directory)!,
                    defaults with
                    {
                        Image = parse.GetValue(image)!,
                        StorageRoot = parse.GetValue(storage)!,
                        Devices = parse.GetValue(devices) is string devicesFile ? DeviceCatalog.BuiltIn.WithFile(devicesFile) : DeviceCatalog.BuiltIn,
                    });
                output.WriteLine($"written {result.Files.Count} files to {result.Directory}");
                foreach (string file in result.Files)
                {
                    output.WriteLine($"  {file}");
                }

                output.WriteLine($"{result.Limits.Count} limit(s) in {Exporter.LimitsFile}");
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, parse.InvocationConfiguration.Error, "export");
            }
        });
        return command;
    }
}
