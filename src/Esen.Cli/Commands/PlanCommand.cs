using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Reports;
using Esen.Solver.Simulation;
using Esen.Solver.Solvers;

namespace Esen.Cli.Commands;

/// <summary><c>esen plan PROBLEM.json</c>: solve an allocation problem with one solver or all of them.</summary>
public static class PlanCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var problemArgument = new Argument<string>("problem") { Description = "An esen-problem/1 JSON file (docs/problem-format.md)." };
        var solverOption = new Option<string>("--solver", "-s")
        {
            Description = "search | milp | greedy | equal | exhaustive | milp-textbook | all; slo for serving problems (all runs it there)",
            DefaultValueFactory = _ => "all",
        };
        solverOption.AcceptOnlyFromAmong([.. AllocationSolvers.AllNames, SloPlanResult.SolverName, "all"]);
        var backendOption = new Option<string?>("--milp-backend")
        {
            Description = $"The MILP's solver: {string.Join(" | ", MilpBackends.All.Select(b => b.ToName()))} (default {MilpBackends.Default.ToName()}; with --solver all, every one).",
        };
        backendOption.AcceptOnlyFromAmong([.. MilpBackends.All.Select(b => b.ToName())]);
        var timeLimitOption = new Option<double>("--time-limit", "-t")
        {
            Description = "Seconds per solver (the MILP uses them; the others finish sooner).",
            DefaultValueFactory = _ => 10,
        };
        var threadsOption = new Option<int>("--threads") { Description = "Threads inside one MILP solve.", DefaultValueFactory = _ => 1 };
        var jsonOption = new Option<bool>("--json") { Description = "Print the plan JSON contract (an array with --solver all)." };
        var reportOption = new Option<string?>("--report") { Description = "Also write DIR/plan.html: the tables with the chosen shares marked and the solvers compared, or for a serving problem each member's p99 against the rate with its SLO." };

        var command = new Command("plan", "Assign members to devices and SM shares; compare solvers with a lower bound.");
        command.Arguments.Add(problemArgument);
        command.Options.Add(solverOption);
        command.Options.Add(backendOption);
        command.Options.Add(timeLimitOption);
        command.Options.Add(threadsOption);
        command.Options.Add(jsonOption);
        command.Options.Add(reportOption);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            double seconds = parse.GetValue(timeLimitOption);
            int threads = parse.GetValue(threadsOption);
            if (!(seconds > 0) || threads < 1)
            {
                error.WriteLine("esen plan: --time-limit must be > 0 and --threads >= 1");
                return ExitCodes.BadInput;
            }

            string path = parse.GetValue(problemArgument)!;
            Problem problem;
            try
            {
                problem = ProblemReader.ReadFile(path);
            }
            catch (ProblemFormatException ex)
            {
                error.WriteLine($"esen plan: {ex.Message}");
                return ExitCodes.BadInput;
            }

            foreach (ProblemIssue warning in problem.Warnings)
            {
                error.WriteLine($"warning: {path}: {warning}");
            }

            string solverName = parse.GetValue(solverOption)!;
            bool all = solverName == "all";
            bool serving = problem.Kind == ProblemKind.Serving;
            if (serving != (solverName == SloPlanResult.SolverName) && !(serving && all))
            {
                error.WriteLine(serving
                    ? $"esen plan: {path}: $.kind: a serving problem is planned by --solver slo, not {solverName}"
                    : $"esen plan: {path}: $.kind: --solver slo plans serving problems, this one is '{problem.Kind.ToJsonName()}'");
                return ExitCodes.BadInput;
            }

            if (serving)
            {
                return PlanServing(output, error, path, problem, parse.GetValue(jsonOption), parse.GetValue(reportOption));
            }

            MilpBackend? backend = parse.GetValue(backendOption) is string backendName ? MilpBackends.Parse(backendName) : null;
            var options = new SolverOptions { TimeLimit = TimeSpan.FromSeconds(seconds), Threads = threads };
            IReadOnlyList<IAllocationSolver> solvers = all ? AllocationSolvers.CreateAll(backend) : [AllocationSolvers.Create(solverName, backend)!];
            PlanResult[] results = [.. solvers.Select(solver => solver.Solve(problem, options))];

            if (parse.GetValue(jsonOption))
            {
                output.WriteLine(PlanResultJson.ToJson(problem, results, asArray: all));
            }
            else
            {
                WriteHuman(output, path, problem, results);
            }

            if (parse.GetValue(reportOption) is string folder && !WriteReport(folder, PlanReport.Allocation(problem, results, Path.GetFileName(path)), error))
            {
                return ExitCodes.BadInput;
            }

            if (results.FirstOrDefault(r => r.Status == PlanStatus.Infeasible) is PlanResult infeasible)
            {
                error.WriteLine($"infeasible: {infeasible.Reason}");
                return ExitCodes.Infeasible;
            }

            return results.Any(r => r.Plan is not null) ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    private static int PlanServing(TextWriter output, TextWriter error, string path, Problem problem, bool asJson, string? reportFolder)
    {
        var planner = new SloPlanner();
        SloPlanResult result = planner.Plan(problem);
        if (asJson)
        {
            output.WriteLine(PlanResultJson.ToJson(problem, result));
        }
        else
        {
            QueueingOptions queueing = new();
            output.WriteLine($"{path}: serving, objective share, {problem.Members.Count} member(s), {problem.Devices.Count} device(s); p99 predicted from {queueing.Requests - queueing.WarmUp} Poisson arrivals after {queueing.WarmUp} warm-up (seed {queueing.Seed})");
            output.WriteLine($"slo: {PlanResultJson.StatusName(result.Status)}{(result.TotalShare is int total ? $", total share {total} %" : "")}, {result.SolveTime.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)} ms");
            if (result.Members.Count > 0)
            {
                output.WriteLine();
                var members = new TextTable("member", ">batch", ">replicas", ">share_%", ">rate_rps", ">slo_p99_ms", ">p99_ms", ">max_rate_rps");
                foreach (ServingChoice choice in result.Members)
                {
                    ServiceLevelObjective slo = problem.Members.First(m => m.Name == choice.Member).Slo!;
                    members.AddRow(choice.Member, I(choice.Batch), I(choice.Replicas), I(choice.Share), Ms(slo.RateRps), Ms(slo.P99Ms), Ms(choice.P99Ms),
                        choice.MaxRateRps.ToString("F1", CultureInfo.InvariantCulture));
                }

                members.WriteTo(output);
                output.WriteLine();
                var replicas = new TextTable("member", ">replica", "device", ">share_%");
                foreach (ReplicaAssignment replica in result.Replicas)
                {
                    replicas.AddRow(replica.Member, I(replica.Replica), replica.Device, I(replica.Share));
                }

                replicas.WriteTo(output);
            }
        }

        if (reportFolder is not null && !WriteReport(reportFolder, PlanReport.Serving(problem, result, planner, Path.GetFileName(path)), error))
        {
            return ExitCodes.BadInput;
        }

        if (result.Status == PlanStatus.Infeasible)
        {
            error.WriteLine($"infeasible: {result.Reason}");
            return ExitCodes.Infeasible;
        }

        if (result.Reason is not null)
        {
            error.WriteLine($"esen plan: {result.Reason}");
        }

        return result.Members.Count > 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    // The page goes beside any output on stdout, which stays the table or the JSON contract.
    private static bool WriteReport(string folder, string html, TextWriter error)
    {
        string page = Path.Combine(folder, "plan.html");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(page, html);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"esen plan: --report {folder}: {ex.Message}");
            return false;
        }

        error.WriteLine($"report written to {page}");
        return true;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void WriteHuman(TextWriter output, string path, Problem problem, PlanResult[] results)
    {
        output.WriteLine($"{path}: {problem.Kind.ToJsonName()}, objective {problem.Objective.ToJsonName()}, {problem.Members.Count} member(s), {problem.Devices.Count} device(s)");
        InstanceBound bound = LowerBound.Compute(problem);
        output.WriteLine(bound.IsInfeasible ? $"lower bound: none (infeasible: {bound.InfeasibleReason})" : $"lower bound: {Ms(bound.ValueMs)} ms");
        output.WriteLine();

        var table = new TextTable("solver", "status", ">objective_ms", ">bound_ms", ">gap", ">time_ms", "note");
        foreach (PlanResult r in results)
        {
            table.AddRow(
                r.Solver,
                PlanResultJson.StatusName(r.Status),
                r.ObjectiveMs is double o ? Ms(o) : "-",
                double.IsFinite(r.BoundMs) ? Ms(r.BoundMs) : "-",
                r.Gap is double g ? g.ToString("P2", CultureInfo.InvariantCulture) : "-",
                r.SolveTime.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
                r.Reason ?? "");
        }

        table.WriteTo(output);
        PlanResult? chosen = results.Where(r => r.Plan is not null).MinBy(r => r.ObjectiveMs);
        if (chosen is null)
        {
            return;
        }

        output.WriteLine();
        Plan plan = chosen.Plan!;
        if (!problem.IsClustered)
        {
            output.WriteLine($"assignment ({chosen.Solver}, objective {Ms(chosen.ObjectiveMs!.Value)} ms):");
            var assignments = new TextTable("member", "device", ">share_%", ">latency_ms");
            foreach (Assignment a in plan.ToAssignments(problem))
            {
                ProblemMember member = problem.Members.First(m => m.Name == a.Member);
                assignments.AddRow(a.Member, a.Device, a.Share.ToString(CultureInfo.InvariantCulture), Ms(member.LatencyMs.LatencyAt(a.Share)));
            }

            assignments.WriteTo(output);
            return;
        }

        // Across nodes a copy's time is its latency plus, off the node the request enters at, its transfer.
        string? home = PlanChecker.AcrossNodes(problem, plan.DeviceOf, plan.MemberAt, i => problem.Members[plan.MemberAt(i)].LatencyMs.LatencyAt(plan.ShareOf[i])).Home;
        output.WriteLine($"assignment ({chosen.Solver}, objective {Ms(chosen.ObjectiveMs!.Value)} ms; requests enter at node {home ?? "-"}):");
        var copies = new TextTable("member", ">replica", "device", "node", ">share_%", ">latency_ms", ">transfer_ms");
        IReadOnlyList<Assignment> named = plan.ToAssignments(problem);
        for (int i = 0; i < named.Count; i++)
        {
            int member = plan.MemberAt(i);
            copies.AddRow(named[i].Member, I(named[i].Replica), named[i].Device, problem.Devices[plan.DeviceOf[i]].Node ?? "-", I(named[i].Share),
                Ms(problem.Members[member].LatencyMs.LatencyAt(named[i].Share)), Ms(PlanChecker.TransferMsAt(problem, plan.DeviceOf[i], member, home)));
        }

        copies.WriteTo(output);
    }

    private static string Ms(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
