using System.Globalization;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Reports;

/// <summary>
/// <c>esen plan --report DIR</c>'s page: what a plan chose, drawn against the problem's own tables. For allocation
/// problems each member's latency against its share with every solver's choice marked, and the solvers' objectives
/// and solve times side by side; for serving problems each member's predicted p99 against the request rate at its
/// chosen batch, share and replicas, with its SLO as a line and its rate marked.
/// </summary>
public static class PlanReport
{
    // Rates drawn for a serving member: from a tenth of the largest sustainable rate up to a little past it.
    private const int RatePoints = 12;

    /// <summary>The page for an allocation problem and the results of the solvers that ran on it.</summary>
    public static string Allocation(Problem problem, IReadOnlyList<PlanResult> results, string source)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(results);
        var page = new HtmlReport($"Plan of {source}: {problem.Kind.ToJsonName()}, objective {problem.Objective.ToJsonName()}");
        PlanResult[] planned = [.. results.Where(r => r.Plan is not null)];
        page.Paragraph(planned.Length == 0
            ? "No solver found a plan: " + string.Join("; ", results.Select(r => $"{r.Solver}: {PlanResultJson.StatusName(r.Status)}, {r.Reason}"))
            : string.Join("; ", planned.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Solver}: {PlanResultJson.StatusName(r.Status)}, objective {r.ObjectiveMs:0.###} ms in {r.SolveTime.TotalMilliseconds:0.0} ms"))) + ".");
        page.Figure(
            Charts.Lines("Latency against share", "share %", "latency ms", [.. problem.Members.Select((m, i) => new ChartCurve(
                m.Name,
                [.. m.LatencyMs.Shares.Select((s, j) => ((double)s, m.LatencyMs.LatenciesMs[j]))],
                [.. planned.Select(r => ((double)r.Plan!.ShareOf[i], m.LatencyMs.LatencyAt(r.Plan.ShareOf[i])))]))]),
            "Each member's latency table; the dots are the shares the solvers chose (one per solver that found a plan).");
        if (planned.Length > 0)
        {
            page.Figure(
                Charts.Bars("Solvers: objective and solve time", "ms", [.. planned.Select(r => r.Solver)],
                [
                    new ChartBars("objective (table ms)", [.. planned.Select(r => r.ObjectiveMs!.Value)]),
                    new ChartBars("solve time (ms)", [.. planned.Select(r => r.SolveTime.TotalMilliseconds)]),
                ]),
                "Each solver's objective on the tables and its wall-clock solve time.");
            page.Table(
                ["member", .. planned.Select(r => $"{r.Solver}: device / share %")],
                problem.Members.Select((m, i) => (IReadOnlyList<string>)
                    [m.Name, .. planned.Select(r => $"{problem.Devices[r.Plan!.DeviceOf[i]].Name} / {r.Plan.ShareOf[i].ToString(CultureInfo.InvariantCulture)}")]));
        }

        return page.ToString();
    }

    /// <summary>The page for a serving problem and the SLO planner's result, its p99 curves from <paramref name="planner"/>.</summary>
    public static string Serving(Problem problem, SloPlanResult result, SloPlanner planner, string source)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(planner);
        var page = new HtmlReport($"Serving plan of {source}");
        page.Paragraph(result.TotalShare is int total
            ? string.Create(CultureInfo.InvariantCulture, $"slo: {PlanResultJson.StatusName(result.Status)}, total share {total} % in {result.SolveTime.TotalMilliseconds:0.0} ms. Each chart is a member's predicted p99 (Poisson arrivals) against the request rate at its chosen batch, share and replicas; the flat line is its p99 objective, the dot its planned rate.")
            : $"slo: {PlanResultJson.StatusName(result.Status)}: {result.Reason}");
        foreach (ServingChoice choice in result.Members)
        {
            ProblemMember member = problem.Members.First(m => m.Name == choice.Member);
            ServiceLevelObjective slo = member.Slo!;
            double top = Math.Max(choice.MaxRateRps, slo.RateRps) * 1.1;
            (double, double)[] p99 =
            [
                .. Enumerable.Range(1, RatePoints).Select(k => top * k / RatePoints)
                    .Select(rate => (rate, planner.Predict(member, rate, choice.Batch, choice.Share, choice.Replicas).P99Ms))
                    // Past the capacity the queue grows without bound; a few times the objective is enough to see where it breaks.
                    .Where(p => p.P99Ms <= 4 * slo.P99Ms),
            ];
            page.Figure(
                Charts.Lines(
                    string.Create(CultureInfo.InvariantCulture, $"{choice.Member}: batch {choice.Batch}, {choice.Replicas} × {choice.Share} %"), "requests/s", "p99 ms",
                    [
                        new ChartCurve("p99", p99, [(slo.RateRps, choice.P99Ms)]),
                        new ChartCurve("objective", [(0, slo.P99Ms), (top, slo.P99Ms)]),
                    ]),
                string.Create(CultureInfo.InvariantCulture, $"{choice.Member}: predicted p99 against the rate; objective {slo.P99Ms} ms at {slo.RateRps} requests/s, sustained up to {choice.MaxRateRps:0.0} requests/s."));
        }

        return page.ToString();
    }
}
