using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;

namespace Esen.Runtime.Specs;

/// <summary>Whether every member sees every input (ensemble) or stages see what earlier stages did not answer (cascade).</summary>
public enum EnsembleKind
{
    /// <summary>Every member predicts every input; the outputs are combined.</summary>
    Ensemble,

    /// <summary>Stages in order; an input leaves at the first stage confident enough.</summary>
    Cascade,
}

/// <summary>How an ensemble's member outputs become one output.</summary>
public enum CombineRule
{
    /// <summary>Element-wise mean.</summary>
    Mean,

    /// <summary>Element-wise weighted mean, Σ wᵢ·yᵢ / Σ wᵢ.</summary>
    Weighted,

    /// <summary>One-hot of the class most members (by weight) rank first; ties go to the lowest class.</summary>
    Vote,

    /// <summary>Element-wise maximum.</summary>
    Max,
}

/// <summary>Where a member runs: the local CPU, a CUDA device, or a simulated GPU from the device catalogue.</summary>
/// <param name="Kind">CPU, CUDA or simulated.</param>
/// <param name="Ordinal">The CUDA device ordinal (0 otherwise).</param>
/// <param name="SimulatedDevice">The catalogue name of a simulated GPU ("h100"); null otherwise.</param>
public sealed record DeviceSpec(DeviceKind Kind, int Ordinal = 0, string? SimulatedDevice = null)
{
    /// <summary>The local CPU.</summary>
    public static DeviceSpec Cpu { get; } = new(DeviceKind.Cpu);

    /// <summary>Parses "cpu", "cuda:N" or "sim:NAME"; null when the text is none of them.</summary>
    public static DeviceSpec? TryParse(string text)
    {
        if (text == "cpu")
        {
            return Cpu;
        }

        if (text.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5), System.Globalization.NumberStyles.None, null, out int ordinal))
        {
            return new DeviceSpec(DeviceKind.Cuda, ordinal);
        }

        if (text.StartsWith("sim:", StringComparison.Ordinal) && text.Length > 4)
        {
            return new DeviceSpec(DeviceKind.Simulated, 0, text[4..]);
        }

        return null;
    }

    /// <summary>"cpu", "cuda:0", "sim:h100": the spelling the spec uses.</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.Cuda => $"cuda:{Ordinal}",
        _ => $"sim:{SimulatedDevice}",
    };
}

/// <summary>The kinds of device a member can run on.</summary>
public enum DeviceKind
{
    /// <summary>The local CPU: worker threads and a share of the cores.</summary>
    Cpu,

    /// <summary>A CUDA GPU: an SM partition.</summary>
    Cuda,

    /// <summary>A catalogue GPU simulated on a virtual clock; numerics run on the CPU.</summary>
    Simulated,
}

/// <summary>
/// One member (ensemble model or cascade stage): an ONNX file or a built-in architecture with a seed.
/// Exactly one of <paramref name="ModelPath"/> and <paramref name="Architecture"/> is set.
/// </summary>
/// <param name="Name">Unique among members.</param>
/// <param name="ModelPath">Absolute path of the ONNX file (the spec's relative path resolved against its folder).</param>
/// <param name="Architecture">A built-in architecture name.</param>
/// <param name="Seed">Seed of a built-in architecture's weights.</param>
/// <param name="Weight">Weight in <see cref="CombineRule.Weighted"/> and <see cref="CombineRule.Vote"/>; 1 by default.</param>
/// <param name="Device">The member's device when it differs from the spec's.</param>
/// <param name="Share">
/// The member's fixed share of its device in percent (1..100, the unit of a plan's <c>share</c>); null lets the
/// solver plan it. Every member fixes its share or none does (<see cref="EnsembleSpec.FixesShares"/>).
/// </param>
public sealed record MemberSpec(string Name, string? ModelPath, string? Architecture, int Seed = 0, double Weight = 1.0, DeviceSpec? Device = null, int? Share = null);

/// <summary>The input every member shares.</summary>
/// <param name="Name">The input's name in the members' graphs.</param>
/// <param name="Shape">Its shape; the batch dimension is <see cref="TensorShape.Dynamic"/>.</param>
public sealed record InputSpec(string Name, TensorShape Shape);

/// <summary>Dynamic batching: a batch closes when it is full or its first request has waited long enough.</summary>
/// <param name="MaxBatch">Largest batch a member is given.</param>
/// <param name="MaxDelayMs">Longest a request waits for companions, in milliseconds.</param>
public sealed record BatchingSpec(int MaxBatch = 8, double MaxDelayMs = 2.0)
{
    /// <summary>The defaults: batches of up to 8, 2 ms wait.</summary>
    public static BatchingSpec Default { get; } = new();

    /// <summary>
    /// The rows a batch holds at <paramref name="requestsPerSecond"/> one-input requests: the first request
    /// plus those that arrive while it waits <see cref="MaxDelayMs"/>, 1 + rate × delay, rounded, at most
    /// <see cref="MaxBatch"/>. A first-order model: it leaves out the requests that queue while the members are busy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite rate.</exception>
    public int RowsAtRate(double requestsPerSecond)
    {
        if (!double.IsFinite(requestsPerSecond) || requestsPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), requestsPerSecond, "a request rate is a finite number ≥ 0");
        }

        return (int)Math.Min(MaxBatch, Math.Round(1 + (requestsPerSecond * MaxDelayMs / 1000)));
    }
}

/// <summary>The cascade exit rule: an input leaves stage k when its max softmax is at least <c>Thresholds[k]</c>.</summary>
/// <param name="Thresholds">One threshold per stage but the last (which answers everything that reaches it).</param>
public sealed record ExitSpec(IReadOnlyList<double> Thresholds)
{
    /// <summary>The only rule so far: the largest softmax probability of the stage's output row.</summary>
    public const string MaxSoftmax = "max_softmax";
}

/// <summary>An <c>esen-ensemble/1</c> specification: members, how they combine, where and how they run.</summary>
/// <param name="SourceName">The file it was read from (for messages).</param>
/// <param name="Kind">Ensemble or cascade.</param>
/// <param name="Combine">Ensemble only: the combination rule.</param>
/// <param name="Exit">Cascade only: the exit rule.</param>
/// <param name="Device">The default device of every member.</param>
/// <param name="Members">Members; stage order for a cascade.</param>
/// <param name="Input">The shared input, or null to take it from the first member's graph.</param>
/// <param name="Batching">Dynamic batching.</param>
/// <param name="Solver">The solver that plans the partitions: search, milp, greedy or equal.</param>
/// <param name="Description">Free text.</param>
/// <param name="Precision">
/// The arithmetic of the members' convolutions and GEMMs on CUDA devices, and the peak the cost model
/// plans GPUs with; fp32 unless the spec opts into tf32. The CPU executor always computes fp32.
/// </param>
public sealed record EnsembleSpec(
    string SourceName,
    EnsembleKind Kind,
    CombineRule Combine,
    ExitSpec? Exit,
    DeviceSpec Device,
    IReadOnlyList<MemberSpec> Members,
    InputSpec? Input,
    BatchingSpec Batching,
    string Solver,
    string? Description = null,
    GpuPrecision Precision = GpuPrecision.Fp32)
{
    /// <summary>The format tag.</summary>
    public const string FormatTag = "esen-ensemble/1";

    /// <summary>The solvers a spec may name.</summary>
    public static IReadOnlyList<string> Solvers { get; } = ["search", "milp", "greedy", "equal"];

    /// <summary>
    /// The CUDA executor's settings for <c>cuda:N</c> members (cuDNN, measured convolution algorithms, CUDA graphs,
    /// graph rewrites, the convolution workspace limit); the device ordinal and <see cref="Precision"/> are applied per
    /// member by <see cref="Execution.CudaRunnerFactory.ExecutorOptions"/>. The executor's defaults unless the spec's
    /// <c>cuda</c> object sets them.
    /// </summary>
    public CudaExecutorOptions Cuda { get; init; } = new();

    /// <summary>Whether the members' shares are fixed by the spec (<see cref="MemberSpec.Share"/>), so the plan is taken, not solved.</summary>
    public bool FixesShares => Members.Any(m => m.Share is not null);

    /// <summary>The device member <paramref name="index"/> runs on.</summary>
    public DeviceSpec DeviceOf(int index) => Members[index].Device ?? Device;

    /// <summary>
    /// What is wrong with the members' fixed shares, as a JSON path and a detail, or null when nothing is (or no
    /// share is fixed): a share outside 1..100, a member without a share while another fixes its own, or the
    /// members of one device given more than 100 %.
    /// </summary>
    public (string Path, string Detail)? FixedSharesProblem()
    {
        if (!FixesShares)
        {
            return null;
        }

        int fixer = Members.ToList().FindIndex(m => m.Share is not null);
        for (int i = 0; i < Members.Count; i++)
        {
            switch (Members[i].Share)
            {
                case null:
                    return ($"$.members[{i}].share", $"member '{Members[i].Name}' has no share while '{Members[fixer].Name}' fixes its own; fix every member's share or none");
                case < 1 or > 100:
                    return ($"$.members[{i}].share", $"share {Members[i].Share} is outside 1..100 (percent of the member's device)");
            }
        }

        foreach (IGrouping<DeviceSpec, int> device in Enumerable.Range(0, Members.Count).GroupBy(DeviceOf))
        {
            int total = device.Sum(i => Members[i].Share!.Value);
            if (total > 100)
            {
                return ($"$.members[{device.Last()}].share",
                    $"the members on {device.Key} ({string.Join(", ", device.Select(i => Members[i].Name))}) are given {total} % (at most 100)");
            }
        }

        return null;
    }
}
