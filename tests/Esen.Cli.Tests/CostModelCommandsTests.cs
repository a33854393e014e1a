using System.Text.Json;
using Esen.Solver.Problems;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

public sealed class CostModelCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("esen-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void CostModelValidate_PrintsEveryPointAndPasses()
    {
        (int exit, string output, _) = CliRunner.Run("costmodel", "validate");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("72 points: mean |error|", output, StringComparison.Ordinal);
        Assert.Contains("PASS", output, StringComparison.Ordinal);
        Assert.Contains("bert-base-s384", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_WritesAProblemThatReadsBackWithTheTable()
    {
        string problemPath = Path.Combine(_directory, "problem.json");
        string profilePath = Path.Combine(_directory, "profile.json");
        (int exit, string output, string error) = CliRunner.Run(
            "profile", "resnet18", "mobilenetv2", "--device", "A100-40GB", "--batch", "4", "--shares", "20:100:20",
            "--precision", "fp16", "--json", profilePath, "--problem", problemPath);
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("resnet18-b4-fp16 ms", output, StringComparison.Ordinal);
        Problem problem = ProblemReader.ReadFile(problemPath);
        Assert.Equal(["resnet18-b4-fp16", "mobilenetv2-b4-fp16"], problem.Members.Select(m => m.Name));
        Assert.Equal([20, 40, 60, 80, 100], problem.Members[0].LatencyMs.Shares);
        using JsonDocument profile = JsonDocument.Parse(File.ReadAllText(profilePath));
        JsonElement member = profile.RootElement.GetProperty("members")[0];
        Assert.Equal(problem.Members[0].LatencyMs.LatencyAt(100), member.GetProperty("latency_ms").GetProperty("100").GetDouble(), 1e-3);
        Assert.True(member.GetProperty("kernels").GetArrayLength() > 20);
    }

    [Fact]
    public void Profile_SeveralBatches_GiveOneMemberPerModelAndBatch()
    {
        string problemPath = Path.Combine(_directory, "batches.json");
        (int exit, _, string error) = CliRunner.Run("profile", "resnet18", "--device", "H200", "--batch", "8", "32", "--problem", problemPath);

        Assert.True(exit == ExitCodes.Ok, error);
        Problem problem = ProblemReader.ReadFile(problemPath);
        Assert.Equal(["resnet18-b8-fp32", "resnet18-b32-fp32"], problem.Members.Select(m => m.Name));
        Assert.True(problem.Members[1].LatencyMs.LatencyAt(100) > problem.Members[0].LatencyMs.LatencyAt(100));
    }

    [SkippableFact]
    public void Profile_MeasuredOnAMissingGpu_ExitsOneNamingTheDevice()
    {
        Skip.If(TestEnv.Probe.HasCudaDevice, "GPU: this machine has a CUDA device, so cuda:0 is available");

        (int exit, string output, string error) = CliRunner.Run("profile", "resnet18", "--device", "cuda:0", "--measured");

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal("", output);
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("cuda:0", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_Tf32_PricesTheTensorCorePeakAndNamesTheMembers()
    {
        string fp32Path = Path.Combine(_directory, "fp32.json"), tf32Path = Path.Combine(_directory, "tf32.json");
        Assert.Equal(ExitCodes.Ok, CliRunner.Run("profile", "resnet50", "--device", "A100-40GB", "--batch", "8", "--problem", fp32Path).ExitCode);
        (int exit, string output, string error) = CliRunner.Run(
            "profile", "resnet50", "--device", "A100-40GB", "--batch", "8", "--precision", "tf32", "--problem", tf32Path);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("resnet50-b8-tf32 ms", output, StringComparison.Ordinal);
        ProblemMember fp32 = Assert.Single(ProblemReader.ReadFile(fp32Path).Members), tf32 = Assert.Single(ProblemReader.ReadFile(tf32Path).Members);
        Assert.Equal("resnet50-b8-tf32", tf32.Name);

        // 156 TFLOPS of TF32 against 19.5 of FP32: the convolutions get faster, the memory-bound kernels do not.
        Assert.True(tf32.LatencyMs.LatencyAt(100) < fp32.LatencyMs.LatencyAt(100) / 2, $"tf32 {tf32.LatencyMs.LatencyAt(100)} ms, fp32 {fp32.LatencyMs.LatencyAt(100)} ms");
    }

    [Fact]
    public void Profile_Cascade_CarriesReach()
    {
        string problemPath = Path.Combine(_directory, "cascade.json");
        (int exit, _, string error) = CliRunner.Run(
            "profile", "mobilenetv2", "resnet50", "--device", "T4", "--kind", "cascade", "--reach", "1,0.3", "--problem", problemPath);
        Assert.True(exit == ExitCodes.Ok, error);
        Problem problem = ProblemReader.ReadFile(problemPath);
        Assert.Equal(ProblemKind.Cascade, problem.Kind);
        Assert.Equal(0.3, problem.Members[1].Reach);
    }

    [Theory]
    [InlineData("resnet50", "--device", "P100")]
    [InlineData("resnet50", "--device", "V100", "--shares", "0:100:10")]
    [InlineData("resnet50", "--device", "V100", "--precision", "int8")]
    [InlineData("resnet50", "--device", "V100", "--precision", "tf32")]
    [InlineData("nosuchnet", "--device", "V100")]
    [InlineData("resnet50", "--device", "V100", "--kind", "cascade", "--problem", "x.json")]
    [InlineData("resnet50", "--device", "V100", "--batch", "0")]
    [InlineData("resnet50", "--device", "cuda:0")]
    [InlineData("resnet50", "--device", "cuda:0", "--measured", "--mechanism", "mps-percentage")]
    [InlineData("resnet50", "--device", "cuda:0", "--measured", "--precision", "fp16")]
    public void Profile_BadInput_ExitsWithTwoAndOneLine(params string[] args)
    {
        (int exit, _, string error) = CliRunner.Run(["profile", .. args]);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith("esen profile: ", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Simulate_ProfiledProblem_AllModesWithTimelineAndSvg()
    {
        string problemPath = Path.Combine(_directory, "problem.json");
        Assert.Equal(ExitCodes.Ok, CliRunner.Run("profile", "resnet18", "alexnet", "--device", "V100", "--problem", problemPath).ExitCode);
        string timeline = Path.Combine(_directory, "t.json"), svg = Path.Combine(_directory, "t.svg");
        (int exit, string output, string error) = CliRunner.Run("simulate", problemPath, "--device", "V100", "--mode", "all", "--timeline", timeline, "--svg", svg);
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("mode partitioned:", output, StringComparison.Ordinal);
        Assert.Contains("mode default:", output, StringComparison.Ordinal);
        Assert.Contains("mode sequential:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("latency tables", output, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(timeline));
        Assert.Equal("partitioned", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal("svg", System.Xml.Linq.XDocument.Load(svg).Root!.Name.LocalName);
    }

    [Fact]
    public void Simulate_WithPlan_UsesItsShares()
    {
        string problemPath = Path.Combine(_directory, "problem.json");
        Assert.Equal(ExitCodes.Ok, CliRunner.Run("profile", "resnet18", "alexnet", "--device", "V100", "--problem", problemPath).ExitCode);
        string planPath = Path.Combine(_directory, "plan.json");
        File.WriteAllText(planPath, """
            {"solver":"search","status":"optimal","objective_ms":1,"assignments":[
              {"member":"resnet18-b1-fp32","device":"V100","share":70},{"member":"alexnet-b1-fp32","device":"V100","share":30}]}
            """);
        (int exit, string output, string error) = CliRunner.Run("simulate", problemPath, "--device", "V100", "--plan", planPath);
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Matches(@"resnet18-b1-fp32\s+V100 \(V100\)\s+70\s+56", output);
        Assert.Matches(@"alexnet-b1-fp32\s+V100 \(V100\)\s+30\s+24", output);
    }

    [Fact]
    public void Simulate_HandWrittenProblem_FallsBackToLatencyTables()
    {
        string problemPath = Path.Combine(_directory, "hand.json");
        File.WriteAllText(problemPath, """
            {"format":"esen-problem/1","kind":"ensemble","objective":"makespan","devices":[{"name":"gpu0","memory_mb":16000}],
             "members":[{"name":"a","memory_mb":100,"latency_ms":{"10":40,"50":10,"100":6}},{"name":"b","memory_mb":100,"latency_ms":{"10":20,"50":5,"100":3}}]}
            """);
        (int exit, string output, string error) = CliRunner.Run("simulate", problemPath, "--device", "V100");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("2 member(s) are not built-in specs", output, StringComparison.Ordinal);
        Assert.Contains("JCT", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_PlanAcrossNodes_SimulatesEveryReplica_AndAddsTransfersOffTheEntryNode()
    {
        // a: 40 MB in + 10 MB out over 10 GB/s = 5 ms off its node; b: 20 MB in = 2 ms. b has two copies on n1.
        string problemPath = Path.Combine(_directory, "cluster.json");
        File.WriteAllText(problemPath, """
            {"format":"esen-problem/1","kind":"ensemble","objective":"makespan","link_gbps":10,
             "devices":[{"name":"n0-gpu0","memory_mb":80000,"node":"n0"},{"name":"n1-gpu0","memory_mb":80000,"node":"n1"}],
             "members":[{"name":"a","memory_mb":100,"latency_ms":{"50":20,"100":10},"input_bytes":40000000,"output_bytes":10000000},
                        {"name":"b","memory_mb":100,"latency_ms":{"50":20,"100":10},"input_bytes":20000000,"replicas":2}]}
            """);
        string planPath = Path.Combine(_directory, "cluster-plan.json");
        File.WriteAllText(planPath, """
            {"solver":"search","status":"optimal","assignments":[
              {"member":"a","device":"n0-gpu0","share":100,"node":"n0"},
              {"member":"b","device":"n1-gpu0","share":50,"node":"n1"},{"member":"b","replica":1,"device":"n1-gpu0","share":50,"node":"n1"}]}
            """);

        (int exit, string output, string error) = CliRunner.Run("simulate", problemPath, "--device", "H100-SXM", "--plan", planPath);

        Assert.True(exit == ExitCodes.Ok, error);
        // The oracle: the printed finish times, the transfers computed here, the entry node that minimises the slowest copy.
        Dictionary<string, (string Node, double FinishMs, double TransferMs)> rows = System.Text.RegularExpressions.Regex
            .Matches(output, @"^(?<copy>a|b|b#1)\s+\S+ \(\S+\)\s+(?<node>n\d)\s+\d+\s+\d+\s+[\d.]+\s+(?<finish>[\d.]+)\s+(?<transfer>[\d.]+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["copy"].Value, m => (m.Groups["node"].Value, double.Parse(m.Groups["finish"].Value, System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(m.Groups["transfer"].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["a", "b", "b#1"], rows.Keys.Order(StringComparer.Ordinal));
        Dictionary<string, double> transfer = new() { ["a"] = 50e6 / 10e9 * 1000, ["b"] = 20e6 / 10e9 * 1000, ["b#1"] = 20e6 / 10e9 * 1000 };
        (string home, double jct) = new[] { "n0", "n1" }
            .Select(node => (node, rows.Max(r => r.Value.FinishMs + (r.Value.Node == node ? 0 : transfer[r.Key]))))
            .MinBy(h => h.Item2);
        Assert.All(rows, r => Assert.Equal(r.Value.Node == home ? 0 : transfer[r.Key], r.Value.TransferMs, 3));
        double printed = double.Parse(System.Text.RegularExpressions.Regex.Match(output, @"JCT ([\d.]+) ms \(requests enter at node " + home).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(jct, printed, 2);
    }

    [Fact]
    public void Plan_AcrossNodes_TheTableShowsEachCopysNodeAndTransfer()
    {
        string problemPath = Path.Combine(_directory, "cluster.json");
        File.WriteAllText(problemPath, """
            {"format":"esen-problem/1","kind":"ensemble","objective":"makespan","link_gbps":10,
             "devices":[{"name":"n0-gpu0","memory_mb":80000,"node":"n0"},{"name":"n1-gpu0","memory_mb":80000,"node":"n1"}],
             "members":[{"name":"a","memory_mb":100,"latency_ms":{"50":20,"100":10},"input_bytes":30000000},
                        {"name":"b","memory_mb":100,"latency_ms":{"50":20,"100":10},"input_bytes":30000000}]}
            """);

        (int exit, string output, string error) = CliRunner.Run("plan", problemPath, "--solver", "search");

        // Each member alone on a node: 10 ms there, 10 + 30 MB / 10 GB/s = 13 ms from the other node.
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Matches(@"objective 13 ms; requests enter at node n[01]\)", output);
        Assert.Matches(@"(?m)^\S+\s+0\s+n\d-gpu0\s+n\d\s+100\s+10\s+3\s*$", output);
        Assert.Matches(@"(?m)^\S+\s+0\s+n\d-gpu0\s+n\d\s+100\s+10\s+0\s*$", output);
    }

    [Fact]
    public void Simulate_BadPlan_NamesFileAndField()
    {
        string problemPath = Path.Combine(_directory, "problem.json");
        Assert.Equal(ExitCodes.Ok, CliRunner.Run("profile", "resnet18", "--device", "V100", "--problem", problemPath).ExitCode);
        string planPath = Path.Combine(_directory, "plan.json");
        File.WriteAllText(planPath, """{"assignments":[{"member":"resnet18-b1-fp32","device":"V100","share":150}]}""");
        (int exit, _, string error) = CliRunner.Run("simulate", problemPath, "--device", "V100", "--plan", planPath);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("plan.json: assignments[0].share", error, StringComparison.Ordinal);
    }
}
