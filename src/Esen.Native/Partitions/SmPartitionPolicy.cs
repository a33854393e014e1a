namespace Esen.Native.Partitions;

/// <summary>
/// The one rule that turns a member's share (integer or fractional percent of the device) into SMs
/// under a mechanism, and the shares worth offering a solver on that device. The solver, the cost
/// model, the simulator and the runtime (<see cref="PartitionPlanner.Plan(SmPartitionPolicy, IReadOnlyList{double})"/>) all read it, so the
/// plan that was optimised is the plan that runs. Pure: no driver calls.
/// <list type="bullet">
/// <item>MPS active-thread percentage: the percentage is the knob, and MPS rounds it down to whole
/// TPCs ("rounded down to the nearest hardware supported thread count limit", MPS doc), at least one.
/// Shares summing to 100 % always fit; every integer percent can be granted.</item>
/// <item>Green contexts and MPS execution affinity: Esen chooses a number of units (one split's equal
/// groups, or TPCs). A share p asks for p·U/100 of the U units; a member gets the ceiling. The shares
/// offered to a solver are ⌊100·k/U⌋ for k = 1..U, which this rule maps back to exactly k units, and
/// for which the runtime's largest-remainder split (used because hand-written shares must fit too)
/// hands every member the same k as long as the units fit.</item>
/// <item>None: every member runs on all SMs.</item>
/// </list>
/// </summary>
/// <param name="Mechanism">The mechanism.</param>
/// <param name="DeviceSms">SMs on the device.</param>
/// <param name="Granularity">The SM counts the mechanism can hand out.</param>
/// <param name="AvailableUnits">Units the device offers (a split may return fewer than N / unit).</param>
public sealed record SmPartitionPolicy(PartitionMechanism Mechanism, int DeviceSms, SmGranularity Granularity, int AvailableUnits)
{
    // A share is compared with a little slack so that 100·k/U computed in floating point maps back to k.
    private const double Tolerance = 1e-9;

    /// <summary>The policy of <paramref name="mechanism"/> on a device of <paramref name="deviceSms"/> SMs.</summary>
    /// <param name="mechanism">The mechanism.</param>
    /// <param name="deviceSms">SMs on the device.</param>
    /// <param name="computeMajor">Compute capability, major (chooses the documented granularity).</param>
    /// <param name="granularity">A granularity the driver reported, overriding the documented one.</param>
    /// <param name="availableUnits">Units actually available; default N / unit.</param>
    /// <exception cref="ArgumentOutOfRangeException">The device has no SMs, or no unit fits.</exception>
    public static SmPartitionPolicy For(
        PartitionMechanism mechanism, int deviceSms, int computeMajor, SmGranularity? granularity = null, int? availableUnits = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(deviceSms);
        SmGranularity g = granularity ?? SmGranularity.For(mechanism, computeMajor);
        int units = mechanism == PartitionMechanism.None ? 1 : availableUnits ?? deviceSms / g.UnitSms;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units, nameof(availableUnits));
        return new SmPartitionPolicy(mechanism, deviceSms, g, units);
    }

    /// <summary>SMs in one unit (all SMs when the mechanism does not partition).</summary>
    public int UnitSms => Mechanism == PartitionMechanism.None ? DeviceSms : Granularity.UnitSms;

    /// <summary>Whether members get disjoint SM sets (every mechanism but <see cref="PartitionMechanism.None"/>).</summary>
    public bool Partitions => Mechanism != PartitionMechanism.None;

    /// <summary>The units a member at <paramref name="percent"/> gets on its own (see the class remarks).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The share is not in (0, 100].</exception>
    public int UnitsForShare(double percent)
    {
        if (!double.IsFinite(percent) || percent <= 0 || percent > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "a share must be in (0, 100] percent");
        }

        double exact = percent / 100 * AvailableUnits;
        return Mechanism switch
        {
            PartitionMechanism.None => 1,
            PartitionMechanism.MpsThreadPercentage => Math.Clamp((int)Math.Floor(exact + Tolerance), 1, AvailableUnits),
            _ => Math.Clamp((int)Math.Ceiling(exact - Tolerance), 1, AvailableUnits),
        };
    }

    /// <summary>The SMs a member at <paramref name="percent"/> runs on.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The share is not in (0, 100].</exception>
    public int SmsForShare(double percent) => UnitsForShare(percent) * UnitSms;

    /// <summary>
    /// The integer shares a solver should choose among on this device: for each partition size the
    /// mechanism can grant, the share that asks for it (the smallest such share for thread percentage,
    /// the largest for the unit mechanisms, so shares summing to 100 % use every unit). Ascending; each
    /// maps to a different SM count. Without partitioning, only 100.
    /// </summary>
    public IReadOnlyList<int> GrantableShares()
    {
        if (!Partitions)
        {
            return [100];
        }

        // Percent by unit count: thread percentage keeps the first (smallest) share per count, the
        // unit mechanisms the last (largest).
        bool keepLargest = Mechanism != PartitionMechanism.MpsThreadPercentage;
        var shares = new SortedDictionary<int, int>();
        for (int percent = 1; percent <= 100; percent++)
        {
            int units = UnitsForShare(percent);
            if (keepLargest || !shares.ContainsKey(units))
            {
                shares[units] = percent;
            }
        }

        return [.. shares.Values];
    }
}
