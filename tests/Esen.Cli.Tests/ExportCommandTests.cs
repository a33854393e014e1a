namespace Esen.Cli.Tests;

/// <summary><c>esen plan</c> of a problem across nodes, then <c>esen export</c> of a spec with its plan.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-export-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void PlanAcrossNodes_ThenExport_OneInferenceServicePerNode()
    {
        // Each member needs a whole GPU for 10 ms; each node has one: the plan splits them over the nodes.
        string problem = Path.Combine(_folder, "problem.json");
        File.WriteAllText(problem, """
            {"format": "esen-problem/1", "kind": "ensemble", "objective": "makespan", "link_gbps": 10,
             "devices": [{"name": "n0-gpu0", "memory_mb": 80000, "node": "n0", "gpu": "H100-SXM"},
                         {"name": "n1-gpu0", "memory_mb": 80000, "node": "n1", "gpu": "H100-SXM"}],
             "members": [{"name": "a", "memory_mb": 100, "latency_ms": {"50": 20, "100": 10}, "input_bytes": 12288},
                         {"name": "b", "memory_mb": 100, "latency_ms": {"50": 20, "100": 10}, "input_bytes": 12288}]}
            """);
        (int planned, string plan, string planError) = CliRunner.Run("plan", problem, "--solver", "search", "--json");
        Assert.True(planned == ExitCodes.Ok, planError);
        string planFile = Path.Combine(_folder, "plan.json");
        File.WriteAllText(planFile, plan);
        string spec = Path.Combine(_folder, "pair.json");
        File.WriteAllText(spec, """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cuda:0",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1}, {"name": "b", "architecture": "mobilenetv2", "seed": 2}]}
            """);
        string output = Path.Combine(_folder, "out");

        (int exit, string written, string error) = CliRunner.Run("export", spec, "--plan", planFile, "--to", "kserve", output);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("n0/inferenceservice.yaml", written, StringComparison.Ordinal);
        Assert.Contains("n1/inferenceservice.yaml", written, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "inferencegraph.yaml")));
        Assert.True(File.Exists(Path.Combine(output, "LIMITS.txt")));
    }

    [Fact]
    public void UnknownTarget_OneLineAndExit2_NothingWritten()
    {
        string spec = Path.Combine(_folder, "pair.json");
        File.WriteAllText(spec, """{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "architecture": "resnet18"}]}""");

        (int exit, _, string error) = CliRunner.Run("export", spec, "--plan", Path.Combine(_folder, "none.json"), "--to", "helm", Path.Combine(_folder, "out"));

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal("esen export: --to: unknown target 'helm' (known: kserve, triton, ray, k8s-mps)", error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }

    [Fact]
    public void PlanOfAnotherSpec_OneLineNamingTheMember_Exit2()
    {
        string spec = Path.Combine(_folder, "pair.json");
        File.WriteAllText(spec, """{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "members": [{"name": "a", "architecture": "mobilenetv2"}]}""");
        string plan = Path.Combine(_folder, "plan.json");
        File.WriteAllText(plan, """{"assignments": [{"member": "x", "device": "g0", "share": 50}]}""");

        (int exit, _, string error) = CliRunner.Run("export", spec, "--plan", plan, "--to", "triton", Path.Combine(_folder, "out"));

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal($"esen export: {plan}: assignments[0].member: 'x' is not a member (known: a)", error.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
    }
}
