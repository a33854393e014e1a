using System.Text.Json;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Solver.Tests.Solvers;

/// <summary>
/// Problems across nodes (devices on nodes, members with replicas, transfers over the link): the search
/// and the MILP on every backend against brute force over every placement of every copy, with the
/// objective and the feasibility taken from the independent <see cref="PlanChecker"/>.
/// </summary>
public class ClusterTests
{
    private static readonly SolverOptions s_options = new() { TimeLimit = TimeSpan.FromSeconds(30) };
    private static readonly int[] s_shares = [25, 50, 75, 100];

    [Fact]
    public void SmallClusters_MilpOnEveryBackendEqualsBruteForce_SearchIsFeasibleAndNoBetter()
    {
        var random = new Random(20261205);
        for (int n = 0; n < 40; n++)
        {
            Problem problem = RandomCluster(random);
            double optimum = BruteForce(problem);
            PlanResult search = new SearchSolver().Solve(problem, s_options);
            foreach (MilpBackend backend in MilpBackends.All)
            {
                PlanResult milp = new MilpAllocationSolver(MilpBackends.Create(backend)).Solve(problem, s_options);
                AssertAgainstBruteForce(problem, optimum, milp, search, $"#{n} {backend}");
            }
        }
    }

    [Fact]
    public void MembersStayOnOneNode_WhenItHoldsThem()
    {
        // Two members that fit one node's two GPUs at full share; moving one away costs 4 ms of transfer.
        Problem problem = Cluster(nodes: 2, gpusPerNode: 2, link: 1, (10, 4e6, 1), (10, 4e6, 1));

        PlanResult search = new SearchSolver().Solve(problem, s_options);
        PlanResult milp = new MilpAllocationSolver().Solve(problem, s_options);

        foreach (PlanResult result in new[] { search, milp })
        {
            Assert.Equal(10, result.ObjectiveMs!.Value, 9);
            Assert.Single(result.Plan!.DeviceOf.Select(d => problem.Devices[d].Node).Distinct());
        }
    }

    [Fact]
    public void AMemberMovesToAnotherNode_WhenSplittingPays()
    {
        // Three members that each need a whole GPU for 10 ms, two GPUs per node: one goes across the link
        // (10 + 1 ms) rather than two sharing a GPU at 50 % (20 ms each).
        Problem problem = Cluster(nodes: 2, gpusPerNode: 2, link: 1, (10, 1e6, 1), (10, 1e6, 1), (10, 1e6, 1));

        PlanResult search = new SearchSolver().Solve(problem, s_options);
        PlanResult milp = new MilpAllocationSolver().Solve(problem, s_options);

        Assert.Equal(11, BruteForce(problem), 9);
        Assert.Equal(11, search.ObjectiveMs!.Value, 9);
        Assert.Equal(11, milp.ObjectiveMs!.Value, 9);
        Assert.Equal(2, milp.Plan!.DeviceOf.Select(d => problem.Devices[d].Node).Distinct().Count());
    }

    [Fact]
    public void Replicas_AreEachPlaced_AndThePlanJsonNamesReplicaNodeAndGpu()
    {
        Problem problem = Cluster(nodes: 2, gpusPerNode: 1, link: 10, (10, 0, 2));

        PlanResult result = new SearchSolver().Solve(problem, s_options);
        using JsonDocument json = JsonDocument.Parse(PlanResultJson.ToJson(problem, [result], asArray: false));

        JsonElement[] assignments = [.. json.RootElement.GetProperty("assignments").EnumerateArray()];
        Assert.Equal([0, 1], assignments.Select(a => a.GetProperty("replica").GetInt32()));
        Assert.All(assignments, a => Assert.Equal("m0", a.GetProperty("member").GetString()));
        Assert.All(assignments, a => Assert.Equal("H100-SXM", a.GetProperty("gpu").GetString()));
        Assert.Equal(["n0", "n1"], assignments.Select(a => a.GetProperty("node").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ClusterFields_RoundTripThroughTheWriterAndReader()
    {
        Problem problem = Cluster(nodes: 2, gpusPerNode: 2, link: 12.5, (10, 602112, 2), (20, 0, 1));

        Problem read = ProblemReader.Read(ProblemWriter.ToJson(problem), "cluster.json");

        Assert.Equal(12.5, read.LinkGbps);
        Assert.Equal(problem.Devices, read.Devices);
        Assert.Equal([2, 1], read.Members.Select(m => m.Replicas));
        Assert.Equal([602112.0, 0], read.Members.Select(m => m.InputBytes));
    }

    [Theory]
    [InlineData("""{"name": "m", "memory_mb": 1, "latency_ms": {"100": 1}, "replicas": 0}""", "$.members[0].replicas", "link_gbps", "replicas must be at least 1")]
    [InlineData("""{"name": "m", "memory_mb": 1, "latency_ms": {"100": 1}, "input_bytes": 100}""", "$.link_gbps", "", "members send bytes between nodes: the link bandwidth is needed")]
    [InlineData("""{"name": "m", "memory_mb": 1, "latency_ms": {"100": 1}, "input_bytes": -1}""", "$.members[0].input_bytes", "link_gbps", "bytes must be a finite number >= 0")]
    public void BadClusterFields_NameTheField(string member, string path, string link, string message)
    {
        string linkField = link.Length > 0 ? "\"link_gbps\": 10," : "";
        string json = $$"""
            {"format": "esen-problem/1", "kind": "ensemble", "objective": "makespan", {{linkField}}
             "devices": [{"name": "a", "memory_mb": 10, "node": "n0"}, {"name": "b", "memory_mb": 10, "node": "n1"}],
             "members": [{{member}}]}
            """;

        ProblemFormatException error = Assert.Throws<ProblemFormatException>(() => ProblemReader.Read(json, "bad.json"));

        Assert.Equal(path, error.JsonPath);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    // nodes × gpusPerNode devices of 1000 MB; members (latency at 100 %, bytes, replicas) whose latency is
    // t·100/p at 25 % steps (perfect scaling), 100 MB each.
    private static Problem Cluster(int nodes, int gpusPerNode, double link, params (double Ms, double Bytes, int Replicas)[] members) => new(
        ProblemKind.Ensemble, Objective.Makespan,
        [.. Enumerable.Range(0, nodes * gpusPerNode).Select(d => new ProblemDevice($"n{d / gpusPerNode}-gpu{d % gpusPerNode}", 1000, $"n{d / gpusPerNode}", "H100-SXM"))],
        [.. members.Select((m, i) => new ProblemMember($"m{i}", 100, new LatencyTable(s_shares, [.. s_shares.Select(p => m.Ms * 100 / p)]),
            Replicas: m.Replicas, InputBytes: m.Bytes))],
        linkGbps: link);

    private static Problem RandomCluster(Random random)
    {
        int nodes = random.Next(1, 3);
        int gpus = random.Next(1, 3);
        int members = random.Next(1, 4);
        int copiesLeft = 4 - members;
        ProblemDevice[] devices = [.. Enumerable.Range(0, nodes * gpus).Select(d => new ProblemDevice($"d{d}", random.Next(200, 600), $"n{d / gpus}"))];
        ProblemMember[] entries =
        [
            .. Enumerable.Range(0, members).Select(i =>
            {
                double fastest = 1 + (random.NextDouble() * 9);
                double serial = random.NextDouble() * 0.5;
                return new ProblemMember($"m{i}", random.Next(50, 250),
                    new LatencyTable(s_shares, [.. s_shares.Select(p => fastest * (serial + ((1 - serial) * 100.0 / p)))]),
                    Replicas: copiesLeft > 0 && random.Next(2) == 1 && copiesLeft-- > 0 ? 2 : 1, InputBytes: random.Next(0, 8) * 1e6, OutputBytes: random.Next(0, 2) * 1e6);
            }),
        ];
        return new Problem(ProblemKind.Ensemble, Objective.Makespan, devices, entries, linkGbps: 1);
    }

    private static void AssertAgainstBruteForce(Problem problem, double optimum, PlanResult milp, PlanResult search, string what)
    {
        if (double.IsPositiveInfinity(optimum))
        {
            Assert.Null(milp.Plan);
            Assert.Null(search.Plan);
            return;
        }

        foreach (PlanResult result in new[] { milp, search })
        {
            Assert.True(result.Plan is not null, $"{what} {result.Solver}: {result.Status} {result.Reason}, the optimum is {optimum}");
            Assert.Empty(PlanChecker.Violations(problem, result.Plan!));
            Assert.Equal(PlanChecker.ObjectiveOf(problem, result.Plan!), result.ObjectiveMs!.Value, 9);
            Assert.True(result.ObjectiveMs >= optimum - 1e-9, $"{what} {result.Solver}: {result.ObjectiveMs} below the optimum {optimum}");
        }

        Assert.True(milp.Status == PlanStatus.Optimal, $"{what}: {milp.Status} {milp.Reason}");
        Assert.Equal(optimum, milp.ObjectiveMs!.Value, 9);
    }

    // Every device and share for every copy; the best feasible objective, +∞ when none is feasible.
    private static double BruteForce(Problem problem)
    {
        int[] memberOf = [.. problem.Members.SelectMany((m, i) => Enumerable.Repeat(i, m.Replicas))];
        int choices = problem.Devices.Count * s_shares.Length;
        int[] choice = new int[memberOf.Length];
        double best = double.PositiveInfinity;
        while (true)
        {
            var plan = new Plan([.. choice.Select(k => k / s_shares.Length)], [.. choice.Select(k => s_shares[k % s_shares.Length])], memberOf);
            if (PlanChecker.Violations(problem, plan).Count == 0)
            {
                best = Math.Min(best, PlanChecker.ObjectiveOf(problem, plan));
            }

            int position = 0;
            while (position < choice.Length && ++choice[position] == choices)
            {
                choice[position++] = 0;
            }

            if (position == choice.Length)
            {
                return best;
            }
        }
    }
}
