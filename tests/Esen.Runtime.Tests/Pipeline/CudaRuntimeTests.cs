using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.TestUtilities;

namespace Esen.Runtime.Tests.Pipeline;

public sealed class CudaRuntimeTests
{
    private static readonly DeviceSpec s_gpu0 = new(DeviceKind.Cuda, 0);

    [Fact]
    public void NoCudaDevice_FailsNamingTheDeviceAndTheProbesReason()
    {
        EnsembleSpec spec = Spec(s_gpu0, "a", "b");
        NativeAvailability noGpu = NativeRuntime.Probe() with { DeviceCount = 0, CudaReason = "cuInit(0) failed with CUDA_ERROR_NO_DEVICE (100)" };

        var ex = Assert.Throws<NotSupportedException>(() => CudaRunnerFactory.EnsureDevices(spec, noGpu));

        Assert.Contains("cuda:0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cuInit(0) failed with CUDA_ERROR_NO_DEVICE (100)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrdinalBeyondTheProbedDevices_FailsNamingTheDevice()
    {
        EnsembleSpec spec = Spec(s_gpu0, "a") with { Members = [new MemberSpec("a", null, "small-cnn", 1, Device: new DeviceSpec(DeviceKind.Cuda, 2))] };
        NativeAvailability twoGpus = NativeRuntime.Probe() with { DeviceCount = 2, CudaReason = null };

        var ex = Assert.Throws<NotSupportedException>(() => CudaRunnerFactory.EnsureDevices(spec, twoGpus));

        Assert.Contains("cuda:2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 CUDA device(s)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PartitionMechanism.GreenContext, 40, 40)]
    [InlineData(PartitionMechanism.MpsExecutionAffinity, 18, 18)]
    [InlineData(PartitionMechanism.None, 132, 0)]
    public void AnExecutorInAPartition_TargetsCublasAtItsGrantedSms(PartitionMechanism mechanism, int granted, int target)
    {
        EnsembleSpec spec = Spec(s_gpu0, "a") with { Precision = Kernels.Cuda.GpuPrecision.Tf32 };

        Kernels.Cuda.CudaExecutorOptions options = CudaRunnerFactory.InPartition(CudaRunnerFactory.ExecutorOptions(spec, s_gpu0), mechanism, granted);

        Assert.Equal(target, options.CublasSmCountTarget);
        Assert.Equal(Kernels.Cuda.GpuPrecision.Tf32, options.Precision);
    }

    [Fact]
    public void CpuOnlySpec_NeedsNoCudaDevice()
    {
        NativeAvailability noGpu = NativeRuntime.Probe() with { DeviceCount = 0, CudaReason = "no driver" };

        CudaRunnerFactory.EnsureDevices(Spec(DeviceSpec.Cpu, "a", "b"), noGpu);
    }

    [SkippableFact]
    public void BuildingTheRuntimeOnAMissingGpu_FailsEarlyWithTheProbesReason()
    {
        NativeAvailability probe = NativeRuntime.Probe();
        Skip.If(probe.HasCudaDevice, "GPU: this machine has a CUDA device, so cuda:0 is available");
        EnsembleSpec spec = Spec(s_gpu0, "a", "b");
        EnsembleModels models = EnsembleModels.Load(spec);

        var ex = Assert.Throws<NotSupportedException>(() => models.Runners(RuntimePlan.Equal(spec)));

        Assert.Contains("cuda:0", ex.Message, StringComparison.Ordinal);
        Assert.Contains(probe.CudaReason!, ex.Message, StringComparison.Ordinal);
    }

    // Expected SM counts worked by hand from docs/native.md "Rounding rules": unit = minimum SMs rounded
    // up to the multiple, U = floor(N / unit) units, floor of each request (at least one), the units
    // left to the largest remainders (ties: lower index).
    [Theory]
    [InlineData(132, 9, PartitionMechanism.GreenContext, new[] { 16, 40, 72 })]          // H100-SXM: unit 8, U 16; 1.6/4.8/9.6 → 2/5/9
    [InlineData(108, 8, PartitionMechanism.GreenContext, new[] { 12, 32, 64 })]          // A100: unit 4, U 27; 2.7/8.1/16.2 → 3/8/16
    [InlineData(80, 7, PartitionMechanism.GreenContext, new[] { 8, 24, 48 })]            // V100: unit 2, U 40; 4/12/24 exact
    [InlineData(108, 8, PartitionMechanism.MpsExecutionAffinity, new[] { 12, 32, 64 })]  // A100 under MPS: unit 2, U 54; 5.4/16.2/32.4 → 6/16/32 (0.4 ties: lower index)
    [InlineData(132, 9, PartitionMechanism.None, new[] { 132, 132, 132 })]               // no partitions: all SMs each
    public void PlanShares_BecomeTheSmCountsOfThePlannersRounding(int smCount, int computeMajor, PartitionMechanism mechanism, int[] expectedSms)
    {
        // Three members on cuda:0 at 10 / 30 / 60 % and one on the CPU, which takes no SMs.
        EnsembleSpec gpuOnly = Spec(s_gpu0, "a", "b", "c", "host");
        EnsembleSpec spec = gpuOnly with { Members = [.. gpuOnly.Members.Select(m => m.Name == "host" ? m with { Device = DeviceSpec.Cpu } : m)] };
        var plan = new RuntimePlan(spec, [new("a", 10), new("b", 30), new("c", 60), new("host", 100)], "test");
        var capabilities = new PartitionCapabilities(12040, smCount, computeMajor, 0, MpsEnabled: true, ExecAffinitySupported: true);

        PartitionPlan partitions = CudaRunnerFactory.PlanDevice(spec, plan, s_gpu0, capabilities, mechanism);

        Assert.Equal([0, 1, 2], CudaRunnerFactory.MembersOn(spec, s_gpu0));
        Assert.True(partitions.IsFeasible, partitions.Reason);
        Assert.Equal(expectedSms, partitions.Partitions.Select(p => p.PlannedSms));
    }

    [Fact]
    public void AutomaticMechanism_SkipsMpsThreadPercentageWhichNeedsWorkerProcesses()
    {
        // Driver 12.2 (no green contexts), MPS running but no execution affinity: only thread percentage and none remain.
        var capabilities = new PartitionCapabilities(12020, 80, 7, 0, MpsEnabled: true, ExecAffinitySupported: false);

        Assert.Equal(PartitionMechanism.MpsThreadPercentage, PartitionPlanner.Choose(capabilities));
        Assert.Equal(PartitionMechanism.None, CudaRunnerFactory.ChooseMechanism(capabilities, null));
        Assert.Throws<NotSupportedException>(() => CudaRunnerFactory.ChooseMechanism(capabilities, PartitionMechanism.MpsThreadPercentage));
        var ex = Assert.Throws<NotSupportedException>(() => CudaRunnerFactory.ChooseMechanism(capabilities, PartitionMechanism.GreenContext));
        Assert.Contains("12.4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GpuPrecision.Fp32)]
    [InlineData(GpuPrecision.Tf32)]
    public void ExecutorOptions_CarryTheSpecsCudaSettingsPrecisionAndTheDevice(GpuPrecision precision)
    {
        EnsembleSpec spec = Spec(s_gpu0, "a") with { Precision = precision, Cuda = new CudaExecutorOptions { UseCudaGraphs = false, Optimize = false } };

        CudaExecutorOptions options = CudaRunnerFactory.ExecutorOptions(spec, new DeviceSpec(DeviceKind.Cuda, 1));

        Assert.Equal(new CudaExecutorOptions { DeviceOrdinal = 1, Precision = precision, UseCudaGraphs = false, Optimize = false }, options);
    }

    [SkippableTheory]
    [Trait("Category", "Gpu")]
    [InlineData(GpuPrecision.Fp32)]
    [InlineData(GpuPrecision.Tf32)]
    public async Task EnsembleOnCuda0_EqualsTheCpuRuntime(GpuPrecision precision)
    {
        Requires.CudaDevice();
        EnsembleSpec gpuSpec = Spec(s_gpu0, "a", "b") with { Precision = precision };
        EnsembleSpec cpuSpec = gpuSpec with { Device = DeviceSpec.Cpu };
        LayerGraph[] graphs = [.. gpuSpec.Members.Select((m, i) => MemberGraphs.Load(gpuSpec, i))];
        var plan = new RuntimePlan(gpuSpec, [new("a", 30), new("b", 70)], "test");
        var random = new Random(11);
        Tensor[] inputs = [.. Enumerable.Range(0, 6).Select(_ => Tensor.FromFloats(new TensorShape(1, 3, 32, 32), [.. Enumerable.Range(0, 3 * 32 * 32).Select(_ => random.NextSingle())]))];

        Tensor[] onGpu;
        using (var runners = new CudaRunnerFactory(gpuSpec, plan, (_, i) => graphs[i]))
        {
            await using var runtime = EnsembleRuntime.Create(gpuSpec, plan, runners);
            onGpu = await Task.WhenAll(inputs.Select(x => runtime.InferAsync(x)));
        }

        Tensor[] onCpu;
        await using (var runtime = EnsembleRuntime.Create(cpuSpec, RuntimePlan.Equal(cpuSpec), new CpuRunnerFactory((_, i) => graphs[i])))
        {
            onCpu = await Task.WhenAll(inputs.Select(x => runtime.InferAsync(x)));
        }

        // fp32 differs from the CPU only in the order of the sums; tf32 rounds every product's operands
        // to a 10-bit mantissa (GpuMath.CpuRelativeL2Tolerance says how far each may go).
        double bound = new GpuMath(precision).CpuRelativeL2Tolerance;
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(onCpu[i].Shape, onGpu[i].Shape);
            RelativeL2.AssertAtMost(onCpu[i].Floats, onGpu[i].Floats, bound, $"{precision.ToName()} input {i}");
        }
    }

    private static EnsembleSpec Spec(DeviceSpec device, params string[] members) => new(
        "gpu.json", EnsembleKind.Ensemble, CombineRule.Mean, null, device,
        [.. members.Select((name, i) => new MemberSpec(name, null, "mobilenetv2", i + 1))],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 32, 32)), new BatchingSpec(2, 1), "equal");
}
