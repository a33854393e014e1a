using Esen.Native.Partitions;

namespace Esen.Native.Tests;

/// <summary>The pure partition rules: granularity, rounding, feasibility and mechanism choice.</summary>
public class PartitionPlannerTests
{
    // SM counts of real parts (gpu-facts §3): T4, L4, A10, V100, A100, H100 PCIe, H100 SXM.
    private static readonly (int Sms, int Major)[] s_devices = [(40, 7), (58, 8), (72, 8), (80, 7), (108, 8), (114, 9), (132, 9)];

    private static PartitionCapabilities Device(int sms, int major, int driver = 12080, bool mps = false, bool affinity = false) =>
        new(driver, sms, major, 0, mps, affinity);

    [Theory]
    [InlineData(6, 1, 1, 1)]
    [InlineData(7, 2, 2, 2)]
    [InlineData(8, 4, 2, 4)]
    [InlineData(9, 8, 8, 8)]
    [InlineData(10, 8, 8, 8)]
    public void Green_context_granularity_follows_the_cuda_12_4_guideline(int major, int minimum, int multiple, int unit)
    {
        SmGranularity g = SmGranularity.For(PartitionMechanism.GreenContext, major);

        Assert.Equal(new SmGranularity(minimum, multiple), g);
        Assert.Equal(unit, g.UnitSms);
    }

    [Fact]
    public void Mps_granularity_is_one_tpc()
    {
        Assert.Equal(new SmGranularity(2, 2), SmGranularity.For(PartitionMechanism.MpsExecutionAffinity, 8));
        Assert.Equal(new SmGranularity(2, 2), SmGranularity.For(PartitionMechanism.MpsThreadPercentage, 9));
    }

    [Fact]
    public void Half_and_half_on_h100_gives_two_64_sm_green_contexts_and_leaves_the_4_sm_remainder()
    {
        PartitionPlan plan = PartitionPlanner.Plan(Device(132, 9), [50, 50], PartitionMechanism.GreenContext);

        Assert.True(plan.IsFeasible);
        Assert.Equal(8, plan.UnitSms);
        Assert.Equal(16, plan.AvailableUnits);
        Assert.Equal([64, 64], plan.Partitions.Select(p => p.PlannedSms));
    }

    [Fact]
    public void Leftover_groups_go_to_the_largest_remainders_on_a100()
    {
        // 108 SMs in groups of 4: requests 6.75, 6.75, 13.5 groups; floors 6, 6, 13 leave 2 groups.
        PartitionPlan plan = PartitionPlanner.Plan(Device(108, 8), [25, 25, 50], PartitionMechanism.GreenContext);

        Assert.Equal([28, 28, 52], plan.Partitions.Select(p => p.PlannedSms));
        Assert.Equal(27, plan.UsedUnits);
    }

    [Fact]
    public void Tiny_share_still_gets_one_group()
    {
        PartitionPlan plan = PartitionPlanner.Plan(Device(132, 9), [1, 99], PartitionMechanism.GreenContext);

        Assert.Equal([8, 120], plan.Partitions.Select(p => p.PlannedSms));
    }

    [Fact]
    public void Unit_mechanisms_never_oversubscribe_and_use_every_group_they_can_on_random_share_sets()
    {
        var random = new Random(20260122);
        foreach ((int sms, int major) in s_devices)
        {
            foreach (PartitionMechanism mechanism in new[] { PartitionMechanism.GreenContext, PartitionMechanism.MpsExecutionAffinity })
            {
                for (int trial = 0; trial < 200; trial++)
                {
                    double[] shares = RandomShares(random);
                    PartitionPlan plan = PartitionPlanner.Plan(Device(sms, major), shares, mechanism);
                    int unit = SmGranularity.For(mechanism, major).UnitSms;
                    double[] exact = [.. shares.Select(p => p / 100 * (sms / unit))];
                    int floorNeed = exact.Sum(e => Math.Max(1, (int)Math.Floor(e + 1e-9)));

                    // Independent oracle: feasible exactly when the minimum units fit, and then the plan
                    // hands out min(available, sum of ceilings) units with each member at floor or ceil.
                    Assert.Equal(shares.Sum() <= 100 + 1e-9 && floorNeed <= sms / unit, plan.IsFeasible);
                    if (!plan.IsFeasible)
                    {
                        continue;
                    }

                    int ceilSum = exact.Sum(e => Math.Max(1, (int)Math.Ceiling(e - 1e-9)));
                    Assert.Equal(Math.Min(sms / unit, ceilSum), plan.UsedUnits);
                    Assert.True(plan.Partitions.Sum(p => p.PlannedSms) <= sms);
                    Assert.All(plan.Partitions, p =>
                    {
                        Assert.Equal(0, p.PlannedSms % unit);
                        Assert.InRange(p.Units, Math.Max(1, (int)Math.Floor(exact[p.Index] + 1e-9)), Math.Max(1, (int)Math.Ceiling(exact[p.Index] - 1e-9)));
                    });
                }
            }
        }
    }

    [Fact]
    public void Thread_percentage_gives_each_member_what_mps_grants_for_its_own_percentage()
    {
        var random = new Random(11);
        foreach ((int sms, int major) in s_devices)
        {
            for (int trial = 0; trial < 200; trial++)
            {
                int[] percents = [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(1, 40))];
                PartitionPlan plan = PartitionPlanner.Plan(Device(sms, major), [.. percents.Select(p => (double)p)], PartitionMechanism.MpsThreadPercentage);

                // Oracle: MPS's own rounding of each percentage, independent of the other members.
                Assert.Equal(percents.Sum() <= 100, plan.IsFeasible);
                if (plan.IsFeasible)
                {
                    Assert.Equal(percents.Select(p => PartitionPlanner.SmsForThreadPercentage(p, sms)), plan.Partitions.Select(p => p.PlannedSms));
                }
            }
        }
    }

    [Fact]
    public void Thread_percentage_lands_mps_rounding_exactly_on_the_planned_sms()
    {
        var random = new Random(7);
        foreach ((int sms, int major) in s_devices)
        {
            for (int trial = 0; trial < 200; trial++)
            {
                PartitionPlan plan = PartitionPlanner.Plan(Device(sms, major), RandomShares(random), PartitionMechanism.MpsThreadPercentage);
                Assert.All(plan.Partitions, p =>
                    Assert.Equal(p.PlannedSms, PartitionPlanner.SmsForThreadPercentage(p.ThreadPercentage!.Value, sms)));
            }
        }
    }

    [Fact]
    public void Thread_percentage_on_v100_matches_the_igniter_unit()
    {
        // V100: 80 SMs, one TPC = 2.5 %.
        PartitionPlan plan = PartitionPlanner.Plan(Device(80, 7), [30, 70], PartitionMechanism.MpsThreadPercentage);

        Assert.Equal([24, 56], plan.Partitions.Select(p => p.PlannedSms));
        Assert.Equal([30, 70], plan.Partitions.Select(p => p.ThreadPercentage!.Value));
        Assert.Equal(20, PartitionPlanner.SmsForThreadPercentage(26, 80));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(27, 28)]
    public void Exec_affinity_rounds_requests_up_to_whole_tpcs(int requested, int granted) =>
        Assert.Equal(granted, PartitionPlanner.SmsForExecAffinity(requested));

    [Fact]
    public void Shares_over_100_percent_are_infeasible_with_a_reason()
    {
        PartitionPlan plan = PartitionPlanner.Plan(Device(80, 7), [60, 50], PartitionMechanism.GreenContext);

        Assert.False(plan.IsFeasible);
        Assert.Contains("110 %", plan.Reason, StringComparison.Ordinal);
        Assert.Empty(plan.Partitions);
    }

    [Fact]
    public void More_members_than_groups_is_infeasible()
    {
        double[] shares = [.. Enumerable.Repeat(5.0, 17)];

        PartitionPlan plan = PartitionPlanner.Plan(Device(132, 9), shares, PartitionMechanism.GreenContext);

        Assert.False(plan.IsFeasible);
        Assert.Contains("17 groups of 8 SMs", plan.Reason, StringComparison.Ordinal);
        Assert.False(PartitionPlanner.IsFeasible(Device(132, 9), shares, PartitionMechanism.GreenContext));
        Assert.True(PartitionPlanner.IsFeasible(Device(132, 9), shares[..16], PartitionMechanism.GreenContext));
    }

    [Fact]
    public void Fewer_groups_from_the_driver_replan_within_them()
    {
        PartitionPlan plan = PartitionPlanner.Plan(Device(132, 9), [50, 50], PartitionMechanism.GreenContext, availableUnits: 14);

        Assert.Equal([56, 56], plan.Partitions.Select(p => p.PlannedSms));
    }

    [Fact]
    public void None_gives_every_member_the_whole_device()
    {
        PartitionPlan plan = PartitionPlanner.Plan(Device(80, 7), [70, 70], PartitionMechanism.None);

        Assert.True(plan.IsFeasible);
        Assert.Equal([80, 80], plan.Partitions.Select(p => p.PlannedSms));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Bad_share_is_rejected_naming_its_index(double bad)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() =>
            PartitionPlanner.Plan(Device(80, 7), [20, bad], PartitionMechanism.GreenContext));

        Assert.Contains("Share 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_shares_is_rejected() =>
        Assert.Throws<ArgumentException>(() => PartitionPlanner.Plan(Device(80, 7), [], PartitionMechanism.None));

    [Fact]
    public void Green_contexts_are_chosen_first_on_a_12_4_driver() =>
        Assert.Equal(PartitionMechanism.GreenContext, PartitionPlanner.Choose(Device(108, 8, driver: 12040)));

    [Fact]
    public void Exec_affinity_is_chosen_under_mps_on_an_older_driver() =>
        Assert.Equal(PartitionMechanism.MpsExecutionAffinity, PartitionPlanner.Choose(Device(80, 7, driver: 12020, mps: true, affinity: true)));

    [Fact]
    public void Thread_percentage_is_chosen_under_mps_without_affinity_support() =>
        Assert.Equal(PartitionMechanism.MpsThreadPercentage, PartitionPlanner.Choose(Device(80, 7, driver: 11080, mps: true)));

    [Fact]
    public void Plain_streams_are_the_fallback() =>
        Assert.Equal(PartitionMechanism.None, PartitionPlanner.Choose(Device(80, 7, driver: 12020)));

    [Fact]
    public void Assessment_explains_every_missing_mechanism()
    {
        IReadOnlyList<MechanismAvailability> assessment = PartitionPlanner.Assess(new PartitionCapabilities(12020, 56, 6, 0, false, false));

        Assert.Equal(PartitionPlanner.Preference, assessment.Select(a => a.Mechanism));
        Assert.Contains("12.4", assessment[0].Reason, StringComparison.Ordinal);
        Assert.Contains("7.0 (Volta)", assessment[1].Reason, StringComparison.Ordinal);
        Assert.Contains("6.0", assessment[2].Reason, StringComparison.Ordinal);
        Assert.True(assessment[3].Available);
    }

    [Fact]
    public void Exec_affinity_without_mps_says_to_start_the_daemon()
    {
        MechanismAvailability a = PartitionPlanner.Assess(Device(80, 7, affinity: true), PartitionMechanism.MpsExecutionAffinity);

        Assert.False(a.Available);
        Assert.Contains("nvidia-cuda-mps-control -d", a.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Forcing_an_unavailable_mechanism_throws_with_the_reason()
    {
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() =>
            PartitionPlanner.Choose(Device(80, 7, driver: 12020), PartitionMechanism.GreenContext));

        Assert.Contains("GreenContext", ex.Message, StringComparison.Ordinal);
        Assert.Contains("12.4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forcing_an_available_mechanism_uses_it() =>
        Assert.Equal(PartitionMechanism.None, PartitionPlanner.Choose(Device(108, 8, driver: 12040), PartitionMechanism.None));

    private static double[] RandomShares(Random random)
    {
        int count = random.Next(1, 9);
        double[] weights = [.. Enumerable.Range(0, count).Select(_ => random.NextDouble() + 0.05)];
        double scale = random.Next(40, 101) / weights.Sum();
        return [.. weights.Select(w => Math.Min(100, Math.Round(w * scale, 1)))];
    }
}
