using System.Text.Json;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

public sealed class PlanCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("esen-plan-tests").FullName;

    private static string Example => Path.Combine(TestEnv.RepositoryRoot, "docs", "examples", "ensemble-3.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string ServingExample => Path.Combine(TestEnv.RepositoryRoot, "docs", "examples", "serving-2.json");

    [Fact]
    public void Plan_WithReport_WritesThePage_AndStdoutStaysTheJsonContract()
    {
        string folder = Path.Combine(_directory, "report");

        (int exit, string output, string error) = CliRunner.Run("plan", Example, "--solver", "all", "--json", "--report", folder);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(output).RootElement.ValueKind);
        string page = Path.Combine(folder, "plan.html");
        Assert.Contains($"report written to {page}", error, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(File.ReadAllText(page), "<figure id="));
    }

    [Fact]
    public void Plan_ReportIntoAFile_OneLineNamingIt_Exit2()
    {
        string file = Write("taken", "not a folder");

        (int exit, _, string error) = CliRunner.Run("plan", ServingExample, "--solver", "slo", "--report", file);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith($"esen plan: --report {file}: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ServingExample_SloJson_MeetsEverySlo()
    {
        (int exit, string output, string _) = CliRunner.Run("plan", ServingExample, "--solver", "slo", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Equal("slo", root.GetProperty("solver").GetString());
        Assert.Equal("optimal", root.GetProperty("status").GetString());
        JsonElement[] members = [.. root.GetProperty("members").EnumerateArray()];
        Assert.Equal(["resnet50", "mobilenetv2"], members.Select(m => m.GetProperty("member").GetString()));
        Assert.All(members, m => Assert.True(m.GetProperty("p99_ms").GetDouble() <= m.GetProperty("slo_p99_ms").GetDouble()));
        Assert.All(members, m => Assert.True(m.GetProperty("max_rate_rps").GetDouble() >= m.GetProperty("rate_rps").GetDouble()));
        Assert.Equal(root.GetProperty("objective_share").GetInt32(), root.GetProperty("assignments").EnumerateArray().Sum(a => a.GetProperty("share").GetInt32()));
    }

    [Fact]
    public void Plan_ServingWithTooStrictSlo_OneLineReason_Exit3()
    {
        string path = Write("strict.json", File.ReadAllText(ServingExample).Replace("\"p99_ms\": 10", "\"p99_ms\": 0.5", StringComparison.Ordinal));

        (int exit, string _, string error) = CliRunner.Run("plan", path, "--solver", "slo");

        Assert.Equal(ExitCodes.Infeasible, exit);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("infeasible: member 'mobilenetv2'", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serving", "search")]
    [InlineData("ensemble", "slo")]
    public void Plan_SolverThatDoesNotFitTheKind_Exit2(string kind, string solver)
    {
        (int exit, string _, string error) = CliRunner.Run("plan", kind == "serving" ? ServingExample : Example, "--solver", solver);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("$.kind", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_Example_PrintsTheTableWithEveryBackendAndTheOptimalAssignment()
    {
        (int exit, string output, string _) = CliRunner.Run("plan", Example);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("lower bound: 9.78 ms", output, StringComparison.Ordinal);
        foreach (string solver in new[] { "search", "milp:cp-sat", "milp:scip", "milp:highs", "milp:cbc", "greedy", "equal", "exhaustive" })
        {
            Assert.Matches($@"(?m)^{solver}\s+(optimal|feasible)\s+[0-9.]+\s+9\.78\s+[0-9.]+ %\s+[0-9.]+", output);
        }

        Assert.Matches(@"resnet50-b8\s+v100\s+60\s+9\.78", output);
    }

    [Fact]
    public void Plan_AllJson_PrintsOneObjectPerSolverAndBackend()
    {
        (int exit, string output, string _) = CliRunner.Run("plan", Example, "--solver", "all", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output);
        JsonElement[] results = [.. json.RootElement.EnumerateArray()];
        Assert.Equal(
            ["search", "milp:cp-sat", "milp:scip", "milp:highs", "milp:cbc", "greedy", "equal", "exhaustive"],
            results.Select(r => r.GetProperty("solver").GetString()));
        foreach (JsonElement milp in results[1..5])
        {
            Assert.Equal("optimal", milp.GetProperty("status").GetString());
            Assert.Equal(9.78, milp.GetProperty("objective_ms").GetDouble());
            Assert.Equal(9.78, milp.GetProperty("bound_ms").GetDouble());
            Assert.Equal(0, milp.GetProperty("gap").GetDouble());
            Assert.Equal(3, milp.GetProperty("assignments").GetArrayLength());
            Assert.True(milp.GetProperty("solve_ms").GetDouble() >= 0);
        }

        Assert.Equal(17.44, results[6].GetProperty("objective_ms").GetDouble());
    }

    [Theory]
    [InlineData("cp-sat")]
    [InlineData("scip")]
    [InlineData("highs")]
    [InlineData("cbc")]
    public void Plan_MilpBackend_PicksOne(string backend)
    {
        (int exit, string output, string _) = CliRunner.Run("plan", Example, "--solver", "milp", "--milp-backend", backend, "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal($"milp:{backend}", json.RootElement.GetProperty("solver").GetString());
        Assert.Equal(9.78, json.RootElement.GetProperty("objective_ms").GetDouble());
    }

    [Fact]
    public void Plan_MilpWithoutBackend_UsesTheDefault_AllWithOneBackend_RunsOnlyIt()
    {
        (int _, string single, string _) = CliRunner.Run("plan", Example, "--solver", "milp", "--json");
        (int exit, string all, string _) = CliRunner.Run("plan", Example, "--milp-backend", "scip", "--json");

        using var one = JsonDocument.Parse(single);
        Assert.Equal("milp:scip", one.RootElement.GetProperty("solver").GetString());
        Assert.Equal(ExitCodes.Ok, exit);
        using var many = JsonDocument.Parse(all);
        Assert.Equal(["search", "milp:scip", "greedy", "equal", "exhaustive"], many.RootElement.EnumerateArray().Select(r => r.GetProperty("solver").GetString()));
    }

    [Fact]
    public void Plan_UnknownMilpBackend_IsAParseErrorNamingIt()
    {
        (int exit, string _, string error) = CliRunner.Run("plan", Example, "--milp-backend", "gurobi");

        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("gurobi", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_InfeasibleForEveryBackend_OneLineReason_Exit3()
    {
        string path = Write("infeasible-packing.json", """
            {"format":"esen-problem/1","kind":"ensemble","objective":"makespan",
             "devices":[{"name":"gpu0","memory_mb":1000},{"name":"gpu1","memory_mb":1000}],
             "members":[{"name":"a","memory_mb":10,"latency_ms":{"60":2}},
                        {"name":"b","memory_mb":10,"latency_ms":{"60":2}},
                        {"name":"c","memory_mb":10,"latency_ms":{"60":2}}]}
            """);

        (int exit, string output, string error) = CliRunner.Run("plan", path, "--solver", "all", "--json");

        Assert.Equal(ExitCodes.Infeasible, exit);
        using var json = JsonDocument.Parse(output);
        Assert.All(json.RootElement.EnumerateArray().Where(r => r.GetProperty("solver").GetString() is "search" or "exhaustive" || r.GetProperty("solver").GetString()!.StartsWith("milp:", StringComparison.Ordinal)),
            r => Assert.Equal("infeasible", r.GetProperty("status").GetString()));
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("infeasible: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OneSolverJson_PrintsAnObject()
    {
        (int exit, string output, string _) = CliRunner.Run("plan", Example, "--solver", "search", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.Equal(
            ["resnet50-b8:v100:60", "resnet50-b4:v100:30", "alexnet-b1:v100:10"],
            json.RootElement.GetProperty("assignments").EnumerateArray().Select(a => $"{a.GetProperty("member").GetString()}:{a.GetProperty("device").GetString()}:{a.GetProperty("share").GetInt32()}"));
    }

    [Fact]
    public void Plan_MalformedProblem_NamesFileAndField_Exit2()
    {
        string path = Write("bad.json", File.ReadAllText(Example).Replace("\"10\": 3.60", "\"110\": 3.60", StringComparison.Ordinal));

        (int exit, string output, string error) = CliRunner.Run("plan", path);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Empty(output);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains("$.members[2].latency_ms.110", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_MissingFile_Exit2()
    {
        (int exit, string _, string error) = CliRunner.Run("plan", Path.Combine(_directory, "absent.json"));

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("absent.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_Infeasible_OneLineReason_Exit3()
    {
        string path = Write("infeasible.json", """
            {"format":"esen-problem/1","kind":"ensemble","objective":"makespan",
             "devices":[{"name":"gpu0","memory_mb":1000}],
             "members":[{"name":"a","memory_mb":100,"latency_ms":{"60":2,"100":1}},
                        {"name":"b","memory_mb":100,"latency_ms":{"50":2,"100":1}}]}
            """);

        (int exit, string output, string error) = CliRunner.Run("plan", path, "--solver", "search", "--json");

        Assert.Equal(ExitCodes.Infeasible, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("infeasible", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("objective_ms").ValueKind);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("infeasible: ", line, StringComparison.Ordinal);
        Assert.Contains("110 %", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NonMonotoneTable_WarnsAndSolves()
    {
        string path = Write("warn.json", File.ReadAllText(Example).Replace("\"80\": 0.80", "\"80\": 0.85", StringComparison.Ordinal));

        (int exit, string _, string error) = CliRunner.Run("plan", path, "--solver", "greedy");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("warning:", error, StringComparison.Ordinal);
        Assert.Contains("not monotone", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BadTimeLimit_Exit2()
    {
        (int exit, string _, string error) = CliRunner.Run("plan", Example, "--time-limit", "0");

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--time-limit", error, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
