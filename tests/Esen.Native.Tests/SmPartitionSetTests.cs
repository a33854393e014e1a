using Esen.Native.Cuda;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.Partitions;

namespace Esen.Native.Tests;

/// <summary>The partition orchestration against a fake driver: one split, disjoint groups, read-back, errors.</summary>
public class SmPartitionSetTests
{
    private static readonly CudaDevice s_device = new(0);

    [Fact]
    public void Green_contexts_come_from_one_split_with_consecutive_disjoint_groups()
    {
        var driver = new FakeDriver(sms: 132, major: 9, driver: 12080);

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [25, 25, 50], null);

        Assert.Equal(PartitionMechanism.GreenContext, set.Mechanism);
        Assert.Equal([8], driver.Splits);
        Assert.Equal([(0, 4), (4, 4), (8, 8)], driver.GreenPartitions);
        Assert.Equal([32, 32, 64], set.Partitions.Select(p => p.GrantedSmCount!.Value));
        Assert.Equal(1, driver.RetainedDevices);
    }

    [Fact]
    public void Green_granularity_reported_by_a_cuda_13_driver_wins_over_the_table()
    {
        var driver = new FakeDriver(sms: 132, major: 9, driver: 13000) { Reported = new SmGranularity(4, 2) };

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [50, 50], PartitionMechanism.GreenContext);

        // 33 groups of 4: 16.5 each, the spare group goes to the first member.
        Assert.Equal([4], driver.Splits);
        Assert.Equal([68, 64], set.Partitions.Select(p => p.GrantedSmCount!.Value));
    }

    [Fact]
    public void A_plan_made_with_the_devices_policy_is_what_the_partitions_grant()
    {
        var driver = new FakeDriver(sms: 132, major: 9, driver: 13000) { Reported = new SmGranularity(4, 2) };
        SmPartitionPolicy policy = SmPartitionSet.PolicyFor(driver, s_device, PartitionMechanism.GreenContext);
        IReadOnlyList<int> menu = policy.GrantableShares();
        int[] shares = [menu[2], menu[9], menu[18]];

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [.. shares.Select(s => (double)s)], PartitionMechanism.GreenContext);

        Assert.Equal(4, policy.UnitSms);
        Assert.Equal(shares.Select(s => policy.SmsForShare(s)), set.Partitions.Select(p => p.GrantedSmCount!.Value));
    }

    [Fact]
    public void Fewer_groups_than_asked_replan_within_the_split()
    {
        var driver = new FakeDriver(sms: 132, major: 9, driver: 12080) { GroupsReturned = 12 };

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [50, 50], null);

        Assert.Single(driver.Splits);
        Assert.Equal([48, 48], set.Partitions.Select(p => p.Plan.PlannedSms));
    }

    [Fact]
    public void Granted_sms_are_the_drivers_not_the_plans()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12020, mps: true, affinity: true) { AffinityBonus = 2 };

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [10, 20], null);

        Assert.Equal(PartitionMechanism.MpsExecutionAffinity, set.Mechanism);
        Assert.Equal([8, 16], driver.AffinityRequests);
        Assert.Equal([10, 18], set.Partitions.Select(p => p.GrantedSmCount!.Value));
    }

    [Fact]
    public void A_failing_affinity_context_disposes_the_ones_already_made()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12020, mps: true, affinity: true) { FailAffinityAt = 1 };

        CudaException ex = Assert.Throws<CudaException>(() => SmPartitionSet.Create(driver, s_device, [25, 25], null));

        Assert.Contains("nvidia-cuda-mps-control", ex.Message, StringComparison.Ordinal);
        Assert.Equal(224, ex.Status);
        Assert.Equal(1, driver.Disposed);
    }

    [Fact]
    public void Infeasible_shares_fail_before_any_context_is_made()
    {
        var driver = new FakeDriver(sms: 132, major: 9, driver: 12080);

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() =>
            SmPartitionSet.Create(driver, s_device, [.. Enumerable.Repeat(5.0, 17)], null));

        Assert.Contains("GreenContext", ex.Message, StringComparison.Ordinal);
        Assert.Empty(driver.Splits);
        Assert.Equal(0, driver.RetainedDevices);
    }

    [Fact]
    public void Forcing_exec_affinity_without_mps_says_to_start_the_daemon_before_any_context()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12080, affinity: true);

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() =>
            SmPartitionSet.Create(driver, s_device, [50, 50], PartitionMechanism.MpsExecutionAffinity));

        Assert.Contains("nvidia-cuda-mps-control -d", ex.Message, StringComparison.Ordinal);
        Assert.Empty(driver.AffinityRequests);
    }

    [Fact]
    public void Thread_percentage_partitions_are_worker_environments()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 11080, mps: true);

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [30, 70], null);

        Assert.Equal(PartitionMechanism.MpsThreadPercentage, set.Mechanism);
        Assert.Equal(["30", "70"], set.Partitions.Select(p => p.WorkerEnvironment[MpsWorker.ThreadPercentageVariable]));
        Assert.All(set.Partitions, p => Assert.Equal("1", p.WorkerEnvironment[MpsWorker.PerContextPartitioningVariable]));
        Assert.All(set.Partitions, p => Assert.Null(p.GrantedSmCount));
        Assert.False(set.Partitions[0].IsInProcess);
        Assert.Throws<InvalidOperationException>(() => set.Partitions[0].Stream);
        Assert.Equal(0, driver.PlainPartitions);
    }

    [Fact]
    public void None_makes_one_stream_per_member_on_the_whole_device()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12020);

        using SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [50, 50], null);

        Assert.Equal(PartitionMechanism.None, set.Mechanism);
        Assert.Equal(2, driver.PlainPartitions);
        Assert.Equal([80, 80], set.Partitions.Select(p => p.GrantedSmCount!.Value));
    }

    [Fact]
    public void Disposing_the_set_disposes_every_partition_and_the_device()
    {
        var driver = new FakeDriver(sms: 108, major: 8, driver: 12080);

        SmPartitionSet set = SmPartitionSet.Create(driver, s_device, [50, 50], null);
        set.Dispose();

        Assert.Equal(2, driver.Disposed);
        Assert.Equal(0, driver.RetainedDevices);
    }

    [Fact]
    public void Mps_worker_attaches_with_the_sm_count_the_driver_reports()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12080, mps: true) { PlainSms = 24 };

        using SmPartition partition = MpsWorker.Attach(driver, s_device, name => name == MpsWorker.ThreadPercentageVariable ? "30" : null);

        Assert.Equal(24, partition.GrantedSmCount);
        Assert.Equal(30, partition.Plan.ThreadPercentage);
    }

    [Fact]
    public void Mps_worker_without_its_environment_says_how_to_start_it()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12080, mps: true);

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => MpsWorker.Attach(driver, s_device, _ => null));

        Assert.Contains(MpsWorker.ThreadPercentageVariable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mps_worker_outside_mps_says_the_daemon_is_missing()
    {
        var driver = new FakeDriver(sms: 80, major: 7, driver: 12080);

        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => MpsWorker.Attach(driver, s_device, _ => "50"));

        Assert.Contains("not an MPS client", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PartitionMechanism.None, 80, 0)]
    [InlineData(PartitionMechanism.GreenContext, 64, 64)]
    [InlineData(PartitionMechanism.MpsExecutionAffinity, 18, 18)]
    public void Cublas_in_a_partition_targets_its_granted_sms(PartitionMechanism mechanism, int granted, int target) =>
        Assert.Equal(target, SmPartition.CublasSmCountTarget(mechanism, granted));

    private sealed class FakeDriver(int sms, int major, int driver, bool mps = false, bool affinity = false) : ISmPartitionDriver
    {
        private int _affinityCalls;

        public List<int> Splits { get; } = [];

        public List<(int First, int Count)> GreenPartitions { get; } = [];

        public List<int> AffinityRequests { get; } = [];

        public int PlainPartitions { get; private set; }

        public int RetainedDevices { get; private set; }

        public int Disposed { get; private set; }

        public SmGranularity? Reported { get; init; }

        public int? GroupsReturned { get; init; }

        public int AffinityBonus { get; init; }

        public int FailAffinityAt { get; init; } = -1;

        public int? PlainSms { get; init; }

        public int DriverVersion => driver;

        public CudaDeviceProperties GetProperties(CudaDevice device) =>
            new(device, "Fake GPU", sms, 16UL << 30, major, 0, mps, affinity);

        public IDisposable RetainDevice(CudaDevice device)
        {
            RetainedDevices++;
            return new Callback(() => RetainedDevices--);
        }

        public SmGranularity? ReportedGreenGranularity(CudaDevice device) => Reported;

        public IGreenSplit SplitSms(CudaDevice device, int groupSms, int maxGroups)
        {
            Splits.Add(groupSms);
            return new Split(Math.Min(maxGroups, GroupsReturned ?? sms / groupSms), groupSms);
        }

        public IPartitionResources CreateGreenPartition(CudaDevice device, IGreenSplit split, int firstGroup, int groupCount)
        {
            Assert.InRange(firstGroup + groupCount, 1, split.GroupCount);
            GreenPartitions.Add((firstGroup, groupCount));
            return new Resources(this, Enumerable.Range(firstGroup, groupCount).Sum(split.GroupSms));
        }

        public IPartitionResources CreateAffinityPartition(CudaDevice device, int smCount)
        {
            if (_affinityCalls++ == FailAffinityAt)
            {
                throw CudaException.Create(CUresult.CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY, "cuCtxCreate_v3",
                    CudaContext.AffinityHint(CUresult.CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY));
            }

            AffinityRequests.Add(smCount);
            return new Resources(this, smCount + AffinityBonus);
        }

        public IPartitionResources CreatePlainPartition(CudaDevice device)
        {
            PlainPartitions++;
            return new Resources(this, PlainSms ?? sms);
        }

        private sealed class Split(int groups, int groupSms) : IGreenSplit
        {
            public int GroupCount => groups;

            public int GroupSms(int index) => groupSms;
        }

        private sealed class Resources(FakeDriver owner, int granted) : IPartitionResources
        {
            public CudaContext Context => throw new NotSupportedException("fake driver");

            public CudaStream Stream => throw new NotSupportedException("fake driver");

            public int GrantedSms => granted;

            public void Dispose() => owner.Disposed++;
        }

        private sealed class Callback(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }
}
