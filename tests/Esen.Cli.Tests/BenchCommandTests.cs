using Esen.Cli.Commands;
using Esen.Kernels.Cuda;
using Esen.Native;
using Esen.Native.Partitions;
using Esen.Runtime.Benchmarking;
using Esen.Runtime.Profiling;

namespace Esen.Cli.Tests;

public sealed class BenchCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact]
    public void Bench_WithoutAGpu_SaysWhyInOneLine_AndExitsOne()
    {
        NativeAvailability probe = NativeRuntime.Probe();
        Skip.If(probe.HasCudaDevice, "GPU: this machine has a CUDA device, so cuda:0 is available");

        (int exit, string stdout, string stderr) = CliRunner.Run("bench");

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Empty(stdout);
        Assert.Equal($"esen bench: unavailable: no CUDA device cuda:0: {probe.CudaReason}", stderr.TrimEnd());
    }

    [Fact]
    public void Bench_OnADeviceBeyondTheMachines_SaysWhichInOneLine_AndExitsOne()
    {
        (int exit, string stdout, string stderr) = CliRunner.Run("bench", "--device", "cuda:99", "--batch", "8", "32");

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Empty(stdout);
        Assert.StartsWith("esen bench: unavailable: no CUDA device cuda:99: ", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("--batch 0", "--batch must be a whole number of at least 1, got '0'")]
    [InlineData("--batch 8 x", "--batch must be a whole number of at least 1, got 'x'")]
    [InlineData("--batch -3", "--batch must be a whole number of at least 1, got '-3'")]
    [InlineData("--mechanism green turbo", "--mechanism: unknown mechanism 'turbo' (known: green, mps-affinity, mps-percentage, none, sequential)")]
    [InlineData("--device cpu", "--device 'cpu' is not a CUDA device (cuda:N); esen bench measures a real GPU")]
    [InlineData("--device cuda:one", "--device 'cuda:one' is not a CUDA device (cuda:N); esen bench measures a real GPU")]
    [InlineData("--precision fp16", "--precision 'fp16' is not fp32 or tf32")]
    [InlineData("--clients 0", "--clients must be a whole number of at least 1, got '0'")]
    [InlineData("--loop-batches 2.5", "--loop-batches must be a whole number of at least 1, got '2.5'")]
    public void Bench_BadArguments_OneLineNamingThem_ExitTwo(string arguments, string message)
    {
        (int exit, string stdout, string stderr) = CliRunner.Run(["bench", .. arguments.Split(' ')]);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Empty(stdout);
        Assert.Equal($"esen bench: {message}", stderr.TrimEnd());
    }

    [Fact]
    public void Bench_ACascade_IsRefusedNamingTheFileAndField_ExitTwo()
    {
        string spec = Path.Combine(_folder, "cascade.json");
        File.WriteAllText(spec, """
            {"format": "esen-ensemble/1", "kind": "cascade", "device": "cuda:0",
             "exit": {"rule": "max_softmax", "threshold": 0.5}, "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "small", "architecture": "mobilenetv2"}, {"name": "big", "architecture": "resnet18"}]}
            """);

        (int exit, _, string stderr) = CliRunner.Run("bench", spec);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith($"esen bench: {spec}: $.kind: ", stderr, StringComparison.Ordinal);
        Assert.Contains("not cascades", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_AMalformedSpec_ExitTwoNamingTheFileAndField()
    {
        string spec = Path.Combine(_folder, "bad.json");
        File.WriteAllText(spec, """{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "median", "members": [{"name": "a", "architecture": "resnet18"}]}""");

        (int exit, _, string stderr) = CliRunner.Run("bench", spec);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith($"esen bench: {spec}: $.combine: unknown rule 'median'", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Write_ARecordedReport_HasARowPerMechanismAndSplit_MarksTheBest_AndSaysWhatWasNotMeasured()
    {
        var writer = new StringWriter();

        BenchCommand.Write(Recorded(), writer);

        string[] lines = writer.ToString().Split(Environment.NewLine);
        Assert.Equal("GPU: cuda:0 (NVIDIA H200, 132 SMs), driver 13.0", lines[0]);
        Assert.Equal(
            "Executor: cuDNN on, measured convolution algorithms on, CUDA graphs off, graph rewrites on, convolution workspace ≤ 256 MiB", lines[2]);
        Assert.Contains(lines, l => l.StartsWith("resnet18", StringComparison.Ordinal) && l.Contains("4.00 (3.90–4.20)", StringComparison.Ordinal));
        Assert.Contains("Ensemble at batch 8 (closed loop: 16 clients, 160 timed one-input requests):", lines);
        string[] rows = [.. lines.SkipWhile(l => !l.StartsWith("Ensemble at batch 8", StringComparison.Ordinal)).Skip(3).TakeWhile(l => l.Length > 0)];
        Assert.Equal(4, rows.Length);
        Assert.Matches(@"^\s+green\s+equal\s+31/31/31\s+40/40/40\s+900\.0\s+8\.89\s+17\.67\s+9\.00$", rows[0]);
        Assert.Matches(@"^\*\s+green\s+planned\s+20/10/70\s+24/16/88\s+1100\.0\s+", rows[1]);
        Assert.Matches(@"^\s+sequential\s+none\s+100/100/100\s+132/132/132\s+600\.0\s+-\s+-\s+13\.33$", rows[3]);
        Assert.Single(rows, r => r.StartsWith('*'));
        Assert.Contains("Not measured:", lines);
        Assert.Contains("  mps-affinity: needs the MPS control daemon", lines);
        Assert.Contains("  green planned at batch 32: no feasible plan", lines);
    }

    [Fact]
    public void Json_RecordsTheExecutorsSettings()
    {
        using var json = System.Text.Json.JsonDocument.Parse(Recorded().ToJson());
        System.Text.Json.JsonElement cuda = json.RootElement.GetProperty("cuda");

        Assert.Equal(
            (true, true, false, true, 256),
            (cuda.GetProperty("cudnn").GetBoolean(), cuda.GetProperty("measure_convolutions").GetBoolean(), cuda.GetProperty("cuda_graphs").GetBoolean(),
                cuda.GetProperty("rewrites").GetBoolean(), cuda.GetProperty("convolution_workspace_mib").GetInt32()));
    }

    [Fact]
    public void Write_FirstRunTimes_AreATableOfTheirOwn_AndInTheJson()
    {
        BenchReport recorded = Recorded();
        BenchReport report = recorded with
        {
            Alone = [.. recorded.Alone.Select((m, i) => m with { FirstRunMs = i == 0 ? 830.4 : 42.6 })],
        };
        var writer = new StringWriter();

        BenchCommand.Write(report, writer);

        string[] lines = writer.ToString().Split(Environment.NewLine);
        string[] table = [.. lines.SkipWhile(l => !l.StartsWith("First run of each member", StringComparison.Ordinal)).Skip(3).TakeWhile(l => l.Length > 0)];
        Assert.Matches(@"^resnet18\s+830$", table[0]);
        Assert.Matches(@"^mobilenetv2\s+43$", table[1]);
        Assert.Matches("\"first_run_ms\": ?830.4", report.ToJson());
        Assert.DoesNotContain("first_run_ms", recorded.ToJson(), StringComparison.Ordinal);
    }

    private static BenchReport Recorded()
    {
        var green = new BenchMechanism(PartitionMechanism.GreenContext);
        var none = new BenchMechanism(PartitionMechanism.None);
        string[] members = ["resnet18", "mobilenetv2", "resnet50"];
        return new BenchReport(
            new GpuIdentity(0, "NVIDIA H200", 132, 9, 13000, 141L << 30),
            "built-in ensemble",
            members,
            GpuPrecision.Fp32,
            new CudaExecutorOptions { UseCudaGraphs = false },
            [8],
            [.. members.Select((m, i) => new BenchMember(8, m, new TimingSummary(4 + i, 3.9 + i, 4.2 + i, 20), 100L << 20))],
            [
                new BenchRow(8, green, BenchSplit.Equal, [31, 31, 31], [40, 40, 40], 9, Loop(900)),
                new BenchRow(8, green, BenchSplit.Planned, [20, 10, 70], [24, 16, 88], 8, Loop(1100)),
                new BenchRow(8, none, BenchSplit.None, [100, 100, 100], [132, 132, 132], 8.5, Loop(1000)),
                new BenchRow(8, BenchMechanism.Sequential, BenchSplit.None, [100, 100, 100], [132, 132, 132], 40 / 3.0, null),
            ],
            [
                new BenchOmission(new BenchMechanism(PartitionMechanism.MpsExecutionAffinity), null, null, "needs the MPS control daemon"),
                new BenchOmission(green, BenchSplit.Planned, 32, "no feasible plan"),
            ]);
    }

    // 160 requests in 160/throughput seconds; latencies 1..160 × 1000/throughput/10 ms.
    private static ClosedLoopResult Loop(double throughput) =>
        new(16, 160, 160 / throughput, [.. Enumerable.Range(1, 160).Select(i => i * 100.0 / throughput)]);
}
