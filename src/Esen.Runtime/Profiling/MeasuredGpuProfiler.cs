using Esen.Kernels.Graph;
using Esen.Native.Errors;
using Esen.Native.Partitions;
using Esen.Solver.Problems;
using Esen.Solver.Profiles;

namespace Esen.Runtime.Profiling;

/// <summary>A member's measured latency at each share a solver may choose, and where it came from.</summary>
/// <param name="Member">The member's name.</param>
/// <param name="Profile">The measured points (one per partition size) and the memory used.</param>
/// <param name="Table">Latency by share: the mechanism's grantable shares, each at its SM count's point.</param>
/// <param name="FromStore">True when nothing had to be measured.</param>
public sealed record MeasuredMemberTable(string Member, MeasuredProfile Profile, LatencyTable Table, bool FromStore)
{
    /// <summary>Device memory in MiB, the unit of <c>esen-problem/1</c>.</summary>
    public double MemoryMb => Profile.MemoryBytes / (1024.0 * 1024.0);
}

/// <summary>
/// Measured latency-vs-SM curves (ESEN's per-member profile, measured on the GPU it runs on rather than
/// modelled): each member alone on a partition of every size the mechanism can grant, one size at a
/// time. Curves already in the <see cref="ProfileStore"/> for the same GPU, SM count, driver, mechanism,
/// precision, batch and model are reused; what is measured is stored, so planning is instant the
/// second time.
/// </summary>
public sealed class MeasuredGpuProfiler
{
    private readonly ProfileStore? _store;
    private readonly Action<string> _progress;

    /// <summary>Creates a profiler.</summary>
    /// <param name="measurer">Runs members on partitions of the GPU.</param>
    /// <param name="store">Where curves are cached; null measures every time.</param>
    /// <param name="precision">The executor's arithmetic ("fp32", "tf32"): part of the key.</param>
    /// <param name="progress">Receives a line per measured point and per store miss that is not plain absence.</param>
    public MeasuredGpuProfiler(IGpuMeasurer measurer, ProfileStore? store, string precision, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(measurer);
        ArgumentException.ThrowIfNullOrWhiteSpace(precision);
        Measurer = measurer;
        _store = store;
        Precision = precision;
        _progress = progress ?? (_ => { });
    }

    /// <summary>The GPU's measurer.</summary>
    public IGpuMeasurer Measurer { get; }

    /// <summary>The precision profiles are keyed by.</summary>
    public string Precision { get; }

    /// <summary>The store key of a member's curve on this GPU.</summary>
    public MeasuredProfileKey KeyOf(string modelIdentity, int batch, PartitionMechanism mechanism)
    {
        GpuIdentity gpu = Measurer.Gpu;
        return new MeasuredProfileKey(gpu.Name, gpu.Sms, gpu.DriverVersion, mechanism.ToName(), Precision, batch, modelIdentity);
    }

    /// <summary>
    /// What a model's stored curve is keyed by: the ONNX file's hash, or the built-in architecture with
    /// the seed of its weights and its input shape (from <paramref name="graph"/>, without the batch).
    /// </summary>
    public static string IdentityOf(string? modelPath, string? architecture, int seed, LayerGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return modelPath is not null
            ? ModelIdentity.OfFile(modelPath)
            : ModelIdentity.OfArchitecture(
                architecture ?? throw new ArgumentException("a model is an ONNX file or a built-in architecture", nameof(architecture)),
                seed,
                [.. graph.Inputs[0].Shape.Dimensions[1..].ToArray().Select(d => checked((int)d))]);
    }

    /// <summary>
    /// The member's latency at <paramref name="shares"/> (default: every share the mechanism can grant):
    /// from the store where it has every SM count, measured (and stored) otherwise.
    /// </summary>
    /// <param name="member">The member's name (for progress lines).</param>
    /// <param name="graph">Its graph, with one float input.</param>
    /// <param name="modelIdentity">A <see cref="ModelIdentity"/> string of the member's model.</param>
    /// <param name="batch">Inputs per run.</param>
    /// <param name="mechanism">How the partitions are made.</param>
    /// <param name="shares">The shares to profile; each must be in (0, 100].</param>
    public MeasuredMemberTable Profile(string member, LayerGraph graph, string modelIdentity, int batch, PartitionMechanism mechanism, IReadOnlyList<int>? shares = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        SmPartitionPolicy policy = Measurer.Policy(mechanism);
        int[] menu = [.. (shares ?? policy.GrantableShares()).Distinct().Order()];
        MeasuredProfileKey key = KeyOf(modelIdentity, batch, mechanism);
        var points = new Dictionary<int, MeasuredPoint>();
        long memory = 0;
        if (_store?.TryGet(key) is { } lookup)
        {
            if (lookup.IsHit)
            {
                foreach (MeasuredPoint point in lookup.Profile.Points)
                {
                    points[point.Sms] = point;
                }

                memory = lookup.Profile.MemoryBytes;
            }
            else if (lookup.Status != ProfileLookupStatus.Absent)
            {
                _progress($"profile store: {lookup.Reason}; measuring {member} on {Measurer.Gpu} again");
            }
        }

        int[] missing = [.. menu.Where(s => !points.ContainsKey(policy.SmsForShare(s))).DistinctBy(s => policy.SmsForShare(s))];
        for (int i = 0; i < missing.Length; i++)
        {
            int sms = policy.SmsForShare(missing[i]);
            _progress($"{member}: batch {batch} on {sms} SMs ({mechanism.ToName()}, {i + 1}/{missing.Length})");
            PartitionMeasurement run;
            try
            {
                run = Measurer.Measure([graph], batch, mechanism, [missing[i]]);
            }
            catch (EsenNativeException ex)
            {
                // Out of memory in a partition, a driver refusal: one line naming device, member and size.
                throw new NotSupportedException($"{Measurer.Gpu}: member {member} at batch {batch} on {sms} SMs: {ex.Message}", ex);
            }

            if (run.GrantedSms[0] != sms)
            {
                _progress($"{member}: the driver granted {run.GrantedSms[0]} SMs where {sms} were planned");
            }

            TimingSummary t = run.Members[0];
            points[sms] = new MeasuredPoint(sms, t.MedianMs, t.Runs, t.P10Ms, t.P90Ms);
            memory = Math.Max(memory, run.MemoryBytes[0]);
        }

        var profile = new MeasuredProfile(key, points.Values.OrderBy(p => p.Sms), memory, DateTimeOffset.UtcNow);
        if (missing.Length > 0 && _store is not null)
        {
            try
            {
                _store.Put(profile);
            }
            catch (ProfileStoreException ex)
            {
                // The measurement stands; only the next run has to measure again.
                _progress($"profile store: {ex.Message}; {member}'s curve was not kept");
            }
        }

        var table = new LatencyTable(menu, [.. menu.Select(s => points[policy.SmsForShare(s)].MedianMs)]);
        return new MeasuredMemberTable(member, profile, table, missing.Length == 0);
    }
}
