using System.CommandLine;
using Esen.Cli.Commands;

namespace Esen.Cli;

/// <summary>Builds the <c>esen</c> command tree in one place.</summary>
public static class EsenCommandLine
{
    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("Esen: share GPUs among the sub-models of multi-model inference.");
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(CostModelCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(OnnxTestCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(StoreCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        return root;
    }
}
