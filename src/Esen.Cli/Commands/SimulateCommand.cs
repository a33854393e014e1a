using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Runtime.Profiling;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Reports;
using Esen.Solver.Simulation;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen simulate PROBLEM [--plan PLAN] --device NAME</c>: runs the members of a problem through the
/// discrete-event simulator, on the plan's partitions or equal shares, or in the default and
/// sequential modes, and reports finish times, JCT and utilisation.
/// </summary>
public static class SimulateCommand
{
    private static readonly string[] s_modes = ["partitioned", "default", "sequential", "all"];

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var problemArgument = new Argument<string>("problem") { Description = "An esen-problem/1 JSON file (members named by esen profile are simulated per kernel)." };
        var device = new Option<string>("--device", "-d") { Description = "Catalogue device type of every problem device.", Required = true };
        var plan = new Option<string?>("--plan") { Description = "A plan from esen plan --json (its shares and devices); default: equal shares on the first device." };
        var mode = new Option<string>("--mode", "-m") { Description = "partitioned | default | sequential | all", DefaultValueFactory = _ => "partitioned" };
        mode.AcceptOnlyFromAmong(s_modes);
        var devices = new Option<string?>("--devices") { Description = "An esen-devices/1 file with more devices." };
        var timeline = new Option<string?>("--timeline") { Description = "Write the timeline (esen-timeline/1 JSON) to this file." };
        var svg = new Option<string?>("--svg") { Description = "Write an SVG Gantt chart with utilisation to this file." };

        var command = new Command("simulate", "Simulate members sharing a GPU: partitions, default (no limits) or time-sliced; JCT and utilisation.");
        command.Arguments.Add(problemArgument);
        foreach (Option option in new Option[] { device, plan, mode, devices, timeline, svg })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            try
            {
                Problem problem = ProblemReader.ReadFile(parse.GetValue(problemArgument)!);
                DeviceCatalog catalog = parse.GetValue(devices) is string file ? DeviceCatalog.BuiltIn.WithFile(file) : DeviceCatalog.BuiltIn;
                Device target = catalog.Find(parse.GetValue(device)!);
                IReadOnlyList<Placement> placements = parse.GetValue(plan) is string planPath
                    ? ReadPlan(planPath, problem)
                    : EqualShares(problem);
                IReadOnlyList<KernelCost>[] kernels = [.. problem.Members.Select(m => KernelsOf(m, target))];
                int fromTables = problem.Members.Count(m => ProfiledMember.TryParseMemberName(m.Name) is null);
                if (fromTables > 0)
                {
                    output.WriteLine($"note: {fromTables} member(s) are not built-in specs; simulated from their latency tables (no bandwidth contention)");
                }

                string modeName = parse.GetValue(mode)!;
                SharingMode[] modes = modeName == "all" ? Enum.GetValues<SharingMode>() : [Enum.Parse<SharingMode>(modeName, ignoreCase: true)];
                var results = modes.Select(m => (Mode: m, Runs: Simulate(problem, placements, kernels, target, m))).ToList();
                foreach ((SharingMode m, List<SimulationResult> runs) in results)
                {
                    WriteResult(m, runs, placements, output);
                }

                if (results.Count > 1)
                {
                    var comparison = new TextTable("mode", ">JCT ms", ">mean SM use %", ">mean bandwidth use %");
                    foreach ((SharingMode m, List<SimulationResult> runs) in results)
                    {
                        comparison.AddRow(m.ToString().ToLowerInvariant(), F(runs.Max(r => r.JctSeconds) * 1000, "F3"),
                            F(runs.Average(r => r.MeanSmUtilization) * 100, "F1"), F(runs.Average(r => r.MeanBandwidthUtilization) * 100, "F1"));
                    }

                    comparison.WriteTo(output);
                }

                List<SimulationResult> first = results[0].Runs;
                WriteFiles(parse.GetValue(timeline), first, TimelineReport.ToJson, output);
                WriteFiles(parse.GetValue(svg), first, TimelineReport.ToSvg, output);
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, error, "simulate");
            }
        });
        return command;
    }

    private static IReadOnlyList<KernelCost> KernelsOf(ProblemMember member, Device device)
    {
        if (ProfiledMember.TryParseMemberName(member.Name) is ProfiledMember spec)
        {
            return AnalyticCostModel.Default.Kernels(spec.BuildWork(), device);
        }

        return LatencyTableWorkload.Fit(device, [.. member.LatencyMs.Shares.Select(s => (double)s)], [.. member.LatencyMs.LatenciesMs.Select(ms => ms / 1000)]);
    }

    private static List<SimulationResult> Simulate(Problem problem, IReadOnlyList<Placement> placements, IReadOnlyList<KernelCost>[] kernels, Device device, SharingMode mode)
    {
        var runs = new List<SimulationResult>();
        foreach (IGrouping<string, int> group in Enumerable.Range(0, problem.Members.Count).GroupBy(i => placements[i].Device))
        {
            SimulationMember[] members =
            [
                .. group.Select(i => new SimulationMember(problem.Members[i].Name, kernels[i], device.UnitsForShare(placements[i].Share))),
            ];
            SimulationResult result = new Simulator(device, new SimulationOptions { Mode = mode }).Run(members);
            runs.Add(result with { Device = $"{group.Key} ({device.Name})" });
        }

        return runs;
    }

    private static void WriteResult(SharingMode mode, List<SimulationResult> runs, IReadOnlyList<Placement> placements, TextWriter output)
    {
        output.WriteLine($"mode {mode.ToString().ToLowerInvariant()}:");
        var table = new TextTable("member", "device", ">share %", ">units", ">alone ms", ">finish ms", ">slowdown");
        foreach (SimulationResult run in runs)
        {
            foreach (MemberOutcome member in run.Members)
            {
                Placement placement = placements.First(p => p.Member == member.Name);
                table.AddRow(member.Name, run.Device, mode == SharingMode.Partitioned ? placement.Share.ToString(CultureInfo.InvariantCulture) : "-",
                    member.Units.ToString(CultureInfo.InvariantCulture), F(member.AloneSeconds * 1000, "F3"), F(member.FinishSeconds * 1000, "F3"), F(member.Slowdown, "F3"));
            }
        }

        table.WriteTo(output);
        output.WriteLine($"JCT {F(runs.Max(r => r.JctSeconds) * 1000, "F3")} ms; mean SM use {F(runs.Average(r => r.MeanSmUtilization) * 100, "F1")} %, " +
            $"mean bandwidth use {F(runs.Average(r => r.MeanBandwidthUtilization) * 100, "F1")} %");
        output.WriteLine();
    }

    private static void WriteFiles(string? path, List<SimulationResult> runs, Func<SimulationResult, string> render, TextWriter output)
    {
        if (path is null)
        {
            return;
        }

        for (int i = 0; i < runs.Count; i++)
        {
            string file = runs.Count == 1 ? path
                : Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-{i}{Path.GetExtension(path)}");
            File.WriteAllText(file, render(runs[i]));
            output.WriteLine($"written {file}");
        }
    }

    /// <summary>Every member on the first device with an equal share, rounded down to whole percent.</summary>
    private static List<Placement> EqualShares(Problem problem)
    {
        int share = Math.Max(1, Problem.DeviceShareCapacity / problem.Members.Count);
        return [.. problem.Members.Select(m => new Placement(m.Name, problem.Devices[0].Name, share))];
    }

    /// <summary>The first copy of every member in the plan file (<see cref="PlanFile"/>), in problem order.</summary>
    private static List<Placement> ReadPlan(string path, Problem problem)
    {
        IReadOnlyList<PlannedCopy> copies = PlanFile.Read(path);
        PlanFile.CheckAgainst(copies, [.. problem.Members.Select(m => m.Name)], path);
        return [.. problem.Members.Select(m => copies.First(c => c.Member == m.Name)).Select(c => new Placement(c.Member, c.Device, c.Share))];
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private sealed record Placement(string Member, string Device, int Share);
}
