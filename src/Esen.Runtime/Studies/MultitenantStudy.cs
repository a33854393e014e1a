using System.Globalization;
using Esen.Kernels.Graph;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;
using Esen.Runtime.Tenants;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Problems;
using Esen.Solver.Reports;
using Esen.Solver.Simulation;

namespace Esen.Runtime.Studies;

/// <summary>Tenants run with temporal regulation in a number of rounds: how many rounds each tenant spans, every round's time and shares.</summary>
/// <param name="Slices">Rounds (1: spatial sharing only).</param>
/// <param name="SlicesPerTenant">How many rounds each tenant's operators are cut into (it runs in the first that many rounds), in tenant order.</param>
/// <param name="Ms">The rounds' simulated times, summed: the time until every tenant is done.</param>
/// <param name="RoundShares">Each round's shares, per tenant in tenant order (0 for a tenant with nothing left in that round).</param>
/// <param name="Rounds">Each round's simulation.</param>
public sealed record TemporalSchedule(int Slices, IReadOnlyList<int> SlicesPerTenant, double Ms, IReadOnlyList<int[]> RoundShares, IReadOnlyList<SimulationResult> Rounds)
{
    /// <summary>The schedule as <see cref="Tenants.TenantRuntime"/> runs it (a partitioned one: temporal-only schedules have no shares).</summary>
    public TenantSchedule Plan => new(Slices, SlicesPerTenant, RoundShares);
}

/// <summary>The multi-tenant comparison: native concurrency, spatial sharing only, and spatial with temporal regulation.</summary>
/// <param name="Tenants">The tenants' names.</param>
/// <param name="Native">Every tenant at once on the whole GPU without limits.</param>
/// <param name="Schedules">Spatial with temporal regulation at each number of slices tried; the one with one slice is spatial sharing only.</param>
/// <param name="TemporalOnly">
/// Temporal regulation without partitions at each number of rounds from 2: the rounds and slices as in <paramref name="Schedules"/>,
/// each round's slices at once on the whole GPU (its simulations; the best slicing per round count). <see cref="TemporalSchedule.RoundShares"/> is empty.
/// </param>
public sealed record MultitenantStudyResult(IReadOnlyList<string> Tenants, SimulationResult Native, IReadOnlyList<TemporalSchedule> Schedules, IReadOnlyList<TemporalSchedule> TemporalOnly)
{
    /// <summary>The fastest temporal-only schedule.</summary>
    public TemporalSchedule BestTemporalOnly => TemporalOnly.MinBy(s => s.Ms)!;

    /// <summary>Spatial sharing only: one set of SM partitions for the whole run.</summary>
    public TemporalSchedule Spatial => Schedules.First(s => s.Slices == 1);

    /// <summary>The fastest schedule (spatial and temporal): the planner's choice of the number of slices.</summary>
    public TemporalSchedule Best => Schedules.MinBy(s => s.Ms)!;

    /// <summary>The native concurrency's time until every tenant is done, ms.</summary>
    public double NativeMs => Native.JctSeconds * 1000;
}

/// <summary>
/// GACER's comparison in kind (arXiv 2304.11745; ../shared/DESIGN.md): tenants that are not an ensemble — independent
/// models, one batch each — share a GPU natively (all at once, no limits), spatially (SM partitions sized by the search),
/// or spatially and temporally: the run is cut into rounds; each tenant's operator sequence is cut into slices of equal
/// work, one per round over the first k rounds; the i-th slices run together, each round on its own partitions from the
/// search over that round's slices, so a small tenant can run beside the start of a large one and leave it every SM
/// afterwards. The rounds and each tenant's k are searched exhaustively with the shares (up to <see cref="MaxRounds"/>
/// rounds; one round is spatial sharing only, so temporal regulation loses nothing). On the simulator.
/// </summary>
public static class MultitenantStudy
{
    /// <summary>The most rounds tried.</summary>
    public const int MaxRounds = 4;

    /// <summary>
    /// The tenants the study runs by default: two large (VGG-16, ResNet-50) and two small (MobileNetV2, ResNet-18) models,
    /// seeded weights, 224×224, at <paramref name="batch"/>.
    /// </summary>
    public static EnsembleSpec DefaultTenants(DeviceSpec device, int batch = 8) => new(
        "large and small tenants", EnsembleKind.Ensemble, CombineRule.Mean, null, device,
        [new MemberSpec("vgg16", null, "vgg16", 1), new MemberSpec("resnet50", null, "resnet50", 2), new MemberSpec("mobilenetv2", null, "mobilenetv2", 3), new MemberSpec("resnet18", null, "resnet18", 4)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, 3, 224, 224)), new BatchingSpec(batch, 2), "search");

    /// <summary>Runs <paramref name="tenants"/> (members as independent tenants) on <paramref name="device"/>, a simulated GPU.</summary>
    public static MultitenantStudyResult Run(EnsembleSpec tenants, DeviceSpec device, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        if (device.Kind != DeviceKind.Simulated)
        {
            throw new EsenException(EsenErrorKind.BadInput, $"the multitenant study runs on a simulated GPU (sim:NAME), not {device.Kind.ToString().ToLowerInvariant()}");
        }

        EnsembleSpec spec = tenants with { Device = device };
        EnsembleModels models = EnsembleModels.Load(spec);
        Device gpu = EnsemblePlanner.Resolve(device);
        int count = spec.Members.Count, batch = spec.Batching.MaxBatch;
        IReadOnlyList<KernelCost>[] kernels = [.. Enumerable.Range(0, count).Select(m => AnalyticCostModel.Default.Kernels(models.Work(m, batch), gpu))];
        double[] memoryMb = [.. Enumerable.Range(0, count).Select(m => models.Work(m, batch).MemoryBytes / (1024.0 * 1024.0))];
        string[] names = [.. spec.Members.Select(m => m.Name)];

        progress?.Invoke("native concurrency");
        SimulationResult native = new Simulator(gpu, new SimulationOptions { Mode = SharingMode.Default })
            .Run([.. Enumerable.Range(0, count).Select(m => new SimulationMember(names[m], kernels[m], gpu.Units))]);
        var schedules = new List<TemporalSchedule>(MaxRounds);
        var temporalOnly = new List<TemporalSchedule>(MaxRounds - 1);
        for (int slices = 1; slices <= MaxRounds; slices++)
        {
            progress?.Invoke(slices == 1 ? "spatial sharing" : $"temporal, with and without partitions, {slices} rounds");
            TemporalSchedule? best = null, bestUnpartitioned = null;
            foreach (int[] spans in Spans(count, slices))
            {
                IReadOnlyList<KernelCost>[][] sliced = [.. kernels.Select((k, m) => Slice(k, spans[m], gpu.Units))];
                TemporalSchedule schedule = Schedule(spec, gpu, device, names, sliced, spans, slices, memoryMb);
                if (best is null || schedule.Ms < best.Ms)
                {
                    best = schedule;
                }

                if (slices > 1 && Unpartitioned(gpu, names, sliced, spans, slices) is var unpartitioned && (bestUnpartitioned is null || unpartitioned.Ms < bestUnpartitioned.Ms))
                {
                    bestUnpartitioned = unpartitioned;
                }
            }

            schedules.Add(best!);
            if (bestUnpartitioned is not null)
            {
                temporalOnly.Add(bestUnpartitioned);
            }
        }

        return new MultitenantStudyResult(names, native, schedules, temporalOnly);
    }

    /// <summary>
    /// <paramref name="kernels"/> cut into <paramref name="slices"/> contiguous slices of about equal time on
    /// <paramref name="units"/> (a slice ends at the first kernel that reaches its share of the total); operator order is kept.
    /// </summary>
    public static IReadOnlyList<KernelCost>[] Slice(IReadOnlyList<KernelCost> kernels, int slices, int units)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        int[] boundaries = GraphSlicer.EqualWorkBoundaries([.. kernels.Select(k => k.Seconds(units))], slices);
        return [.. Enumerable.Range(0, slices).Select(s => (IReadOnlyList<KernelCost>)[.. kernels.Skip(boundaries[s]).Take(boundaries[s + 1] - boundaries[s])])];
    }

    /// <summary>The study as a self-contained HTML page.</summary>
    public static string Report(MultitenantStudyResult result, string device)
    {
        ArgumentNullException.ThrowIfNull(result);
        var page = new HtmlReport($"Multi-tenant study: spatial and temporal regulation against spatial sharing and native concurrency on {device}");
        TemporalSchedule best = result.Best, spatial = result.Spatial;
        page.Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"GACER (arXiv 2304.11745) regulates tenants' concurrency spatially (a resource partition per tenant) and temporally (slices of each " +
            $"tenant's operators, with which slices run together regulated). Esen predicts, for {string.Join(", ", result.Tenants)} on {device}: native " +
            $"{result.NativeMs:0.000} ms, spatial only {spatial.Ms:0.000} ms, temporal only ({result.BestTemporalOnly.Slices} rounds) {result.BestTemporalOnly.Ms:0.000} ms, " +
            $"spatial and temporal ({best.Slices} rounds; slices per tenant {string.Join("/", best.SlicesPerTenant)}) {best.Ms:0.000} ms, " +
            $"{StudyText.Percent((1 - (best.Ms / spatial.Ms)) * 100)} faster than spatial only and {StudyText.Percent((1 - (best.Ms / result.NativeMs)) * 100)} than native."));
        page.Paragraph(
            "Why the numbers differ from GACER's: GACER measured its tenants on a real GPU with its own slicing of operators and batches; Esen slices " +
            "each tenant's kernels into equal-work pieces, plans each round's partitions with its search, and predicts with its cost model and " +
            "simulator. The simulator's native mode is work-conserving (a finished tenant's SMs go to the others), an ideal that real concurrent " +
            "contexts do not reach, so native sharing is a strong baseline here.");
        page.Figure(
            Charts.Bars("Time until every tenant is done", "ms",
                ["native", .. result.Schedules.Select(s => s.Slices == 1 ? "spatial only" : $"spatial + temporal, {s.Slices} rounds"), .. result.TemporalOnly.Select(s => $"temporal only, {s.Slices} rounds")],
                [new ChartBars("simulated", [result.NativeMs, .. result.Schedules.Select(s => s.Ms), .. result.TemporalOnly.Select(s => s.Ms)])]),
            "Simulated time until the last tenant finishes, for native concurrency, spatial sharing only, spatial sharing with temporal regulation, and temporal regulation without partitions.");
        page.Table(
            ["round", .. result.Tenants.Select(t => $"{t} %"), "round ms"],
            best.RoundShares.Select((shares, r) => (IReadOnlyList<string>)
                [(r + 1).ToString(CultureInfo.InvariantCulture), .. shares.Select(s => s == 0 ? "-" : s.ToString(CultureInfo.InvariantCulture)), StudyText.Number(best.Rounds[r].JctSeconds * 1000, "0.000")]));
        page.Figure(TimelineReport.ToSvg(result.Native), "Simulated native concurrency: a lane per tenant, a bar per kernel.");
        page.Figure(TimelineReport.ToSvg(spatial.Rounds[0]), "Simulated spatial sharing: each tenant on its partition for the whole run.");
        page.Figure(TimelineReport.ToSvg(best.Rounds[0]), $"The first round of the best schedule ({best.Slices} rounds), on that round's partitions.");
        return page.ToString();
    }

    // Every assignment of 1..rounds slices to each tenant in which at least one tenant spans every round.
    private static IEnumerable<int[]> Spans(int tenants, int rounds)
    {
        int[] spans = [.. Enumerable.Repeat(1, tenants)];
        while (true)
        {
            if (spans.Max() == rounds)
            {
                yield return [.. spans];
            }

            int i = 0;
            while (i < tenants && spans[i] == rounds)
            {
                spans[i++] = 1;
            }

            if (i == tenants)
            {
                yield break;
            }

            spans[i]++;
        }
    }

    private static TemporalSchedule Schedule(
        EnsembleSpec spec, Device gpu, DeviceSpec device, string[] names, IReadOnlyList<KernelCost>[][] sliced, int[] spans, int rounds, double[] memoryMb)
    {
        int count = names.Length;
        var shares = new List<int[]>(rounds);
        var simulated = new List<SimulationResult>(rounds);
        for (int round = 0; round < rounds; round++)
        {
            int[] active = [.. Enumerable.Range(0, count).Where(m => round < spans[m] && sliced[m][round].Count > 0)];
            int[] roundShares = new int[count];
            int[] planned = PlanRound(spec, gpu, device, active, m => sliced[m][round], memoryMb);
            for (int j = 0; j < active.Length; j++)
            {
                roundShares[active[j]] = planned[j];
            }

            shares.Add(roundShares);
            simulated.Add(new Simulator(gpu, new SimulationOptions()).Run(
                [.. active.Select(m => new SimulationMember(names[m], sliced[m][round], gpu.UnitsForShare(roundShares[m])))]));
        }

        return new TemporalSchedule(rounds, spans, simulated.Sum(r => r.JctSeconds) * 1000, shares, simulated);
    }

    // Temporal regulation alone: each round's slices at once on the whole GPU, without limits.
    private static TemporalSchedule Unpartitioned(Device gpu, string[] names, IReadOnlyList<KernelCost>[][] sliced, int[] spans, int rounds)
    {
        var simulated = new List<SimulationResult>(rounds);
        for (int round = 0; round < rounds; round++)
        {
            int[] active = [.. Enumerable.Range(0, names.Length).Where(m => round < spans[m] && sliced[m][round].Count > 0)];
            simulated.Add(new Simulator(gpu, new SimulationOptions { Mode = SharingMode.Default }).Run(
                [.. active.Select(m => new SimulationMember(names[m], sliced[m][round], gpu.Units))]));
        }

        return new TemporalSchedule(rounds, spans, simulated.Sum(r => r.JctSeconds) * 1000, [], simulated);
    }

    private static int[] PlanRound(EnsembleSpec spec, Device gpu, DeviceSpec device, int[] active, Func<int, IReadOnlyList<KernelCost>> kernelsOf, double[] memoryMb)
    {
        IReadOnlyList<int> shares = EnsemblePlanner.SharesFor(gpu);
        Problem problem = EnsemblePlanner.BuildProblem(spec, active, gpu.Name, gpu.MemoryMb, m =>
        {
            IReadOnlyList<KernelCost> kernels = kernelsOf(m);
            return (new LatencyTable(shares, [.. shares.Select(p => kernels.Sum(k => k.Seconds(gpu.UnitsForShare(p))) * 1000)]), memoryMb[m]);
        });
        return EnsemblePlanner.Solve(problem, "search", device).Plan!.ShareOf;
    }
}
