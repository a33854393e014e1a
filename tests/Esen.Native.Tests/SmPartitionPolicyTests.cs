using Esen.Native.Partitions;

namespace Esen.Native.Tests;

/// <summary>The one share-to-SMs rule, held against MPS's own rounding and the runtime's split.</summary>
public class SmPartitionPolicyTests
{
    // SM counts of real parts (gpu-facts §3): T4, L4, A10, V100, A100, H100 PCIe, H100 SXM / H200.
    private static readonly (int Sms, int Major)[] s_devices = [(40, 7), (58, 8), (72, 8), (80, 7), (108, 8), (114, 9), (132, 9)];

    private static readonly PartitionMechanism[] s_partitioning =
        [PartitionMechanism.GreenContext, PartitionMechanism.MpsExecutionAffinity, PartitionMechanism.MpsThreadPercentage];

    [Fact]
    public void Thread_percentage_rule_is_what_mps_grants_for_every_integer_percent()
    {
        foreach ((int sms, int major) in s_devices)
        {
            SmPartitionPolicy policy = SmPartitionPolicy.For(PartitionMechanism.MpsThreadPercentage, sms, major);
            for (int percent = 1; percent <= 100; percent++)
            {
                Assert.Equal(PartitionPlanner.SmsForThreadPercentage(percent, sms), policy.SmsForShare(percent));
            }
        }
    }

    [Fact]
    public void Grantable_shares_reach_every_partition_size_once_in_ascending_order()
    {
        foreach ((int sms, int major) in s_devices)
        {
            foreach (PartitionMechanism mechanism in s_partitioning)
            {
                SmPartitionPolicy policy = SmPartitionPolicy.For(mechanism, sms, major);
                IReadOnlyList<int> shares = policy.GrantableShares();
                int[] granted = [.. shares.Select(s => policy.SmsForShare(s))];

                // Oracle: the sizes the mechanism can hand out are 1..U whole units.
                Assert.Equal(Enumerable.Range(1, policy.AvailableUnits).Select(k => k * policy.UnitSms), granted);
                Assert.Equal(shares.Order(), shares);
                Assert.Equal(100, shares[^1]);
            }
        }
    }

    [Fact]
    public void Green_contexts_on_h200_offer_sixteen_groups_of_eight()
    {
        SmPartitionPolicy policy = SmPartitionPolicy.For(PartitionMechanism.GreenContext, 132, 9);

        Assert.Equal([6, 12, 18, 25, 31, 37, 43, 50, 56, 62, 68, 75, 81, 87, 93, 100], policy.GrantableShares());
        Assert.Equal([16, 40, 80], new[] { 12, 31, 62 }.Select(p => policy.SmsForShare(p)));
    }

    [Fact]
    public void Without_partitions_every_member_runs_on_every_sm()
    {
        SmPartitionPolicy policy = SmPartitionPolicy.For(PartitionMechanism.None, 132, 9);

        Assert.Equal([100], policy.GrantableShares());
        Assert.Equal(132, policy.SmsForShare(10));
        Assert.False(policy.Partitions);
    }

    [Fact]
    public void Runtime_split_grants_the_rule_for_every_layout_of_grantable_shares_that_fits()
    {
        var random = new Random(20261204);
        foreach ((int sms, int major) in s_devices)
        {
            var capabilities = new PartitionCapabilities(12080, sms, major, 0, false, false);
            foreach (PartitionMechanism mechanism in s_partitioning)
            {
                SmPartitionPolicy policy = SmPartitionPolicy.For(mechanism, sms, major);
                IReadOnlyList<int> menu = policy.GrantableShares();
                for (int trial = 0; trial < 300; trial++)
                {
                    int[] shares = [.. Enumerable.Range(0, random.Next(1, 9)).Select(_ => menu[random.Next(menu.Count)])];
                    if (shares.Sum() > 100)
                    {
                        continue;
                    }

                    PartitionPlan plan = PartitionPlanner.Plan(capabilities, [.. shares.Select(s => (double)s)], mechanism);
                    int[] rule = [.. shares.Select(s => policy.SmsForShare(s))];
                    if (rule.Sum() > sms)
                    {
                        // Only a layout of many one-unit members can sum to ≤ 100 % and still overflow.
                        Assert.Equal(PartitionMechanism.MpsExecutionAffinity, mechanism);
                        continue;
                    }

                    Assert.True(plan.IsFeasible, plan.Reason);
                    Assert.Equal(rule, plan.Partitions.Select(p => p.PlannedSms));
                }
            }
        }
    }

    [Fact]
    public void On_green_contexts_a_layout_of_grantable_shares_fits_exactly_when_it_sums_to_at_most_100()
    {
        // Brute force over every pair and triple of H200 green-context shares.
        SmPartitionPolicy policy = SmPartitionPolicy.For(PartitionMechanism.GreenContext, 132, 9);
        IReadOnlyList<int> menu = policy.GrantableShares();
        foreach (int a in menu)
        {
            foreach (int b in menu)
            {
                foreach (int c in menu)
                {
                    int units = policy.UnitsForShare(a) + policy.UnitsForShare(b) + policy.UnitsForShare(c);
                    Assert.Equal(units <= policy.AvailableUnits, a + b + c <= 100);
                }
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void A_share_outside_0_to_100_is_refused(double percent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SmPartitionPolicy.For(PartitionMechanism.GreenContext, 132, 9).SmsForShare(percent));
}
