using Esen.Solver.Problems;

namespace Esen.Solver.Tests.Problems;

public class ProblemReaderTests
{
    private const string Ensemble = """
        {"format":"esen-problem/1","kind":"ensemble","objective":"makespan",
         "devices":[{"name":"gpu0","memory_mb":16000}],
         "members":[{"name":"m0","memory_mb":900,"latency_ms":{"10":41.0,"50":9.5,"100":5.1}},
                    {"name":"m1","memory_mb":1200.5,"latency_ms":{"20":30,"100":8}}]}
        """;

    private const string Cascade = """
        {"format":"esen-problem/1","kind":"cascade","objective":"latency",
         "devices":[{"name":"gpu0","memory_mb":16000},{"name":"gpu1","memory_mb":8000}],
         "members":[{"name":"small","memory_mb":300,"reach":1.0,"latency_ms":{"10":4,"100":1}},
                    {"name":"large","memory_mb":3000,"reach":0.25,"latency_ms":{"10":40,"100":6}}]}
        """;

    private const string Serving = """
        {"format":"esen-problem/1","kind":"serving","objective":"share",
         "devices":[{"name":"gpu0","memory_mb":16000}],
         "members":[{"name":"m0","memory_mb":900,"slo":{"rate_rps":200,"p99_ms":25},
                     "batch_latency_ms":{"4":{"50":9.0,"100":5.0},"1":{"50":3.0,"100":2.0}}}]}
        """;

    private const string Tenants = """
        {"format":"esen-problem/1","kind":"multitenant","objective":"latency",
         "devices":[{"name":"gpu0","memory_mb":16000}],
         "members":[{"name":"chat","memory_mb":300,"weight":3,"latency_ms":{"10":4,"100":1}},
                    {"name":"batch","memory_mb":3000,"latency_ms":{"10":40,"100":6}}]}
        """;

    [Fact]
    public void Read_Tenants_GivesTheirWeights_OneByDefault()
    {
        Problem problem = ProblemReader.Read(Tenants, "t.json");

        Assert.Equal(ProblemKind.Multitenant, problem.Kind);
        Assert.Equal([3.0, 1.0], problem.Members.Select(m => m.Weight));
        // Σ weight · t: 3 · 1 + 1 · 6 with both at 100 %.
        Assert.Equal(9.0, problem.Evaluate(i => problem.Members[i].LatencyMs.LatencyAt(100)));
    }

    [Theory]
    [InlineData("\"weight\":3", "\"weight\":0", "$.members[0].weight", "positive")]
    [InlineData("\"weight\":3", "\"weight\":\"high\"", "$.members[0].weight", "expected a number")]
    [InlineData("\"weight\":3,", "\"reach\":1,", "$.members[0].reach", "unknown field")]
    [InlineData("\"objective\":\"latency\"", "\"objective\":\"period\"", "$.objective", "not defined for kind 'multitenant'")]
    public void Read_BadTenant_NamesThePath(string find, string replace, string path, string message)
    {
        string json = Tenants.Replace(find, replace, StringComparison.Ordinal);

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "t.json"));

        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightOutsideTenants_IsAnError()
    {
        Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(Ensemble.Replace("\"memory_mb\":900,", "\"memory_mb\":900,\"weight\":2,", StringComparison.Ordinal), "e.json"));
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new Problem(
            ProblemKind.Ensemble, Objective.Makespan, [new ProblemDevice("d", 1)], [new ProblemMember("m", 0, new LatencyTable([100], [1.0]), Weight: 2)]));
        Assert.Contains("weight is only defined for multitenant problems", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Serving_GivesSloAndBatchTables()
    {
        Problem problem = ProblemReader.Read(Serving, "s.json");

        ProblemMember member = Assert.Single(problem.Members);
        Assert.Equal(ProblemKind.Serving, problem.Kind);
        Assert.Equal(Objective.Share, problem.Objective);
        Assert.Equal(new ServiceLevelObjective(200, 25), member.Slo);
        Assert.Equal([1, 4], member.Batches!.Batches);
        Assert.Equal(9.0, member.Batches.TableAt(4).LatencyAt(50));
        Assert.Same(member.Batches.TableAt(1), member.LatencyMs);
        Assert.Equal(ProblemWriter.ToJson(problem), ProblemWriter.ToJson(ProblemReader.Read(ProblemWriter.ToJson(problem), "again.json")));
        Assert.Contains("\"batch_latency_ms\"", ProblemWriter.ToJson(problem), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"rate_rps\":200", "\"rate_rps\":0", "$.members[0].slo.rate_rps", "> 0")]
    [InlineData("\"p99_ms\":25", "\"p99_ms\":-1", "$.members[0].slo.p99_ms", "> 0")]
    [InlineData("\"p99_ms\":25", "\"p99\":25", "$.members[0].slo.p99", "unknown field")]
    [InlineData("\"slo\":{\"rate_rps\":200,\"p99_ms\":25},", "", "$.members[0].slo", "missing required field")]
    [InlineData("\"1\":{\"50\":3.0,\"100\":2.0}", "\"1\":{\"40\":3.0,\"100\":2.0}", "$.members[0].batch_latency_ms.4", "shares differ")]
    [InlineData("\"1\":{\"50\":3.0,\"100\":2.0}", "\"0\":{\"50\":3.0,\"100\":2.0}", "$.members[0].batch_latency_ms.0", "not >= 1")]
    [InlineData("\"1\":{\"50\":3.0,\"100\":2.0}", "\"one\":{\"50\":3.0,\"100\":2.0}", "$.members[0].batch_latency_ms.one", "batch size 'one' is not an integer")]
    [InlineData("\"batch_latency_ms\":{\"4\":{\"50\":9.0,\"100\":5.0},\"1\":{\"50\":3.0,\"100\":2.0}}", "\"batch_latency_ms\":{}", "$.members[0].batch_latency_ms", "at least one batch size")]
    [InlineData("\"batch_latency_ms\"", "\"latency_ms\"", "$.members[0].latency_ms", "unknown field")]
    [InlineData("\"objective\":\"share\"", "\"objective\":\"makespan\"", "$.objective", "not defined for kind 'serving'")]
    public void Read_BadServingMember_NamesThePath(string find, string replace, string path, string message)
    {
        string json = Serving.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Serving, json);

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "bad.json"));

        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SloOutsideServing_IsAnError()
    {
        string json = Ensemble.Replace("\"memory_mb\":900,", "\"memory_mb\":900,\"slo\":{\"rate_rps\":1,\"p99_ms\":1},", StringComparison.Ordinal);

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "bad.json"));

        Assert.Equal("$.members[0].slo", ex.JsonPath);
        Assert.Contains("unknown field", ex.Detail, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Problem(ProblemKind.Ensemble, Objective.Makespan, [new ProblemDevice("g", 1)],
            [new ProblemMember("m", 0, new LatencyTable([100], [1.0]), Slo: new ServiceLevelObjective(1, 1))]));
    }

    [Fact]
    public void Read_Ensemble_GivesTheFileContents()
    {
        Problem problem = ProblemReader.Read(Ensemble, "e.json");

        Assert.Equal(ProblemKind.Ensemble, problem.Kind);
        Assert.Equal(Objective.Makespan, problem.Objective);
        Assert.Equal(new ProblemDevice("gpu0", 16000), Assert.Single(problem.Devices));
        Assert.Equal([10, 50, 100], problem.Members[0].LatencyMs.Shares);
        Assert.Equal(9.5, problem.Members[0].LatencyMs.LatencyAt(50));
        Assert.Equal(1200.5, problem.Members[1].MemoryMb);
        Assert.Empty(problem.Warnings);
    }

    [Theory]
    [InlineData(Ensemble)]
    [InlineData(Cascade)]
    [InlineData(Tenants)]
    public void WriteThenRead_GivesAnEqualProblem(string json)
    {
        Problem original = ProblemReader.Read(json, "in.json");

        string written = ProblemWriter.ToJson(original);
        Problem reread = ProblemReader.Read(written, "out.json");

        Assert.Equal(written, ProblemWriter.ToJson(reread));
        Assert.Equal(original.Kind, reread.Kind);
        Assert.Equal(original.Objective, reread.Objective);
        Assert.Equal(original.Devices, reread.Devices);
        for (int i = 0; i < original.Members.Count; i++)
        {
            Assert.Equal(original.Members[i].Name, reread.Members[i].Name);
            Assert.Equal(original.Members[i].Reach, reread.Members[i].Reach);
            Assert.Equal(original.Members[i].Weight, reread.Members[i].Weight);
            Assert.Equal(original.Members[i].LatencyMs.Shares, reread.Members[i].LatencyMs.Shares);
            Assert.Equal(original.Members[i].LatencyMs.LatenciesMs, reread.Members[i].LatencyMs.LatenciesMs);
        }
    }

    [Fact]
    public void Writer_RoundTripsAwkwardDoubles()
    {
        var table = new LatencyTable([1, 100], [0.1 + 0.2, 1.0 / 3.0]);
        var problem = new Problem(ProblemKind.Ensemble, Objective.Makespan, [new ProblemDevice("d", 1e-7)], [new ProblemMember("m", 0, table)]);

        Problem reread = ProblemReader.Read(ProblemWriter.ToJson(problem), "x");

        Assert.Equal(table.LatenciesMs, reread.Members[0].LatencyMs.LatenciesMs);
        Assert.Equal(1e-7, reread.Devices[0].MemoryMb);
    }

    [Theory]
    [InlineData("\"extra\":1,", "$.extra", "unknown field")]
    [InlineData("\"kind\":\"tenant\",", "$.kind", "unknown kind")]
    [InlineData("\"objective\":\"period\",", "$.objective", "not defined for kind 'ensemble'")]
    [InlineData("\"format\":\"esen-problem/2\",", "$.format", "unsupported format")]
    public void Read_BadRootField_NamesFileAndPath(string replacement, string path, string message)
    {
        string key = replacement[..(replacement.IndexOf(':', StringComparison.Ordinal) + 1)];
        string json = Ensemble.Contains(key, StringComparison.Ordinal)
            ? ReplaceField(Ensemble, key, replacement)
            : Ensemble.Replace("{\"format\"", "{" + replacement + "\"format\"", StringComparison.Ordinal);

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "bad.json"));

        Assert.Equal("bad.json", ex.SourceName);
        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"bad.json: {path}: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "\"latency_ms\":{\"0\":41.0}", "$.members[0].latency_ms.0", "outside 1..100")]
    [InlineData("\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "\"latency_ms\":{\"101\":41.0}", "$.members[0].latency_ms.101", "outside 1..100")]
    [InlineData("\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "\"latency_ms\":{\"10\":1,\"010\":2}", "$.members[0].latency_ms.010", "appears twice")]
    [InlineData("\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "\"latency_ms\":{\"ten\":1}", "$.members[0].latency_ms.ten", "not an integer percent")]
    [InlineData("\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "\"latency_ms\":{}", "$.members[0].latency_ms", "empty")]
    [InlineData("\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "\"latency_ms\":{\"10\":-1}", "$.members[0].latency_ms.10", "> 0")]
    [InlineData(",\"latency_ms\":{\"10\":41.0,\"50\":9.5,\"100\":5.1}", "", "$.members[0].latency_ms", "missing required field")]
    [InlineData("\"name\":\"m1\"", "\"name\":\"m0\"", "$.members[1].name", "duplicate member name 'm0'")]
    [InlineData("\"memory_mb\":900", "\"memory_mb\":-900", "$.members[0].memory_mb", ">= 0")]
    [InlineData("\"memory_mb\":16000", "\"memory_mb\":\"big\"", "$.devices[0].memory_mb", "expected a number")]
    [InlineData("\"memory_mb\":900,", "\"memory_mb\":900,\"reach\":1,", "$.members[0].reach", "unknown field")]
    [InlineData("\"devices\":[{\"name\":\"gpu0\",\"memory_mb\":16000}]", "\"devices\":[]", "$.devices", "at least one device")]
    public void Read_BadMemberOrDevice_NamesThePath(string find, string replace, string path, string message)
    {
        string json = Ensemble.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Ensemble, json);

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "bad.json"));

        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"reach\":0.25", "\"reach\":1.5", "$.members[1].reach", "(0, 1]")]
    [InlineData("\"reach\":1.0", "\"reach\":0.5", "$.members[0].reach", "must be 1")]
    [InlineData(",\"reach\":0.25", "", "$.members[1].reach", "missing required field")]
    public void Read_BadReach_NamesThePath(string find, string replace, string path, string message)
    {
        string json = Cascade.Replace(find, replace, StringComparison.Ordinal);

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "c.json"));

        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(message, ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotJson_SaysWhere()
    {
        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read("{\n\"format\": ", "broken.json"));

        Assert.Contains("broken.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonMonotoneTable_IsAcceptedWithAWarning()
    {
        string json = Ensemble.Replace("\"50\":9.5", "\"50\":50", StringComparison.Ordinal);

        Problem problem = ProblemReader.Read(json, "w.json");

        ProblemIssue warning = Assert.Single(problem.Warnings);
        Assert.False(warning.IsError);
        Assert.Equal("$.members[0].latency_ms", warning.Path);
        Assert.Contains("not monotone", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_MissingFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "esen-no-such-problem.json");

        ProblemFormatException ex = Assert.Throws<ProblemFormatException>(() => ProblemReader.ReadFile(path));

        Assert.Equal(path, ex.SourceName);
    }

    [Fact]
    public void Constructor_InvalidProblem_Throws()
    {
        var table = new LatencyTable([10], [1.0]);

        ArgumentException ex = Assert.Throws<ArgumentException>(() => new Problem(
            ProblemKind.Ensemble, Objective.Latency, [new ProblemDevice("d", 10)], [new ProblemMember("m", 1, table)]));

        Assert.Contains("$.objective", ex.Message, StringComparison.Ordinal);
    }

    private static string ReplaceField(string json, string key, string replacement)
    {
        int start = json.IndexOf(key, StringComparison.Ordinal);
        int end = json.IndexOf(',', start) + 1;
        return string.Concat(json.AsSpan(0, start), replacement, json.AsSpan(end));
    }
}
