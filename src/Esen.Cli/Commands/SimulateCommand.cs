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
                    WriteResult(m, runs, problem, placements, output);
                }

                if (results.Count > 1)
                {
                    var comparison = new TextTable("mode", ">JCT ms", ">mean SM use %", ">mean bandwidth use %");
                    foreach ((SharingMode m, List<SimulationResult> runs) in results)
                    {
                        comparison.AddRow(m.ToString().ToLowerInvariant(), F(Jct(runs, problem, placements).Ms, "F3"),
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
        foreach (IGrouping<string, Placement> group in placements.GroupBy(p => p.Device))
        {
            SimulationMember[] members =
            [
                .. group.Select(p => new SimulationMember(p.Label, kernels[p.Member], device.UnitsForShare(p.Share))),
            ];
            SimulationResult result = new Simulator(device, new SimulationOptions { Mode = mode }).Run(members);
            runs.Add(result with { Device = $"{group.Key} ({device.Name})" });
        }

        return runs;
    }

    private static void WriteResult(SharingMode mode, List<SimulationResult> runs, Problem problem, IReadOnlyList<Placement> placements, TextWriter output)
    {
        output.WriteLine($"mode {mode.ToString().ToLowerInvariant()}:");
        (string? home, double jctMs) = Jct(runs, problem, placements);
        var table = problem.IsClustered
            ? new TextTable("member", "device", "node", ">share %", ">units", ">alone ms", ">finish ms", ">transfer ms", ">slowdown")
            : new TextTable("member", "device", ">share %", ">units", ">alone ms", ">finish ms", ">slowdown");
        foreach (SimulationResult run in runs)
        {
            foreach (MemberOutcome member in run.Members)
            {
                Placement placement = placements.First(p => p.Label == member.Name);
                string share = mode == SharingMode.Partitioned ? placement.Share.ToString(CultureInfo.InvariantCulture) : "-";
                string units = member.Units.ToString(CultureInfo.InvariantCulture);
                if (problem.IsClustered)
                {
                    table.AddRow(member.Name, run.Device, problem.Devices[placement.DeviceIndex].Node ?? "-", share, units, F(member.AloneSeconds * 1000, "F3"),
                        F(member.FinishSeconds * 1000, "F3"), F(PlanChecker.TransferMsAt(problem, placement.DeviceIndex, placement.Member, home), "F3"), F(member.Slowdown, "F3"));
                }
                else
                {
                    table.AddRow(member.Name, run.Device, share, units, F(member.AloneSeconds * 1000, "F3"), F(member.FinishSeconds * 1000, "F3"), F(member.Slowdown, "F3"));
                }
            }
        }

        table.WriteTo(output);
        output.WriteLine($"JCT {F(jctMs, "F3")} ms{(problem.IsClustered ? $" (requests enter at node {home ?? "-"}; transfers included)" : "")}; " +
            $"mean SM use {F(runs.Average(r => r.MeanSmUtilization) * 100, "F1")} %, mean bandwidth use {F(runs.Average(r => r.MeanBandwidthUtilization) * 100, "F1")} %");
        output.WriteLine();
    }

    /// <summary>
    /// The job completion time: the slowest copy's finish; across nodes, as the planner's objective has it
    /// (<see cref="PlanChecker.AcrossNodes"/>), with each copy off the entry node adding its transfer time.
    /// </summary>
    private static (string? Home, double Ms) Jct(List<SimulationResult> runs, Problem problem, IReadOnlyList<Placement> placements)
    {
        Dictionary<string, double> finishMs = runs.SelectMany(r => r.Members).ToDictionary(m => m.Name, m => m.FinishSeconds * 1000);
        if (!problem.IsClustered)
        {
            return (null, finishMs.Values.Max());
        }

        return PlanChecker.AcrossNodes(problem, [.. placements.Select(p => p.DeviceIndex)], i => placements[i].Member, i => finishMs[placements[i].Label]);
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
        return [.. problem.Members.Select((m, i) => new Placement(m.Name, i, problem.Devices[0].Name, 0, share))];
    }

    /// <summary>Every copy in the plan file (<see cref="PlanFile"/>), replicas included, in file order.</summary>
    /// <exception cref="FormatException">The plan does not match the problem, or (across nodes) names a device the problem lacks.</exception>
    private static List<Placement> ReadPlan(string path, Problem problem)
    {
        IReadOnlyList<PlannedCopy> copies = PlanFile.Read(path);
        List<string> members = [.. problem.Members.Select(m => m.Name)];
        PlanFile.CheckAgainst(copies, members, path);
        List<string> devices = [.. problem.Devices.Select(d => d.Name)];
        return [.. copies.Select((c, i) =>
        {
            int device = devices.IndexOf(c.Device);
            string label = c.Replica == 0 ? c.Member : $"{c.Member}#{c.Replica}";
            return device >= 0 || !problem.IsClustered
                ? new Placement(label, members.IndexOf(c.Member), c.Device, device, c.Share)
                : throw new FormatException($"{path}: assignments[{i}].device: '{c.Device}' is not a device of the problem (known: {string.Join(", ", devices)})");
        })];
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>One simulated copy.</summary>
    /// <param name="Label">The member's name; a further replica's is "NAME#R".</param>
    /// <param name="Member">The member's index in the problem.</param>
    /// <param name="Device">The device's name in the plan.</param>
    /// <param name="DeviceIndex">The device's index in the problem; -1 where it names none (single-node problems only).</param>
    /// <param name="Share">The share in percent.</param>
    private sealed record Placement(string Label, int Member, string Device, int DeviceIndex, int Share);
}
