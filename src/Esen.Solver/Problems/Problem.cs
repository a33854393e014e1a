namespace Esen.Solver.Problems;

/// <summary>A device members can be placed on: its share capacity is always 100 %.</summary>
/// <param name="Name">Unique name within the problem.</param>
/// <param name="MemoryMb">Memory available to members, in MB.</param>
/// <param name="Node">The machine the device sits in; null where every device is on one machine.</param>
/// <param name="Gpu">The device's GPU model (a catalogue name), carried through to plans; null where not said.</param>
public sealed record ProblemDevice(string Name, double MemoryMb, string? Node = null, string? Gpu = null);

/// <summary>A member (ensemble model, cascade stage or served model) with its memory need and latency table.</summary>
/// <param name="Name">Unique name within the problem.</param>
/// <param name="MemoryMb">Memory the member needs on its device, in MB (serving: per replica).</param>
/// <param name="LatencyMs">Latency at each share it may be given (serving: the table of its smallest batch).</param>
/// <param name="Reach">Cascade only: the fraction of inputs that arrive at this stage (1 for the first); 1 for ensembles.</param>
/// <param name="Slo">Serving only: the request rate and p99 latency the member must meet.</param>
/// <param name="Batches">Serving only: the latency tables per batch size.</param>
/// <param name="Weight">Multitenant only: the tenant's priority, which multiplies its latency in the objective; 1 otherwise.</param>
/// <param name="Replicas">Ensemble and cascade: copies of the member to place, each on a device at a share of its own (requests go to one of them).</param>
/// <param name="InputBytes">Bytes of one request's input the member reads; sent over the link when the member is on another node than the request.</param>
/// <param name="OutputBytes">Bytes of one request's output the member writes; sent back over the link likewise.</param>
public sealed record ProblemMember(
    string Name,
    double MemoryMb,
    LatencyTable LatencyMs,
    double Reach = 1.0,
    ServiceLevelObjective? Slo = null,
    BatchLatencyTable? Batches = null,
    double Weight = 1.0,
    int Replicas = 1,
    double InputBytes = 0,
    double OutputBytes = 0)
{
    /// <summary>A member of a serving problem; <see cref="LatencyMs"/> becomes the table of its smallest batch.</summary>
    /// <exception cref="ArgumentException"><paramref name="batches"/> is empty.</exception>
    public static ProblemMember Serving(string name, double memoryMb, ServiceLevelObjective slo, BatchLatencyTable batches) =>
        batches.Batches.Count > 0
            ? new(name, memoryMb, batches.Tables[0], Slo: slo, Batches: batches)
            : throw new ArgumentException($"member '{name}' has no batch sizes", nameof(batches));
}

/// <summary>
/// An allocation problem, <c>esen-problem/1</c>: place every member on one device at one share from
/// its table, with per device Σ share ≤ 100 and Σ memory ≤ the device's memory, minimising
/// <see cref="Objective"/>. Construction validates (see <see cref="ProblemValidator"/>) and throws
/// <see cref="ArgumentException"/> listing every error; warnings are kept in <see cref="Warnings"/>.
/// </summary>
public sealed class Problem
{
    /// <summary>The format tag written in every problem file.</summary>
    public const string FormatTag = "esen-problem/1";

    /// <summary>The share capacity of every device, in percent.</summary>
    public const int DeviceShareCapacity = 100;

    /// <summary>Creates and validates a problem.</summary>
    public Problem(
        ProblemKind kind,
        Objective objective,
        IEnumerable<ProblemDevice> devices,
        IEnumerable<ProblemMember> members,
        string? description = null,
        double? linkGbps = null)
        : this(kind, objective, [.. devices], [.. members], description, linkGbps)
    {
        IReadOnlyList<ProblemIssue> issues = ProblemValidator.Check(this);
        ProblemIssue[] errors = [.. issues.Where(i => i.IsError)];
        if (errors.Length > 0)
        {
            throw new ArgumentException("invalid problem: " + string.Join("; ", errors.Select(e => e.ToString())));
        }

        Warnings = [.. issues.Where(i => !i.IsError)];
    }

    // The reader validates itself so its errors can name the file.
    internal Problem(ProblemKind kind, Objective objective, ProblemDevice[] devices, ProblemMember[] members, string? description, double? linkGbps)
    {
        LinkGbps = linkGbps;
        Kind = kind;
        Objective = objective;
        Devices = devices;
        Members = members;
        Description = description;
    }

    /// <summary>Ensemble or cascade.</summary>
    public ProblemKind Kind { get; }

    /// <summary>What is minimised.</summary>
    public Objective Objective { get; }

    /// <summary>The devices, in file order.</summary>
    public IReadOnlyList<ProblemDevice> Devices { get; }

    /// <summary>The members, in file order (stage order for cascades).</summary>
    public IReadOnlyList<ProblemMember> Members { get; }

    /// <summary>The bandwidth of the link between two nodes in GB/s (<c>link_gbps</c>); null where there is no link.</summary>
    public double? LinkGbps { get; }

    /// <summary>
    /// Whether the problem places copies across nodes: a device names a node, a member has replicas, or a
    /// member's request crosses a link. Such problems are solved by <c>search</c> and <c>milp</c> only.
    /// </summary>
    public bool IsClustered => Devices.Any(d => d.Node is not null) || Members.Any(m => m.Replicas > 1 || m.InputBytes > 0 || m.OutputBytes > 0);

    /// <summary>
    /// Member <paramref name="member"/>'s transfer time in ms when it sits on another node than the
    /// request: its input and output bytes over the link; 0 without a link.
    /// </summary>
    public double TransferMs(int member) => LinkGbps is double gbps
        ? (Members[member].InputBytes + Members[member].OutputBytes) / (gbps * 1e9) * 1000
        : 0;

    /// <summary>Free text carried through from the file, if any.</summary>
    public string? Description { get; }

    /// <summary>Non-fatal findings (e.g. non-monotone tables).</summary>
    public IReadOnlyList<ProblemIssue> Warnings { get; internal set; } = [];

    /// <summary>
    /// The objective of giving member i the latency <paramref name="latencyOf"/>(i), weighted by the member's
    /// <see cref="ProblemMember.Weight"/> (1 but for tenants): the maximum for makespan and period, the sum
    /// for latency.
    /// </summary>
    public double Evaluate(Func<int, double> latencyOf)
    {
        double value = 0;
        for (int i = 0; i < Members.Count; i++)
        {
            double t = Members[i].Weight * latencyOf(i);
            value = Objective.IsBottleneck() ? Math.Max(value, t) : value + t;
        }

        return value;
    }
}
