using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Native;
using Esen.Solver.Profiles;

namespace Esen.Cli.Commands;

/// <summary><c>esen store list|clear</c>: the measured latency profiles kept between runs.</summary>
public static class StoreCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var storeOption = new Option<string>("--store")
        {
            Description = $"The store directory (default: ${ProfileStore.DirectoryVariable}, else $XDG_CACHE_HOME/esen/profiles, else ~/.cache/esen/profiles).",
            Recursive = true,
        };

        var list = new Command("list", "List the measured profiles, and the entries that cannot be used with the reason.");
        list.SetAction(parse =>
        {
            var store = Open(parse.GetValue(storeOption));
            return Run(parse.InvocationConfiguration.Error, "list", () => WriteList(store, parse.InvocationConfiguration.Output));
        });

        var gpuOption = new Option<string>("--gpu") { Description = "Only the profiles measured on this GPU (its name as CUDA reports it; case-insensitive)." };
        var clear = new Command("clear", "Remove measured profiles: all of them (damaged entries included), or one GPU's.");
        clear.Options.Add(gpuOption);
        clear.SetAction(parse =>
        {
            var store = Open(parse.GetValue(storeOption));
            string? gpu = parse.GetValue(gpuOption);
            return Run(parse.InvocationConfiguration.Error, "clear", () =>
            {
                int removed = gpu is null ? store.Clear() : store.Clear(key => string.Equals(key.Gpu, gpu, StringComparison.OrdinalIgnoreCase));
                string which = gpu is null ? "" : $" of GPU '{gpu}'";
                parse.InvocationConfiguration.Output.WriteLine($"removed {Entries(removed)}{which} from {store.DirectoryPath}");
            });
        });

        var command = new Command("store", "The store of latency profiles measured on real GPUs (docs/profile-store.md).");
        command.Options.Add(storeOption);
        command.Subcommands.Add(list);
        command.Subcommands.Add(clear);
        return command;
    }

    private static ProfileStore Open(string? directory) => directory is null ? new ProfileStore() : new ProfileStore(directory);

    private static int Run(TextWriter error, string name, Action action)
    {
        try
        {
            action();
            return ExitCodes.Ok;
        }
        catch (ProfileStoreException ex)
        {
            error.WriteLine($"esen store {name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    private static string Entries(int count) => count == 1 ? "1 entry" : $"{count} entries";

    private static void WriteList(ProfileStore store, TextWriter output)
    {
        ProfileStoreListing listing = store.List();
        output.WriteLine($"{store.DirectoryPath}: {listing.Profiles.Count} measured profile(s), {Entries(listing.Issues.Count)} unusable");
        if (listing.Profiles.Count > 0)
        {
            output.WriteLine();
            var table = new TextTable("GPU", ">SMs", ">driver", "mechanism", "precision", ">batch", "model", ">points", "measured at");
            foreach (MeasuredProfile profile in listing.Profiles)
            {
                MeasuredProfileKey key = profile.Key;
                table.AddRow(
                    key.Gpu,
                    key.Sms.ToString(CultureInfo.InvariantCulture),
                    NativeRuntime.FormatCudaVersion(key.DriverVersion)!,
                    key.Mechanism,
                    key.Precision,
                    key.Batch.ToString(CultureInfo.InvariantCulture),
                    key.Model,
                    profile.Points.Count.ToString(CultureInfo.InvariantCulture),
                    profile.MeasuredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture));
            }

            table.WriteTo(output);
        }

        if (listing.Issues.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("unusable entries (ignored; `esen store clear` removes them):");
            foreach (ProfileStoreIssue issue in listing.Issues)
            {
                output.WriteLine($"  {issue.Reason}");
            }
        }
    }
}
