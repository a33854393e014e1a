using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Benchmarks;

/// <summary>
/// Deterministic benchmark problems: K ensemble members with wave-quantised curves
/// t(p) = a + b·ceil(G/n(p))/ceil(G/80) on an 80-SM device (gpu-facts §2.1, §2.2), on D identical
/// devices, tables at every multiple of the share step. Loose memory: 16 GB devices, so only the
/// shares bind. Tight memory: the devices hold 5 % more than the members need on average, so the
/// placement is a real two-dimensional packing and the area bound is rarely met. Makespan by default;
/// with <see cref="Objective.Latency"/> the same members form a cascade whose stage k is reached by
/// 0.9^k of the inputs.
/// </summary>
public static class BenchmarkProblems
{
    /// <summary>The seed of the first problem of each cell (the BenchmarkDotNet classes use only that one).</summary>
    public const int DefaultSeed = 20261122;

    /// <summary>The problem for one (K, D, step) cell; the same seed gives the same problem.</summary>
    public static Problem Create(int members, int devices, int stepPercent, bool tightMemory = false, int seed = DefaultSeed, Objective objective = Objective.Makespan)
    {
        var random = new Random(seed + (members * 1000) + (devices * 10) + stepPercent);
        int[] shares = [.. Enumerable.Range(1, 100 / stepPercent).Select(k => k * stepPercent)];
        var list = new List<ProblemMember>();
        for (int i = 0; i < members; i++)
        {
            double serial = random.NextDouble() * 3;
            double parallel = 1 + (random.NextDouble() * 30);
            int ctas = random.Next(20, 320);
            double wavesAtFull = Math.Ceiling(ctas / 80.0);
            var table = shares.ToDictionary(
                p => p,
                p => Math.Round(serial + (parallel * Math.Ceiling(ctas / (double)Math.Max(1, (int)Math.Round(p * 0.8))) / wavesAtFull), 3));
            list.Add(new ProblemMember($"m{i}", random.Next(200, 2000), new LatencyTable(table), objective == Objective.Latency ? Math.Round(Math.Pow(0.9, i), 3) : 1.0));
        }

        double memory = tightMemory ? Math.Round(Math.Max(list.Sum(m => m.MemoryMb) * 1.05 / devices, list.Max(m => m.MemoryMb))) : 16000;
        ProblemDevice[] deviceList = [.. Enumerable.Range(0, devices).Select(d => new ProblemDevice($"gpu{d}", memory))];
        return new Problem(objective == Objective.Makespan ? ProblemKind.Ensemble : ProblemKind.Cascade, objective, deviceList, list);
    }
}

/// <summary>
/// Shows each case's objective and its gap to the best bound next to the time (solved once more in
/// the host process after the measurements).
/// </summary>
public sealed class PlanQualityColumn : IColumn
{
    public string Id => nameof(PlanQualityColumn);

    public string ColumnName => "Objective (gap)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Objective in ms and (objective - bound) / objective";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        int members = (int)benchmarkCase.Parameters["Members"];
        int devices = (int)benchmarkCase.Parameters["Devices"];
        int step = (int)benchmarkCase.Parameters["StepPercent"];
        bool tight = benchmarkCase.Parameters.Items.Any(p => p.Name == "TightMemory") && (bool)benchmarkCase.Parameters["TightMemory"];
        MilpBackend? backend = benchmarkCase.Parameters.Items.Any(p => p.Name == "Backend") ? (MilpBackend)benchmarkCase.Parameters["Backend"] : null;
        string solver = benchmarkCase.Descriptor.WorkloadMethod.Name switch
        {
            "MilpTextbook" => "milp-textbook",
            string name => name.ToLowerInvariant(),
        };
        PlanResult result = AllocationSolvers.Create(solver, backend)!.Solve(BenchmarkProblems.Create(members, devices, step, tight), SolverBenchmarkOptions.Default);
        return result.ObjectiveMs is double objective ? $"{objective:0.###} ({result.Gap:P2}) {PlanResultJson.StatusName(result.Status)}" : PlanResultJson.StatusName(result.Status);
    }

    public override string ToString() => ColumnName;
}

internal static class SolverBenchmarkOptions
{
    public static SolverOptions Default { get; } = new() { TimeLimit = TimeSpan.FromSeconds(60), Threads = 1 };
}

/// <summary>The fast solvers over the whole grid: K = 4..64, D = 1..16, share steps 10/5/1 %.</summary>
[Config(typeof(Config))]
[ShortRunJob]
public class SolverBenchmarks
{
    private Problem _problem = null!;

    [Params(4, 8, 16, 32, 64)]
    public int Members { get; set; }

    [Params(1, 2, 4, 8, 16)]
    public int Devices { get; set; }

    [Params(10, 5, 1)]
    public int StepPercent { get; set; }

    [GlobalSetup]
    public void Setup() => _problem = BenchmarkProblems.Create(Members, Devices, StepPercent);

    [Benchmark(Baseline = true)]
    public PlanResult Search() => new SearchSolver().Solve(_problem, SolverBenchmarkOptions.Default);

    [Benchmark]
    public PlanResult Greedy() => new GreedySolver().Solve(_problem, SolverBenchmarkOptions.Default);

    [Benchmark]
    public PlanResult Equal() => new EqualSolver().Solve(_problem, SolverBenchmarkOptions.Default);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PlanQualityColumn());
    }
}

/// <summary>
/// The MILP formulations on every backend at the target sizes, one cold solve per case (each
/// may take up to the 60 s limit): the structured bisection and the textbook assignment model
/// (which CP-SAT refuses for makespan: its epigraph variable is continuous).
/// </summary>
[Config(typeof(Config))]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class MilpBenchmarks
{
    private Problem _problem = null!;

    [Params(16, 32, 64)]
    public int Members { get; set; }

    [Params(4, 8, 16)]
    public int Devices { get; set; }

    [Params(10, 5)]
    public int StepPercent { get; set; }

    [Params(false, true)]
    public bool TightMemory { get; set; }

    [Params(MilpBackend.CpSat, MilpBackend.Scip, MilpBackend.Highs, MilpBackend.Cbc)]
    public MilpBackend Backend { get; set; }

    [GlobalSetup]
    public void Setup() => _problem = BenchmarkProblems.Create(Members, Devices, StepPercent, TightMemory);

    [Benchmark(Baseline = true)]
    public PlanResult Milp() => AllocationSolvers.Create("milp", Backend)!.Solve(_problem, SolverBenchmarkOptions.Default);

    [Benchmark]
    public PlanResult MilpTextbook() => AllocationSolvers.Create("milp-textbook", Backend)!.Solve(_problem, SolverBenchmarkOptions.Default);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PlanQualityColumn());
    }
}
