using Esen.Native.Partitions;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Timing;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Simulation;

namespace Esen.Runtime.Tests.Planning;

/// <summary>
/// The solver's shares, the cost model, the simulator and the runtime's partitions turn a share into
/// the same SMs, for every catalogue GPU and every partitioning mechanism: the plan that is optimised
/// is the plan that runs.
/// </summary>
public sealed class PartitionPolicyAgreementTests
{
    private static readonly PartitionMechanism[] s_mechanisms =
        [PartitionMechanism.GreenContext, PartitionMechanism.MpsExecutionAffinity, PartitionMechanism.MpsThreadPercentage];

    public static TheoryData<string, PartitionMechanism> Cases()
    {
        var data = new TheoryData<string, PartitionMechanism>();
        foreach (GpuDevice gpu in DeviceCatalog.BuiltInGpus)
        {
            foreach (PartitionMechanism mechanism in s_mechanisms)
            {
                data.Add(gpu.Name, mechanism);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SolverCostModelSimulatorAndRuntime_GrantTheSameSms(string name, PartitionMechanism mechanism)
    {
        GpuDevice device = DeviceCatalog.BuiltInGpus.Single(g => g.Name == name) with { Mechanism = mechanism };
        ModelWork work = ZooWorkloads.Build("resnet18", 8, Precision.Fp32);
        var capabilities = new PartitionCapabilities(13000, device.Sms, device.ComputeMajor, 0, true, true);
        SmGranularity? green = mechanism == PartitionMechanism.GreenContext ? new SmGranularity(device.GreenContextMinSms, device.GreenContextSmMultiple) : null;
        var timing = new SimulatedDeviceTiming(device, (_, _) => AnalyticCostModel.Default.Kernels(work, device), _ => "m");

        // The solver's menu: each share a different partition size the runtime can make.
        IReadOnlyList<int> shares = EnsemblePlanner.SharesFor(device);
        int[] sms = [.. shares.Select(p => device.Partitioning.SmsForShare(p))];
        Assert.Equal(sms.Distinct().Order(), sms);
        foreach (int share in shares)
        {
            int expected = device.Partitioning.SmsForShare(share);
            Assert.Equal(expected, device.UnitsForShare(share));
            Assert.Equal(expected, timing.UnitsForShare(share));
            Assert.Equal(AnalyticCostModel.Default.LatencySeconds(work, device, expected), AnalyticCostModel.Default.LatencySecondsAtShare(work, device, share));
            Assert.Equal(expected, PartitionPlanner.Plan(capabilities, [share], mechanism, green).Partitions[0].PlannedSms);
        }

        // Whole layouts the solver may return (shares summing to at most 100 %) run as planned.
        var random = new Random(20261204);
        for (int trial = 0; trial < 200; trial++)
        {
            int[] layout = [.. Enumerable.Range(0, random.Next(2, 5)).Select(_ => shares[random.Next(shares.Count)])];
            if (layout.Sum() > 100)
            {
                continue;
            }

            PartitionPlan plan = PartitionPlanner.Plan(capabilities, [.. layout.Select(p => (double)p)], mechanism, green);
            Assert.True(plan.IsFeasible, plan.Reason);
            Assert.Equal(layout.Select(p => device.UnitsForShare(p)), plan.Partitions.Select(p => p.PlannedSms));
            var launches = layout.Select((p, i) => new SimulationMember($"m{i}", AnalyticCostModel.Default.Kernels(work, device), device.UnitsForShare(p))).ToList();
            Assert.Equal(plan.Partitions.Select(p => p.PlannedSms), new Simulator(device, new SimulationOptions()).Run(launches).Members.Select(m => m.Units));
        }
    }
}
