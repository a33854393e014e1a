using System.Diagnostics;
using System.Globalization;
using Esen.Solver.Milp;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Solvers;

namespace Esen.Benchmarks;

/// <summary>
/// One table of the search and the structured MILP on every backend over the benchmark problems
/// (<see cref="BenchmarkProblems"/>): one row per K × D × step × memory × seed, each cell status,
/// objective, bound and gap to the bound (both left out when optimal) and wall time. The search's
/// time is the median of 21 solves after a second of warm-up (<see cref="Warmup"/>: the code is
/// tiered up); each MILP cell is one cold solve on one thread. The last column is the search's
/// excess over the best plan of the row, "= opt" when that plan is proven optimal (some result's
/// bound meets it). <c>--no-heuristics</c> takes the search's warm start and the packing heuristics
/// away, so every backend solves the same models from scratch. A quick figure on a shared machine
/// where BenchmarkDotNet's runs are too long.
/// Run: <c>dotnet run -c Release --project bench/Esen.Benchmarks -- solvers [--time-limit S]
/// [--backends none|all|cp-sat,scip,highs,cbc] [--cells 16x4x5,32x8x5,64x16x5,128x32x5] [--seeds N]
/// [--memory loose|tight|both] [--objective makespan|latency] [--no-heuristics]</c>.
/// </summary>
internal static class SolverReport
{
    private const int SearchRepeats = 21;

    public static int Run(string[] args, TextWriter output)
    {
        double seconds = double.Parse(BenchHost.Argument(args, "--time-limit") ?? "30", CultureInfo.InvariantCulture);
        MilpBackend[] backends = (BenchHost.Argument(args, "--backends") ?? "all") switch
        {
            "all" => [.. MilpBackends.All],
            "none" => [],
            string names => [.. names.Split(',').Select(n => MilpBackends.Parse(n) ?? throw new ArgumentException($"--backends: unknown backend '{n}' (none, all, cp-sat, scip, highs, cbc)"))],
        };
        int[][] cells = [.. (BenchHost.Argument(args, "--cells") ?? "16x4x5,32x8x5,64x16x5,128x32x5").Split(',').Select(c => c.Split('x').Select(int.Parse).ToArray())];
        int seeds = int.Parse(BenchHost.Argument(args, "--seeds") ?? "1", CultureInfo.InvariantCulture);
        bool[] tightness = (BenchHost.Argument(args, "--memory") ?? "both") switch
        {
            "loose" => [false],
            "tight" => [true],
            "both" => [false, true],
            string other => throw new ArgumentException($"--memory: '{other}' is not loose, tight or both"),
        };
        Objective objective = BenchHost.Argument(args, "--objective") == "latency" ? Objective.Latency : Objective.Makespan;
        bool heuristics = !args.Contains("--no-heuristics");
        var options = new SolverOptions { TimeLimit = TimeSpan.FromSeconds(seconds), Threads = 1 };

        output.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {BenchHost.LoadAverage()}, {objective.ToJsonName()}, MILP limit {seconds} s, 1 thread{(heuristics ? "" : ", no heuristics")}");
        output.WriteLine();
        output.WriteLine($"| K | D | step | memory | seed | search | {string.Concat(backends.Select(b => $"milp:{b.ToName()} | "))}search over best |");
        output.WriteLine($"|---|---|---|---|---|---|{string.Concat(backends.Select(_ => "---|"))}---|");
        foreach (int[] cell in cells)
        {
            foreach (bool tight in tightness)
            {
                for (int seed = 0; seed < seeds; seed++)
                {
                    Problem problem = BenchmarkProblems.Create(cell[0], cell[1], cell[2], tight, BenchmarkProblems.DefaultSeed + seed, objective);
                    PlanResult search = MedianSearch(problem, options, out TimeSpan searchTime);
                    (PlanResult Result, TimeSpan Time)[] milp = [.. backends.Select(b => Timed(() => new MilpAllocationSolver(MilpBackends.Create(b)) { UseHeuristics = heuristics }.Solve(problem, options)))];
                    output.WriteLine($"| {cell[0]} | {cell[1]} | {cell[2]} % | {(tight ? "tight" : "loose")} | {seed} | {Cell(search, searchTime)} | {string.Concat(milp.Select(m => $"{Cell(m.Result, m.Time)} | "))}{SearchOverBest(search, [search, .. milp.Select(m => m.Result)])} |");
                }
            }
        }

        return 0;
    }

    // The search's objective over the row's best plan; "= opt" when a bound of the row meets that plan.
    private static string SearchOverBest(PlanResult search, PlanResult[] row)
    {
        double[] objectives = [.. row.Where(r => r.ObjectiveMs is not null).Select(r => r.ObjectiveMs!.Value)];
        if (search.ObjectiveMs is not double value || objectives.Length == 0)
        {
            return "n/a";
        }

        double best = objectives.Min();
        double bound = row.Where(r => double.IsFinite(r.BoundMs)).Select(r => r.BoundMs).DefaultIfEmpty(double.NegativeInfinity).Max();
        string excess = string.Create(CultureInfo.InvariantCulture, $"{(value - best) / best:P2}");
        return bound >= best * (1 - 1e-9) ? $"{excess} (= opt)" : excess;
    }

    private static PlanResult MedianSearch(Problem problem, SolverOptions options, out TimeSpan median)
    {
        var solver = new SearchSolver();
        PlanResult result = solver.Solve(problem, options);
        Warmup.Run(() => solver.Solve(problem, options));
        var times = new List<TimeSpan>(SearchRepeats);
        for (int n = 0; n < SearchRepeats; n++)
        {
            var clock = Stopwatch.StartNew();
            result = solver.Solve(problem, options);
            times.Add(clock.Elapsed);
        }

        median = times.Order().ElementAt(SearchRepeats / 2);
        return result;
    }

    private static (PlanResult Result, TimeSpan Time) Timed(Func<PlanResult> solve)
    {
        var clock = Stopwatch.StartNew();
        PlanResult result = solve();
        return (result, clock.Elapsed);
    }

    private static string Cell(PlanResult result, TimeSpan time)
    {
        string duration = time.TotalSeconds >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.0} s")
            : string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:0.##} ms");
        // An optimal result's bound is its objective and its gap 0: only the others print them.
        string status = PlanResultJson.StatusName(result.Status);
        return result switch
        {
            { Status: PlanStatus.Optimal, ObjectiveMs: double optimum } => string.Create(CultureInfo.InvariantCulture, $"{status} {optimum:0.###}, {duration}"),
            { ObjectiveMs: double objective } => string.Create(CultureInfo.InvariantCulture, $"{status} {objective:0.###} ≥ {result.BoundMs:0.###}, gap {result.Gap:P2}, {duration}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{status} ≥ {result.BoundMs:0.###}, {duration}"),
        };
    }
}
