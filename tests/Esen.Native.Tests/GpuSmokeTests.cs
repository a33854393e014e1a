using System.Runtime.InteropServices;
using Esen.Native.Cublas;
using Esen.Native.Cuda;
using Esen.Native.Errors;
using Esen.Native.Partitions;
using Esen.TestUtilities;

namespace Esen.Native.Tests;

/// <summary>End-to-end checks on a real GPU; they skip with the probe's reason where there is none.</summary>
[Trait("Category", "Gpu")]
public class GpuSmokeTests
{
    // Adds 1.0f to each of n floats; written by hand for sm_70 so no compiler is involved.
    private const string AddOnePtx = """
        .version 7.0
        .target sm_70
        .address_size 64

        .visible .entry add_one(
            .param .u64 add_one_param_0,
            .param .u32 add_one_param_1
        )
        {
            .reg .pred %p<2>;
            .reg .b32 %r<6>;
            .reg .f32 %f<3>;
            .reg .b64 %rd<5>;

            ld.param.u64 %rd1, [add_one_param_0];
            ld.param.u32 %r2, [add_one_param_1];
            mov.u32 %r3, %ctaid.x;
            mov.u32 %r4, %ntid.x;
            mov.u32 %r5, %tid.x;
            mad.lo.s32 %r1, %r3, %r4, %r5;
            setp.ge.u32 %p1, %r1, %r2;
            @%p1 bra DONE;
            cvta.to.global.u64 %rd2, %rd1;
            mul.wide.u32 %rd3, %r1, 4;
            add.s64 %rd4, %rd2, %rd3;
            ld.global.f32 %f1, [%rd4];
            add.f32 %f2, %f1, 0f3F800000;
            st.global.f32 [%rd4], %f2;
        DONE:
            ret;
        }
        """;

    [SkippableFact]
    public void Device_query_reports_sms_memory_and_compute_capability()
    {
        Requires.CudaDevice();

        CudaDeviceProperties device = CudaDriver.GetProperties(CudaDriver.GetDevice(0));

        Assert.InRange(device.SmCount, 1, 1024);
        Assert.True(device.TotalMemoryBytes > 1UL << 28);
        Assert.InRange(device.ComputeMajor, 3, 20);
        Assert.False(string.IsNullOrWhiteSpace(device.Name));
        Assert.Equal(TestEnv.Probe.Devices[0], device);
    }

    [SkippableFact]
    public void Host_device_round_trip_preserves_every_element()
    {
        Requires.CudaDevice();
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));
        using CudaStream stream = context.CreateStream();
        float[] input = RandomFloats(new Random(20260122), 1000);
        float[] viaSync = new float[input.Length];
        float[] viaAsync = new float[input.Length];

        using DeviceBuffer<float> first = context.Allocate<float>(input.Length);
        using DeviceBuffer<float> second = context.Allocate<float>(input.Length);
        first.CopyFromHost(input);
        second.CopyFrom(first);
        second.CopyToHost(viaSync);
        using (second.CopyToHostAsync(viaAsync.AsMemory(), stream))
        {
            stream.Synchronize();
        }

        Assert.Equal(input, viaSync);
        Assert.Equal(input, viaAsync);
    }

    [SkippableFact]
    public void Ptx_kernel_runs_on_a_created_stream()
    {
        Requires.CudaDevice();
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));
        using CudaStream stream = context.CreateStream();
        using CudaModule module = CudaModule.LoadPtx(context, AddOnePtx, "add_one.ptx");
        float[] input = RandomFloats(new Random(3), 1000);
        using DeviceBuffer<float> data = context.Allocate<float>(input.Length);
        data.CopyFromHost(input);

        module.GetKernel("add_one").Launch(stream, (uint)((input.Length + 255) / 256), 256, 0, new AddOneArgs(data.Pointer, (uint)input.Length));
        stream.Synchronize();
        float[] output = new float[input.Length];
        data.CopyToHost(output);

        Assert.Equal(input.Select(x => x + 1f), output);
        Assert.Same(module.GetKernel("add_one"), module.GetKernel("add_one"));
    }

    [SkippableFact]
    public void Captured_graph_replays_its_launches_on_each_launch()
    {
        Requires.CudaDevice();
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));
        using CudaStream stream = context.CreateStream();
        using CudaModule module = CudaModule.LoadPtx(context, AddOnePtx, "add_one.ptx");
        float[] input = RandomFloats(new Random(4), 1000);
        using DeviceBuffer<float> data = context.Allocate<float>(input.Length);
        data.CopyFromHost(input);
        CudaKernel addOne = module.GetKernel("add_one");

        // Capturing queues nothing: the data changes only when the graph is launched, twice here.
        using CudaGraph graph = CudaGraph.Capture(stream, () =>
            addOne.Launch(stream, (uint)((input.Length + 255) / 256), 256, 0, new AddOneArgs(data.Pointer, (uint)input.Length)));
        graph.Launch(stream);
        graph.Launch(stream);
        stream.Synchronize();
        float[] output = new float[input.Length];
        data.CopyToHost(output);

        Assert.Equal(input.Select(x => x + 1f + 1f), output);
    }

    [SkippableFact]
    public void Broken_ptx_reports_the_jit_error_log()
    {
        Requires.CudaDevice();
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));

        CudaException ex = Assert.Throws<CudaException>(() =>
            CudaModule.LoadPtx(context, AddOnePtx.Replace("add.f32", "add.nonsense", StringComparison.Ordinal), "broken.ptx"));

        Assert.Contains("broken.ptx", ex.Message, StringComparison.Ordinal);
        Assert.Contains("JIT error log:", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("JIT error log: (empty)", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Events_time_gpu_work()
    {
        Requires.CudaDevice();
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));
        using CudaStream stream = context.CreateStream();
        using CudaEvent start = CudaEvent.Create(context);
        using CudaEvent end = CudaEvent.Create(context);
        using DeviceBuffer<float> buffer = context.Allocate<float>(1 << 20);

        stream.Record(start);
        buffer.ClearAsync(stream);
        stream.Record(end);
        end.Synchronize();

        Assert.InRange(CudaEvent.ElapsedMilliseconds(start, end), 0f, 10_000f);
        Assert.True(stream.IsIdle());
    }

    [SkippableFact]
    public void Cublas_sgemm_matches_the_cpu_product()
    {
        Requires.CudaDevice();
        Skip.IfNot(TestEnv.Probe.HasCublas, $"{Requires.GpuSkipPrefix} cuBLAS is not loadable ({TestEnv.Probe.Cublas.Reason})");
        const int M = 37, K = 53, N = 29;
        var random = new Random(11);
        float[] a = RandomFloats(random, M * K);
        float[] b = RandomFloats(random, K * N);
        using CudaContext context = CudaContext.RetainPrimary(CudaDriver.GetDevice(0));
        using CudaStream stream = context.CreateStream();
        using CublasHandle blas = CublasHandle.Create(stream);
        using DeviceBuffer<float> da = context.Allocate<float>(a.Length);
        using DeviceBuffer<float> db = context.Allocate<float>(b.Length);
        using DeviceBuffer<float> dc = context.Allocate<float>(M * N);
        da.CopyFromHost(a);
        db.CopyFromHost(b);

        // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: pass (B, A) with m = N, n = M.
        blas.SetMathMode(CublasMath.Pedantic);
        blas.Sgemm(CublasOperation.None, CublasOperation.None, N, M, K, 1f, db.Pointer, N, da.Pointer, K, 0f, dc.Pointer, N);
        stream.Synchronize();
        float[] c = new float[M * N];
        dc.CopyToHost(c);

        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double expected = 0;
                for (int p = 0; p < K; p++)
                {
                    expected += (double)a[(i * K) + p] * b[(p * N) + j];
                }

                Assert.Equal(expected, c[(i * N) + j], 1e-3);
            }
        }
    }

    [SkippableFact]
    public void Partitions_report_the_sms_the_driver_granted()
    {
        Requires.CudaDevice();
        CudaDevice device = CudaDriver.GetDevice(0);
        PartitionMechanism mechanism = PartitionPlanner.Choose(PartitionCapabilities.From(CudaDriver.GetProperties(device), CudaDriver.Version));
        Skip.If(mechanism == PartitionMechanism.MpsThreadPercentage, $"{Requires.GpuSkipPrefix} thread-percentage partitions run in worker processes");

        using SmPartitionSet set = SmPartitionSet.Create(device, [50, 50]);

        Assert.All(set.Partitions, p => Assert.InRange(p.GrantedSmCount!.Value, 1, set.Plan.DeviceSmCount));
        if (set.Mechanism != PartitionMechanism.None)
        {
            Assert.True(set.Partitions.Sum(p => p.GrantedSmCount!.Value) <= set.Plan.DeviceSmCount);
        }
    }

    private static float[] RandomFloats(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct AddOneArgs(DevicePtr Data, uint Count);
}
