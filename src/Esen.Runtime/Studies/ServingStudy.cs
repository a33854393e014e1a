using System.Globalization;
using Esen.Kernels.Graph;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Planning;
using Esen.Solver.Problems;
using Esen.Solver.Reports;
using Esen.Solver.Simulation;
using Esen.Solver.Solvers;

namespace Esen.Runtime.Studies;

/// <summary>One way of serving the ensemble on the GPUs at one batch, simulated.</summary>
/// <param name="Approach">The baseline or the allocation algorithm (<see cref="ServingStudy.Approaches"/>).</param>
/// <param name="Batch">Every member's batch.</param>
/// <param name="GpuOf">Each member's GPU (0-based), in member order.</param>
/// <param name="Shares">Each member's SM share in percent; null when the members share their GPU without limits.</param>
/// <param name="PeriodMs">The slowest GPU's simulated time for one batch of every member on it: a batch of requests leaves the ensemble this often.</param>
/// <param name="SolveMs">The solver's wall-clock time; null for the baseline.</param>
/// <param name="Gpus">Each GPU's simulation, in GPU order.</param>
public sealed record ServingAllocation(
    string Approach, int Batch, IReadOnlyList<int> GpuOf, IReadOnlyList<int>? Shares, double PeriodMs, double? SolveMs, IReadOnlyList<SimulationResult> Gpus)
{
    /// <summary>Requests the ensemble answers per second when the members run batch after batch (asynchronous stages, as Pochelu et al. serve).</summary>
    public double RequestsPerSecond => Batch * 1000 / PeriodMs;
}

/// <summary>The serving comparison: every approach at every batch tried.</summary>
/// <param name="Members">The members' names.</param>
/// <param name="GpuCount">The GPUs the ensemble is served on.</param>
/// <param name="Allocations">Every approach at every batch whose members fit the GPUs' memory.</param>
public sealed record ServingStudyResult(IReadOnlyList<string> Members, int GpuCount, IReadOnlyList<ServingAllocation> Allocations)
{
    /// <summary>The approach at its best batch (its batch tuned, as the baseline's is).</summary>
    public ServingAllocation Best(string approach) => Allocations.Where(a => a.Approach == approach).MaxBy(a => a.RequestsPerSecond)
        ?? throw new ArgumentException($"no allocation of '{approach}'", nameof(approach));

    /// <summary>The approach's best throughput over the baseline's best.</summary>
    public double Speedup(string approach) => Best(approach).RequestsPerSecond / Best(ServingStudy.Baseline).RequestsPerSecond;
}

/// <summary>
/// The serving comparison of Pochelu et al. in kind (arXiv 2208.14049; ../shared/DESIGN.md): an ensemble of twelve
/// heavy DNNs served on four GPUs, every request through every member. Their allocation — worst fit of the DNNs into
/// the devices' memory, then a greedy that tunes the settings — outran a baseline that only tunes the DNNs' batch size
/// by up to 2.7× on image classification. Esen compares, at each batch, that baseline (the members spread round-robin
/// over the GPUs, each GPU's members running at once without limits), the worst-fit + greedy allocation
/// (<see cref="GreedySolver"/>, on SM shares), and Esen's search and MILP, each simulated per GPU; every approach's
/// batch is tuned. The members of a batch run as asynchronous stages, so the ensemble's throughput is the batch over
/// the slowest GPU's time per batch.
/// </summary>
public static class ServingStudy
{
    /// <summary>Pochelu et al.'s reported best speed-up over the batch-tuned baseline.</summary>
    public const double PublishedSpeedup = 2.7;

    /// <summary>The GPUs the study serves on by default, as in the source's twelve-DNN experiment.</summary>
    public const int DefaultGpuCount = 4;

    /// <summary>The baseline: the members' batch tuned, nothing else.</summary>
    public const string Baseline = "batch-tuned baseline";

    /// <summary>Pochelu et al.'s allocation.</summary>
    public const string WorstFitGreedy = "worst-fit + greedy";

    /// <summary>The batches every approach is tried at.</summary>
    public static IReadOnlyList<int> DefaultBatches { get; } = [1, 2, 4, 8, 16, 32];

    /// <summary>The approaches, baseline first; the others are allocation solvers.</summary>
    public static IReadOnlyList<string> Approaches { get; } = [Baseline, WorstFitGreedy, "search", "milp"];

    private static readonly Dictionary<string, string> s_solverOf = new(StringComparer.Ordinal)
    {
        [WorstFitGreedy] = "greedy",
        ["search"] = "search",
        ["milp"] = "milp",
    };

    /// <summary>
    /// Twelve heavy CNNs at 224×224: VGG-19, VGG-16, and two each (different seeds) of ResNet-50, DenseNet-121,
    /// ResNet-18, MobileNetV2 and AlexNet.
    /// </summary>
    public static EnsembleSpec DefaultEnsemble(DeviceSpec device)
    {
        string[] architectures = ["vgg19", "vgg16", "resnet50", "resnet50", "densenet121", "densenet121", "resnet18", "resnet18", "mobilenetv2", "mobilenetv2", "alexnet", "alexnet"];
        return new EnsembleSpec(
            "twelve CNNs", EnsembleKind.Ensemble, CombineRule.Mean, null, device,
            [.. architectures.Select((a, i) => new MemberSpec(architectures.Count(b => b == a) > 1 ? $"{a}-{(char)('a' + architectures[..i].Count(b => b == a))}" : a, null, a, i + 1))],
            new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 224, 224)), new BatchingSpec(1, 2), "search");
    }

    /// <summary>Serves <paramref name="ensemble"/> on <paramref name="gpuCount"/> copies of <paramref name="device"/>, a simulated GPU, every approach at every batch.</summary>
    /// <param name="progress">Told each batch before it is planned and simulated.</param>
    /// <exception cref="EsenException">The device is not simulated, or no batch fits the GPUs' memory.</exception>
    public static ServingStudyResult Run(EnsembleSpec ensemble, DeviceSpec device, int gpuCount, IReadOnlyList<int> batches, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        ArgumentNullException.ThrowIfNull(batches);
        if (device.Kind != DeviceKind.Simulated)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"the serving study runs on simulated GPUs (sim:NAME), not {device.Kind.ToString().ToLowerInvariant()}");
        }

        if (gpuCount < 1)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"the serving study needs at least one GPU, got {gpuCount}");
        }

        Device gpu = EnsemblePlanner.Resolve(device);
        // Members of one architecture differ only in their weights: one graph each gives the work of all of them.
        string[] architectures = [.. ensemble.Members.Select(Graph).Distinct()];
        EnsembleModels models = EnsembleModels.Load(ensemble with
        {
            Device = device,
            Members = [.. architectures.Select(a => ensemble.Members.First(m => Graph(m) == a))],
        });
        int[] graphOf = [.. ensemble.Members.Select(m => Array.IndexOf(architectures, Graph(m)))];
        string[] names = [.. ensemble.Members.Select(m => m.Name)];
        var allocations = new List<ServingAllocation>();
        foreach (int batch in batches)
        {
            progress?.Invoke($"batch {batch}");
            ModelWork[] work = [.. graphOf.Select(g => models.Work(g, batch))];
            double[] memoryMb = [.. work.Select(w => w.MemoryBytes / (1024.0 * 1024.0))];
            int[] roundRobin = [.. names.Select((_, i) => i % gpuCount)];
            if (Enumerable.Range(0, gpuCount).Any(g => roundRobin.Select((d, i) => d == g ? memoryMb[i] : 0).Sum() > gpu.MemoryMb))
            {
                continue;
            }

            IReadOnlyList<KernelCost>[] kernels = [.. work.Select(w => AnalyticCostModel.Default.Kernels(w, gpu))];
            allocations.Add(Simulate(Baseline, batch, gpu, gpuCount, names, kernels, roundRobin, null, null));
            Problem problem = BuildProblem(gpu, gpuCount, names, work, memoryMb, batch);
            foreach (string approach in Approaches.Skip(1))
            {
                PlanResult solved = AllocationSolvers.Create(s_solverOf[approach])!.Solve(problem, new SolverOptions { TimeLimit = TimeSpan.FromSeconds(20) });
                if (solved.Plan is { } plan)
                {
                    allocations.Add(Simulate(approach, batch, gpu, gpuCount, names, kernels, plan.DeviceOf, plan.ShareOf, solved.SolveTime.TotalMilliseconds));
                }
            }
        }

        return allocations.Count > 0
            ? new ServingStudyResult(names, gpuCount, allocations)
            : throw new EsenException(EsenErrorKind.Infeasible, $"at no batch of {string.Join(", ", batches)} do the members fit {gpuCount} × {gpu.Name}'s memory");
    }

    /// <summary>The study as a self-contained HTML page.</summary>
    public static string Report(ServingStudyResult result, string device)
    {
        ArgumentNullException.ThrowIfNull(result);
        var page = new HtmlReport($"Serving study: allocating {result.Members.Count} DNNs to {result.GpuCount} × {device} against a batch-tuned baseline");
        ServingAllocation baseline = result.Best(Baseline), search = result.Best("search"), greedy = result.Best(WorstFitGreedy);
        page.Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"Pochelu et al. (arXiv 2208.14049) serve an ensemble of 12 heavy DNNs on 4 GPUs; their allocation (worst fit into the devices' memory, " +
            $"then a greedy that tunes the settings) outruns a baseline that only tunes the DNNs' batch size by up to {PublishedSpeedup}×. Esen predicts, " +
            $"for {result.Members.Count} CNNs on {result.GpuCount} × {device}: baseline {baseline.RequestsPerSecond:0} requests/s (batch {baseline.Batch}), " +
            $"worst-fit + greedy {greedy.RequestsPerSecond:0} ({result.Speedup(WorstFitGreedy):0.00}×, batch {greedy.Batch}), " +
            $"search {search.RequestsPerSecond:0} ({result.Speedup("search"):0.00}×, batch {search.Batch})."));
        page.Paragraph(
            "Why the numbers differ: Pochelu et al. measured real GPUs and CPUs with their own DNNs, processes and batching; Esen predicts with its " +
            "cost model and simulator, on catalogue GPUs and seeded zoo models, and its approaches share each GPU by SM partitions. Its baseline " +
            "lets a GPU's members run at once without limits, which the simulator models as work-conserving — an ideal that real concurrent " +
            "processes do not reach — so the baseline here is strong within a GPU, and the allocations gain mostly by balancing the GPUs.");
        page.Figure(
            Charts.Lines("Throughput against batch", "batch", "requests/s",
                [.. Approaches.Select(a => new ChartCurve(a, [.. result.Allocations.Where(x => x.Approach == a).Select(x => ((double)x.Batch, x.RequestsPerSecond))], [(result.Best(a).Batch, result.Best(a).RequestsPerSecond)]))]),
            "Each approach's simulated throughput at each batch; the dot is its best batch.");
        page.Figure(
            Charts.Bars("Best throughput", "requests/s", [.. Approaches], [new ChartBars("simulated", [.. Approaches.Select(a => result.Best(a).RequestsPerSecond)])]),
            "Each approach at its best batch.");
        page.Table(
            ["approach", "batch", "requests/s", "vs baseline", "period ms", "solve ms"],
            Approaches.Select(a => result.Best(a)).Select(b => (IReadOnlyList<string>)
            [
                b.Approach, b.Batch.ToString(CultureInfo.InvariantCulture), StudyText.Number(b.RequestsPerSecond, "0"),
                string.Create(CultureInfo.InvariantCulture, $"{result.Speedup(b.Approach):0.00}×"), StudyText.Number(b.PeriodMs, "0.000"), StudyText.Number(b.SolveMs, "0.0"),
            ]));
        page.Table(
            ["member", .. Approaches.Select(a => $"{a}: GPU / share")],
            result.Members.Select((m, i) => (IReadOnlyList<string>)
                [m, .. Approaches.Select(a => result.Best(a)).Select(b => $"{b.GpuOf[i]} / {(b.Shares is null ? "all" : b.Shares[i].ToString(CultureInfo.InvariantCulture) + " %")}")]));
        foreach (ServingAllocation best in new[] { baseline, search })
        {
            int slowest = Enumerable.Range(0, best.Gpus.Count).MaxBy(g => best.Gpus[g].JctSeconds);
            page.Figure(TimelineReport.ToSvg(best.Gpus[slowest]), $"Simulated timeline of the {best.Approach} at batch {best.Batch} on its slowest GPU ({slowest}): a lane per member, a bar per kernel.");
        }

        return page.ToString();
    }

    private static string Graph(MemberSpec member) => member.Architecture ?? member.ModelPath!;

    private static Problem BuildProblem(Device gpu, int gpuCount, string[] names, ModelWork[] work, double[] memoryMb, int batch)
    {
        IReadOnlyList<int> shares = EnsemblePlanner.SharesFor(gpu);
        return new Problem(
            ProblemKind.Ensemble,
            Objective.Makespan,
            [.. Enumerable.Range(0, gpuCount).Select(g => new ProblemDevice($"{gpu.Name} #{g}", gpu.MemoryMb))],
            [.. names.Select((n, i) => new ProblemMember(n, memoryMb[i], new LatencyTable(shares, [.. shares.Select(p => EnsemblePlanner.LatencyMs(AnalyticCostModel.Default, work[i], gpu, p))])))],
            $"{names.Length} members on {gpuCount} × {gpu.Name}, batch {batch}");
    }

    private static ServingAllocation Simulate(
        string approach, int batch, Device gpu, int gpuCount, string[] names, IReadOnlyList<KernelCost>[] kernels, int[] gpuOf, int[]? shares, double? solveMs)
    {
        var options = new SimulationOptions { Mode = shares is null ? SharingMode.Default : SharingMode.Partitioned };
        SimulationResult[] gpus =
        [
            .. Enumerable.Range(0, gpuCount).Select(g => new Simulator(gpu, options).Run(
                [.. Enumerable.Range(0, names.Length).Where(i => gpuOf[i] == g).Select(i => new SimulationMember(names[i], kernels[i], shares is null ? gpu.Units : gpu.UnitsForShare(shares[i])))])),
        ];
        return new ServingAllocation(approach, batch, gpuOf, shares, gpus.Max(r => r.JctSeconds) * 1000, solveMs, gpus);
    }
}
