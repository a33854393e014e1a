namespace Esen.Solver.Problems;

/// <summary>What the members of a problem are (DESIGN.md, "Formats and contracts").</summary>
public enum ProblemKind
{
    /// <summary>Every member sees the same input; the job completes when the slowest member does.</summary>
    Ensemble,

    /// <summary>Members are stages in order; stage k only sees the fraction <c>reach</c> of the inputs.</summary>
    Cascade,

    /// <summary>Members are served models, each with a request rate and a p99 objective; batch, replicas and shares are chosen.</summary>
    Serving,

    /// <summary>
    /// Members are independent tenants (GACER, arXiv 2304.11745), each with its own requests and a
    /// <c>weight</c> (its priority): the objectives weigh each tenant's latency by it.
    /// </summary>
    Multitenant,
}

/// <summary>What a plan minimises; each kind allows some objectives (see <see cref="ProblemObjectives"/>).</summary>
public enum Objective
{
    /// <summary>Ensemble: the slowest member's latency, max over members of t(p); multitenant: max of weight · t(p).</summary>
    Makespan,

    /// <summary>Cascade, stages of successive batches overlapping: max over stages of t(p).</summary>
    Period,

    /// <summary>Cascade, one batch through the stages in turn: Σ t(p), the sum of the stage latencies; multitenant: Σ weight · t(p).</summary>
    Latency,

    /// <summary>Serving: Σ share over every replica, the fewest SMs (or cores) that meet every member's SLO.</summary>
    Share,
}

/// <summary>The JSON names of kinds and objectives, and which objectives each kind allows.</summary>
public static class ProblemObjectives
{
    /// <summary>The objectives a kind allows, first the default.</summary>
    public static IReadOnlyList<Objective> AllowedFor(ProblemKind kind) => kind switch
    {
        ProblemKind.Ensemble => [Objective.Makespan],
        ProblemKind.Cascade => [Objective.Period, Objective.Latency],
        ProblemKind.Serving => [Objective.Share],
        ProblemKind.Multitenant => [Objective.Latency, Objective.Makespan],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>True when the objective is a maximum over members (makespan, period), not a sum.</summary>
    public static bool IsBottleneck(this Objective objective) => objective is Objective.Makespan or Objective.Period;

    /// <summary>The name used in <c>esen-problem/1</c> files.</summary>
    public static string ToJsonName(this ProblemKind kind) => kind switch
    {
        ProblemKind.Ensemble => "ensemble",
        ProblemKind.Cascade => "cascade",
        ProblemKind.Serving => "serving",
        ProblemKind.Multitenant => "multitenant",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The name used in <c>esen-problem/1</c> files.</summary>
    public static string ToJsonName(this Objective objective) => objective switch
    {
        Objective.Makespan => "makespan",
        Objective.Period => "period",
        Objective.Latency => "latency",
        Objective.Share => "share",
        _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, null),
    };

    /// <summary>Parses a kind name; null when unknown.</summary>
    public static ProblemKind? ParseKind(string name) => name switch
    {
        "ensemble" => ProblemKind.Ensemble,
        "cascade" => ProblemKind.Cascade,
        "serving" => ProblemKind.Serving,
        "multitenant" => ProblemKind.Multitenant,
        _ => null,
    };

    /// <summary>Parses an objective name; null when unknown.</summary>
    public static Objective? ParseObjective(string name) => name switch
    {
        "makespan" => Objective.Makespan,
        "period" => Objective.Period,
        "latency" => Objective.Latency,
        "share" => Objective.Share,
        _ => null,
    };
}
