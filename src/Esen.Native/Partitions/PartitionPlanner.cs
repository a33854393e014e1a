namespace Esen.Native.Partitions;

/// <summary>One member's partition as planned, before any driver call.</summary>
/// <param name="Index">Position in the share list.</param>
/// <param name="SharePercent">The share asked for, in percent of the device's SMs.</param>
/// <param name="RequestedSms">The share in SMs, unrounded (share·N/100).</param>
/// <param name="Units">Whole groups of <see cref="PartitionPlan.UnitSms"/> SMs it gets.</param>
/// <param name="PlannedSms">The SM count it should get after the mechanism's rounding.</param>
/// <param name="ThreadPercentage">For MPS thread percentage: the value of CUDA_MPS_ACTIVE_THREAD_PERCENTAGE.</param>
public sealed record PlannedPartition(int Index, double SharePercent, double RequestedSms, int Units, int PlannedSms, int? ThreadPercentage);

/// <summary>The SM counts a set of shares turns into on one device under one mechanism.</summary>
/// <param name="Mechanism">The mechanism.</param>
/// <param name="DeviceSmCount">SMs on the device.</param>
/// <param name="Granularity">The granularity used.</param>
/// <param name="UnitSms">Size of one allocation unit in SMs.</param>
/// <param name="AvailableUnits">Units the device offers.</param>
/// <param name="Partitions">One entry per share, in order (empty when infeasible).</param>
/// <param name="Reason">Why the shares do not fit, when they do not.</param>
public sealed record PartitionPlan(
    PartitionMechanism Mechanism,
    int DeviceSmCount,
    SmGranularity Granularity,
    int UnitSms,
    int AvailableUnits,
    IReadOnlyList<PlannedPartition> Partitions,
    string? Reason)
{
    /// <summary>True when every share got a partition.</summary>
    public bool IsFeasible => Reason is null;

    /// <summary>Units handed out.</summary>
    public int UsedUnits => Partitions.Sum(p => p.Units);
}

/// <summary>
/// The pure partitioning rules: which mechanisms a device offers, which one to use, and how shares
/// in percent become SM counts. No driver calls, so every rule is unit-tested without a GPU.
/// </summary>
public static class PartitionPlanner
{
    // Shares are compared with a little slack so 33.3 + 33.3 + 33.4 counts as 100.
    private const double Tolerance = 1e-9;

    /// <summary>The order in which the automatic choice tries mechanisms (disjoint and in-process first).</summary>
    public static IReadOnlyList<PartitionMechanism> Preference { get; } =
    [
        PartitionMechanism.GreenContext,
        PartitionMechanism.MpsExecutionAffinity,
        PartitionMechanism.MpsThreadPercentage,
        PartitionMechanism.None,
    ];

    /// <summary>Each mechanism, in <see cref="Preference"/> order, with whether it is available and why not.</summary>
    public static IReadOnlyList<MechanismAvailability> Assess(PartitionCapabilities capabilities) =>
        [.. Preference.Select(m => Assess(capabilities, m))];

    /// <summary>Whether <paramref name="mechanism"/> is usable with these capabilities, and why not.</summary>
    public static MechanismAvailability Assess(PartitionCapabilities capabilities, PartitionMechanism mechanism)
    {
        bool volta = capabilities.ComputeMajor >= 7;
        string cc = $"{capabilities.ComputeMajor}.{capabilities.ComputeMinor}";
        return mechanism switch
        {
            PartitionMechanism.GreenContext => capabilities.DriverVersion >= 12040
                ? new(mechanism, true, capabilities.MpsEnabled
                    ? "available; under MPS leave CUDA_MPS_ACTIVE_THREAD_PERCENTAGE unset or 100"
                    : "available (driver ≥ 12.4)")
                : new(mechanism, false, $"needs a CUDA 12.4 driver, this one is {NativeRuntime.FormatCudaVersion(capabilities.DriverVersion)}"),
            PartitionMechanism.MpsExecutionAffinity => !volta
                ? new(mechanism, false, $"needs compute capability 7.0 (Volta) or newer, this device is {cc}")
                : !capabilities.MpsEnabled
                    ? new(mechanism, false, "needs the MPS control daemon (nvidia-cuda-mps-control -d) running before this process starts")
                    : !capabilities.ExecAffinitySupported
                        ? new(mechanism, false, "the driver reports no SM-count execution affinity for this device")
                        : new(mechanism, true, "available (MPS client with execution affinity)"),
            PartitionMechanism.MpsThreadPercentage => !volta
                ? new(mechanism, false, $"needs compute capability 7.0 (Volta) or newer, this device is {cc}")
                : !capabilities.MpsEnabled
                    ? new(mechanism, false, "needs the MPS control daemon (nvidia-cuda-mps-control -d) running")
                    : new(mechanism, true, "available (one worker process per member)"),
            _ => new(mechanism, true, "always available; members share all SMs"),
        };
    }

    /// <summary>
    /// The mechanism to use: <paramref name="forced"/> when given (it must be available), otherwise the
    /// first available one in <see cref="Preference"/> order.
    /// </summary>
    /// <exception cref="InvalidOperationException">The forced mechanism is not available; the message says why.</exception>
    public static PartitionMechanism Choose(PartitionCapabilities capabilities, PartitionMechanism? forced = null)
    {
        if (forced is PartitionMechanism wanted)
        {
            MechanismAvailability availability = Assess(capabilities, wanted);
            return availability.Available
                ? wanted
                : throw new InvalidOperationException($"SM partition mechanism {wanted} is not available: {availability.Reason}.");
        }

        return Assess(capabilities).First(a => a.Available).Mechanism;
    }

    /// <summary>
    /// Turns shares (percent of the device's SMs, each in (0, 100]) into SM counts under
    /// <paramref name="mechanism"/>, by the device's <see cref="SmPartitionPolicy"/>.
    /// </summary>
    /// <param name="granularity">A granularity the driver reported; default the documented one.</param>
    /// <param name="availableUnits">Units actually available (e.g. groups a split returned); default N / unit.</param>
    /// <exception cref="ArgumentException">A share is not a number in (0, 100], there are none, or the device has no SMs.</exception>
    public static PartitionPlan Plan(
        PartitionCapabilities capabilities,
        IReadOnlyList<double> sharesPercent,
        PartitionMechanism mechanism,
        SmGranularity? granularity = null,
        int? availableUnits = null)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        if (capabilities.SmCount <= 0)
        {
            throw new ArgumentException($"The device reports {capabilities.SmCount} SMs.", nameof(capabilities));
        }

        return Plan(SmPartitionPolicy.For(mechanism, capabilities.SmCount, capabilities.ComputeMajor, granularity, availableUnits), sharesPercent);
    }

    /// <summary>
    /// Turns shares into SM counts under <paramref name="policy"/>.
    /// <list type="bullet">
    /// <item>None: every member gets all SMs; shares are not enforced.</item>
    /// <item>MPS thread percentage: each member gets <see cref="SmPartitionPolicy.UnitsForShare"/> TPCs
    /// (what MPS grants for that percentage) and the percentage ceil(planned·100/N), which MPS rounds
    /// down to exactly the planned SMs for N &lt; 200.</item>
    /// <item>Green contexts and MPS execution affinity: a share p asks for p/100 of the available units.
    /// Each member gets floor(request) units, at least one; the units left go, one each, to the members
    /// with the largest fractional remainder, so every member ends at floor or ceil of its request and
    /// the total never exceeds the device. For the policy's grantable shares that is exactly
    /// <see cref="SmPartitionPolicy.UnitsForShare"/> whenever those units fit.</item>
    /// </list>
    /// Infeasible when the shares sum to more than 100 % or the members need more units than the device has.
    /// </summary>
    /// <exception cref="ArgumentException">A share is not a number in (0, 100], or there are none.</exception>
    public static PartitionPlan Plan(SmPartitionPolicy policy, IReadOnlyList<double> sharesPercent)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ValidateShares(sharesPercent);
        int n = policy.DeviceSms;
        SmGranularity g = policy.Granularity;
        PartitionMechanism mechanism = policy.Mechanism;
        if (!policy.Partitions)
        {
            return new PartitionPlan(mechanism, n, g, n, 1,
                [.. sharesPercent.Select((p, i) => new PlannedPartition(i, p, p * n / 100, 1, n, null))], null);
        }

        int unit = policy.UnitSms;
        int units = policy.AvailableUnits;
        double total = sharesPercent.Sum();
        if (total > 100 + Tolerance)
        {
            return Infeasible(mechanism, n, g, unit, units, $"the shares sum to {total:0.##} % of the SMs, more than 100 %");
        }

        // A share is a fraction of the SMs the mechanism can hand out (whole units), so shares summing to
        // 100 % always fit even when N is not a multiple of the unit or a split returned fewer groups.
        double[] exact = [.. sharesPercent.Select(p => p / 100 * units)];
        int[] given = mechanism == PartitionMechanism.MpsThreadPercentage
            ? [.. sharesPercent.Select(policy.UnitsForShare)]
            : [.. exact.Select(e => Math.Max(1, (int)Math.Floor(e + Tolerance)))];
        int needed = given.Sum();
        if (needed > units)
        {
            return Infeasible(mechanism, n, g, unit, units,
                $"{sharesPercent.Count} partitions need at least {needed} groups of {unit} SMs, the device offers {units} ({n} SMs)");
        }

        int left = mechanism == PartitionMechanism.MpsThreadPercentage ? 0 : units - needed;
        foreach (int i in Enumerable.Range(0, exact.Length).OrderByDescending(i => exact[i] - given[i]).ThenBy(i => i))
        {
            if (left == 0 || exact[i] - given[i] <= Tolerance)
            {
                break;
            }

            given[i]++;
            left--;
        }

        return new PartitionPlan(mechanism, n, g, unit, units,
            [.. sharesPercent.Select((p, i) => new PlannedPartition(
                i, p, p * n / 100, given[i], given[i] * unit,
                mechanism == PartitionMechanism.MpsThreadPercentage ? ThreadPercentageFor(given[i] * unit, n) : null))],
            null);
    }

    /// <summary>True when the shares fit on the device under the mechanism.</summary>
    public static bool IsFeasible(PartitionCapabilities capabilities, IReadOnlyList<double> sharesPercent, PartitionMechanism mechanism) =>
        Plan(capabilities, sharesPercent, mechanism).IsFeasible;

    /// <summary>
    /// The SMs MPS grants for an active-thread percentage: "rounded down to the nearest hardware
    /// supported thread count limit" (MPS doc), i.e. floor(p·N/100/2)·2 SMs, at least one TPC.
    /// </summary>
    public static int SmsForThreadPercentage(int percentage, int deviceSmCount) =>
        Math.Max(2, percentage * deviceSmCount / 100 / 2 * 2);

    /// <summary>The SMs MPS execution affinity grants for a request: rounded up to whole TPCs (2 SMs).</summary>
    public static int SmsForExecAffinity(int requestedSms) => (requestedSms + 1) / 2 * 2;

    private static int ThreadPercentageFor(int plannedSms, int deviceSmCount) =>
        Math.Min(100, (int)Math.Ceiling(plannedSms * 100.0 / deviceSmCount - Tolerance));

    private static PartitionPlan Infeasible(PartitionMechanism mechanism, int n, SmGranularity g, int unit, int units, string reason) =>
        new(mechanism, n, g, unit, units, [], reason);

    private static void ValidateShares(IReadOnlyList<double> sharesPercent)
    {
        if (sharesPercent.Count == 0)
        {
            throw new ArgumentException("At least one share is needed.", nameof(sharesPercent));
        }

        for (int i = 0; i < sharesPercent.Count; i++)
        {
            double p = sharesPercent[i];
            if (!double.IsFinite(p) || p <= 0 || p > 100)
            {
                throw new ArgumentException($"Share {i} is {p} %; each share must be in (0, 100].", nameof(sharesPercent));
            }
        }
    }
}
