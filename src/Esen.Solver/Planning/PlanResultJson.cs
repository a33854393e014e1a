using System.Text;
using System.Text.Json;
using Esen.Solver.Formats;
using Esen.Solver.Problems;

namespace Esen.Solver.Planning;

/// <summary>
/// The plan JSON contract of <c>esen plan --json</c> (DESIGN.md, "Formats and contracts"): one object
/// per solver with <c>solver</c>, <c>status</c>, <c>objective_ms</c>, <c>assignments</c>,
/// <c>solve_ms</c>, plus <c>bound_ms</c>, <c>gap</c> and <c>reason</c>.
/// </summary>
public static class PlanResultJson
{
    /// <summary>The contract's name for a status.</summary>
    public static string StatusName(PlanStatus status) => status switch
    {
        PlanStatus.Optimal => "optimal",
        PlanStatus.Feasible => "feasible",
        PlanStatus.Infeasible => "infeasible",
        PlanStatus.TimeLimit => "time_limit",
        PlanStatus.NoSolution => "no_solution",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>One result as a JSON object, or several as an array.</summary>
    public static string ToJson(Problem problem, IReadOnlyList<PlanResult> results, bool asArray)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions))
        {
            if (asArray)
            {
                json.WriteStartArray();
            }

            foreach (PlanResult result in results)
            {
                Write(json, problem, result);
            }

            if (asArray)
            {
                json.WriteEndArray();
            }
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The SLO planner's result as one object: <c>solver</c>, <c>status</c>, <c>objective_share</c> (Σ share
    /// over every replica, percent), <c>members</c> (batch, replicas, share, predicted p99 and the largest
    /// rate within the SLO per member), <c>assignments</c> (one per replica), <c>solve_ms</c> and <c>reason</c>.
    /// </summary>
    public static string ToJson(Problem problem, SloPlanResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("solver", SloPlanResult.SolverName);
            json.WriteString("status", StatusName(result.Status));
            WriteNumberOrNull(json, "objective_share", result.TotalShare);
            json.WriteStartArray("members");
            foreach (ServingChoice choice in result.Members)
            {
                ServiceLevelObjective slo = problem.Members.First(m => m.Name == choice.Member).Slo!;
                json.WriteStartObject();
                json.WriteString("member", choice.Member);
                json.WriteNumber("batch", choice.Batch);
                json.WriteNumber("replicas", choice.Replicas);
                json.WriteNumber("share", choice.Share);
                json.WriteNumber("rate_rps", slo.RateRps);
                json.WriteNumber("slo_p99_ms", slo.P99Ms);
                json.WriteNumber("p99_ms", Math.Round(choice.P99Ms, 4));
                json.WriteNumber("max_rate_rps", Math.Round(choice.MaxRateRps, 2));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("assignments");
            foreach (ReplicaAssignment replica in result.Replicas)
            {
                json.WriteStartObject();
                json.WriteString("member", replica.Member);
                json.WriteNumber("replica", replica.Replica);
                json.WriteString("device", replica.Device);
                json.WriteNumber("share", replica.Share);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteSolveTimeAndReason(json, result.SolveTime, result.Reason);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter json, Problem problem, PlanResult result)
    {
        json.WriteStartObject();
        json.WriteString("solver", result.Solver);
        json.WriteString("status", StatusName(result.Status));
        WriteNumberOrNull(json, "objective_ms", result.ObjectiveMs);
        WriteNumberOrNull(json, "bound_ms", double.IsFinite(result.BoundMs) ? result.BoundMs : null);
        WriteNumberOrNull(json, "gap", result.Gap);
        json.WriteStartArray("assignments");
        foreach (Assignment assignment in result.Plan?.ToAssignments(problem) ?? [])
        {
            json.WriteStartObject();
            json.WriteString("member", assignment.Member);
            json.WriteString("device", assignment.Device);
            json.WriteNumber("share", assignment.Share);

            // Where the problem has them: the copy, the device's node and GPU model (what esen export places by).
            if (result.Plan!.MemberOf is not null)
            {
                json.WriteNumber("replica", assignment.Replica);
            }

            ProblemDevice device = problem.Devices.First(d => d.Name == assignment.Device);
            if (device.Node is not null)
            {
                json.WriteString("node", device.Node);
            }

            if (device.Gpu is not null)
            {
                json.WriteString("gpu", device.Gpu);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteSolveTimeAndReason(json, result.SolveTime, result.Reason);
        json.WriteEndObject();
    }

    // Every result ends the same way: how long the solve took and, when there is one, why it ended as it did.
    private static void WriteSolveTimeAndReason(Utf8JsonWriter json, TimeSpan solveTime, string? reason)
    {
        json.WriteNumber("solve_ms", Math.Round(solveTime.TotalMilliseconds, 3));
        if (reason is not null)
        {
            json.WriteString("reason", reason);
        }
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
