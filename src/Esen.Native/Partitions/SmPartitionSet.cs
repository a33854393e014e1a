using Esen.Native.Cuda;

namespace Esen.Native.Partitions;

/// <summary>
/// The partitions of one device for a set of members: the mechanism (chosen by capability or forced),
/// the plan (pure rounding rules in <see cref="PartitionPlanner"/>) and one <see cref="SmPartition"/> per share.
/// </summary>
public sealed class SmPartitionSet : IDisposable
{
    private readonly IDisposable? _deviceRetention;

    private SmPartitionSet(CudaDevice device, PartitionPlan plan, IReadOnlyList<SmPartition> partitions, IDisposable? deviceRetention)
    {
        Device = device;
        Plan = plan;
        Partitions = partitions;
        _deviceRetention = deviceRetention;
    }

    /// <summary>The device.</summary>
    public CudaDevice Device { get; }

    /// <summary>The mechanism in use.</summary>
    public PartitionMechanism Mechanism => Plan.Mechanism;

    /// <summary>The plan the partitions were made from.</summary>
    public PartitionPlan Plan { get; }

    /// <summary>One partition per share, in order.</summary>
    public IReadOnlyList<SmPartition> Partitions { get; }

    /// <summary>
    /// Partitions <paramref name="device"/> for <paramref name="sharesPercent"/>. The mechanism is the
    /// first available in <see cref="PartitionPlanner.Preference"/> unless <paramref name="mechanism"/> forces one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The forced mechanism is unavailable, or the shares do not fit.</exception>
    public static SmPartitionSet Create(CudaDevice device, IReadOnlyList<double> sharesPercent, PartitionMechanism? mechanism = null) =>
        Create(CudaPartitionDriver.Instance, device, sharesPercent, mechanism);

    internal static SmPartitionSet Create(ISmPartitionDriver driver, CudaDevice device, IReadOnlyList<double> sharesPercent, PartitionMechanism? mechanism)
    {
        var capabilities = PartitionCapabilities.From(driver.GetProperties(device), driver.DriverVersion);
        PartitionMechanism chosen = PartitionPlanner.Choose(capabilities, mechanism);
        return chosen switch
        {
            PartitionMechanism.GreenContext => CreateGreen(driver, device, capabilities, sharesPercent),
            PartitionMechanism.MpsThreadPercentage => CreateWorkers(capabilities, device, sharesPercent),
            _ => CreateEach(driver, device, Feasible(PartitionPlanner.Plan(capabilities, sharesPercent, chosen)), null),
        };
    }

    /// <summary>
    /// The share-to-SMs rule partitions of <paramref name="device"/> follow under
    /// <paramref name="mechanism"/>: the documented granularity, or for green contexts the one the driver
    /// reports. What a plan for this device must be made with.
    /// </summary>
    public static SmPartitionPolicy PolicyFor(CudaDevice device, PartitionMechanism mechanism) =>
        PolicyFor(CudaPartitionDriver.Instance, device, mechanism);

    internal static SmPartitionPolicy PolicyFor(ISmPartitionDriver driver, CudaDevice device, PartitionMechanism mechanism)
    {
        var capabilities = PartitionCapabilities.From(driver.GetProperties(device), driver.DriverVersion);
        return SmPartitionPolicy.For(
            mechanism,
            capabilities.SmCount,
            capabilities.ComputeMajor,
            mechanism == PartitionMechanism.GreenContext ? driver.ReportedGreenGranularity(device) : null);
    }

    /// <summary>Disposes every partition, then releases the device.</summary>
    public void Dispose()
    {
        foreach (SmPartition partition in Partitions)
        {
            partition.Dispose();
        }

        _deviceRetention?.Dispose();
    }

    private static SmPartitionSet CreateGreen(ISmPartitionDriver driver, CudaDevice device, PartitionCapabilities capabilities, IReadOnlyList<double> shares)
    {
        SmGranularity? reported = driver.ReportedGreenGranularity(device);
        PartitionPlan plan = Feasible(PartitionPlanner.Plan(capabilities, shares, PartitionMechanism.GreenContext, reported));
        IDisposable retention = driver.RetainDevice(device);
        try
        {
            // One split for the whole layout; symmetric groups may come back fewer than N / unit.
            IGreenSplit split = driver.SplitSms(device, plan.UnitSms, plan.AvailableUnits);
            if (split.GroupCount < plan.AvailableUnits)
            {
                plan = Feasible(PartitionPlanner.Plan(capabilities, shares, PartitionMechanism.GreenContext, reported, split.GroupCount));
            }

            return CreateEach(driver, device, plan, retention, split);
        }
        catch
        {
            retention.Dispose();
            throw;
        }
    }

    private static SmPartitionSet CreateWorkers(PartitionCapabilities capabilities, CudaDevice device, IReadOnlyList<double> shares)
    {
        PartitionPlan plan = Feasible(PartitionPlanner.Plan(capabilities, shares, PartitionMechanism.MpsThreadPercentage));
        SmPartition[] partitions = [.. plan.Partitions.Select(p =>
            new SmPartition(plan.Mechanism, p, null, MpsWorker.EnvironmentFor(p.ThreadPercentage!.Value)))];
        return new SmPartitionSet(device, plan, partitions, null);
    }

    private static SmPartitionSet CreateEach(ISmPartitionDriver driver, CudaDevice device, PartitionPlan plan, IDisposable? retention, IGreenSplit? split = null)
    {
        var partitions = new List<SmPartition>(plan.Partitions.Count);
        try
        {
            int nextGroup = 0;
            foreach (PlannedPartition planned in plan.Partitions)
            {
                IPartitionResources resources = plan.Mechanism switch
                {
                    PartitionMechanism.GreenContext => driver.CreateGreenPartition(device, split!, nextGroup, planned.Units),
                    PartitionMechanism.MpsExecutionAffinity => driver.CreateAffinityPartition(device, planned.PlannedSms),
                    _ => driver.CreatePlainPartition(device),
                };
                nextGroup += planned.Units;
                partitions.Add(new SmPartition(plan.Mechanism, planned, resources, new Dictionary<string, string>()));
            }

            return new SmPartitionSet(device, plan, partitions, retention);
        }
        catch
        {
            foreach (SmPartition partition in partitions)
            {
                partition.Dispose();
            }

            throw;
        }
    }

    private static PartitionPlan Feasible(PartitionPlan plan) => plan.IsFeasible
        ? plan
        : throw new InvalidOperationException($"The shares do not fit with {plan.Mechanism}: {plan.Reason}.");
}
