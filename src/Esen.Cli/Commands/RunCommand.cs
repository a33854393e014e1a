using System.CommandLine;
using System.Globalization;
using System.Diagnostics;
using Esen.Cli.Output;
using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Native;
using Esen.Native.Partitions;
using Esen.Runtime;
using Esen.Runtime.Planning;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.Devices;
using Esen.Solver.Planning;
using Esen.Solver.Profiles;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen run</c>: with no arguments, the built-in ensemble planned for a simulated H100 and for this
/// CPU and then run on the CPU; with a spec, a user's ensemble or cascade on a TensorProto input.
/// </summary>
public static class RunCommand
{
    private const int DefaultChannels = 3;
    private const int DefaultImageSize = 112;
    private static readonly DeviceSpec s_h100 = new(DeviceKind.Simulated, 0, "h100");

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var spec = new Argument<string?>("SPEC") { Description = "An esen-ensemble/1 file (docs/ensemble-format.md); omit it for the built-in ensemble.", Arity = ArgumentArity.ZeroOrOne };
        var input = new Option<string?>("--input", "-i") { Description = "TensorProto input [N, ...] (with SPEC); each row is one request." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the combined output as a TensorProto (with SPEC)." };
        var inputs = new Option<int>("--inputs") { Description = "Seeded inputs the built-in ensemble runs on the CPU.", DefaultValueFactory = _ => 8 };
        var store = new Option<string?>("--store") { Description = "cuda:N members: the profile store folder (default $ESEN_PROFILE_STORE, else ~/.cache/esen/profiles)." };
        var mechanism = new Option<string?>("--mechanism") { Description = "cuda:N members: green | mps-affinity | none (default: the first the GPU offers; none = no partitions)." };
        var precision = new Option<string?>("--precision") { Description = $"{string.Join(" | ", GpuPrecisions.Names)}: the math of convolutions and GEMMs on GPUs (overrides the spec's \"precision\"; default fp32)." };
        precision.AcceptOnlyFromAmong([.. GpuPrecisions.Names]);
        var drift = new ExitDriftOptions();
        var command = new Command("run", "Plan and run an ensemble or cascade (no SPEC: the built-in three-model ensemble).");
        command.Arguments.Add(spec);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(inputs);
        command.Options.Add(mechanism);
        command.Options.Add(store);
        command.Options.Add(precision);
        drift.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            try
            {
                string? specPath = parse.GetValue(spec);
                GpuPrecision? math = parse.GetValue(precision) is string name && GpuPrecisions.TryParse(name, out GpuPrecision p) ? p : null;
                if (specPath is null)
                {
                    return await RunDefaultAsync(parse.GetValue(inputs), math, stdout, stderr, cancellationToken);
                }

                string? mechanismName = parse.GetValue(mechanism);
                PartitionMechanism? forced = null;
                if (mechanismName is not null)
                {
                    if (!PartitionMechanismNames.TryParse(mechanismName, out PartitionMechanism parsed) || parsed == PartitionMechanism.MpsThreadPercentage)
                    {
                        await stderr.WriteLineAsync($"esen run: --mechanism '{mechanismName}' is not green, mps-affinity or none");
                        return ExitCodes.BadInput;
                    }

                    forced = parsed;
                }

                string? storePath = parse.GetValue(store);
                var options = new SessionOptions
                {
                    Precision = math,
                    Mechanism = forced,
                    Store = storePath is null ? new ProfileStore() : new ProfileStore(storePath),
                    ExitRatioDrift = drift.Read(parse),
                    Progress = line => stderr.WriteLine($"      {line}"),
                };
                return await RunSpecAsync(specPath, parse.GetValue(input), parse.GetValue(output), options, stdout, stderr, cancellationToken);
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, stderr, "run");
            }
        });
        return command;
    }

    /// <summary>
    /// The built-in ensemble: three zoo CNNs with seeded weights, averaged; by default at 112×112 (they
    /// end in global pooling, so a quarter of the ImageNet pixels keeps the CPU run short).
    /// </summary>
    /// <param name="device">Where every member runs.</param>
    /// <param name="imageSize">Height and width of the input images.</param>
    public static EnsembleSpec DefaultSpec(DeviceSpec device, int imageSize = DefaultImageSize) => new(
        "built-in ensemble",
        EnsembleKind.Ensemble,
        CombineRule.Mean,
        null,
        device,
        [new MemberSpec("resnet18", null, "resnet18", 1), new MemberSpec("mobilenetv2", null, "mobilenetv2", 2), new MemberSpec("resnet50", null, "resnet50", 3)],
        new InputSpec("input", new TensorShape(TensorShape.Dynamic, DefaultChannels, imageSize, imageSize)),
        new BatchingSpec(MaxBatch: 4, MaxDelayMs: 2),
        "search");

    // The precision decides what the simulated H100 is planned with; the CPU computes fp32 regardless.
    private static async Task<int> RunDefaultAsync(int inputCount, GpuPrecision? precision, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (inputCount < 1)
        {
            await stderr.WriteLineAsync("esen run: --inputs must be at least 1");
            return ExitCodes.BadInput;
        }

        EnsembleSpec cpuSpec = DefaultSpec(DeviceSpec.Cpu) with { Precision = precision ?? GpuPrecision.Fp32 };
        await stdout.WriteLineAsync($"Ensemble: {string.Join(", ", cpuSpec.Members.Select(m => m.Name))} (seeded weights), input {cpuSpec.Input!.Shape}, combine {cpuSpec.Combine.ToString().ToLowerInvariant()}, batch {cpuSpec.Batching.MaxBatch}");
        var progress = new Progress(stderr, 5);

        progress.Step("building the graphs and their kernel lists");
        EnsembleModels gpuModels = EnsembleModels.Load(cpuSpec with { Device = s_h100 });
        EnsembleModels cpuModels = EnsembleModels.Load(cpuSpec);

        progress.Step("planning for a simulated H100 (search, milp) and simulating");
        await stdout.WriteLineAsync();
        WriteComparison(PlanComparison.Compare(gpuModels, s_h100), cpuSpec, stdout);

        progress.Step("planning for this CPU (search, milp)");
        await stdout.WriteLineAsync();
        WriteComparison(PlanComparison.Compare(cpuModels, DeviceSpec.Cpu), cpuSpec, stdout);

        progress.Step($"running {inputCount} seeded inputs on the CPU with the {cpuSpec.Solver} plan");
        Tensor[] inputs = [.. Enumerable.Range(0, inputCount).Select(SeededInput)];
        Tensor[] answers;
        double[] latenciesMs;
        double wallSeconds, warmupMs;
        RuntimeStatistics statistics;
        await using EnsembleSession session = await EnsembleSession.LoadAsync(cpuSpec, cancellationToken: cancellationToken);

        // The first request plans each member's execution and generates its weights.
        long warm = Stopwatch.GetTimestamp();
        _ = await session.InferAsync(SeededInput(-1), cancellationToken);
        warmupMs = Stopwatch.GetElapsedTime(warm).TotalMilliseconds;

        long start = Stopwatch.GetTimestamp();
        Task<(Tensor, double)>[] pending = [.. inputs.Select(x => TimedAsync(session, x, cancellationToken))];
        (Tensor Answer, double Ms)[] results = await Task.WhenAll(pending);
        wallSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        answers = [.. results.Select(r => r.Answer)];
        latenciesMs = [.. results.Select(r => r.Ms).Order()];
        statistics = session.Statistics;
        RuntimePlan cpuPlan = session.Plan;

        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync($"Measured on this CPU ({Environment.ProcessorCount} cores; threads per member {string.Join(" / ", cpuPlan.Shares.Select(s => CpuDevice.CoresForShare(s, Environment.ProcessorCount)))}):");
        await stdout.WriteLineAsync($"  first request (planning, weights): {warmupMs:F0} ms");
        await stdout.WriteLineAsync($"  {inputCount} concurrent requests in {statistics.Batches - 1} batches: latency p50 {Percentile(latenciesMs, 0.5):F0} ms, max {latenciesMs[^1]:F0} ms; throughput {inputCount / wallSeconds:F2} inputs/s");

        progress.Step("checking against the members run one by one");
        Tensor stacked = Stack(inputs, cpuSpec.Input.Shape);
        ReferenceCheck check = session.CheckAgainstCpu(stacked, Stack(answers, answers[0].Shape));
        await stdout.WriteLineAsync($"Check: combined outputs vs the mean of the members run one by one: max |difference| {check.Comparison.MaxAbsDifference:E2} (outputs up to {check.Comparison.MaxMagnitude:F2}): {(check.Passed ? "EQUAL" : "DIFFERENT")}");
        progress.Done();
        return check.Passed ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>Prints a <see cref="PlanComparison"/> as a table with a line on how it was predicted.</summary>
    private static void WriteComparison(PlanComparison comparison, EnsembleSpec spec, TextWriter stdout)
    {
        bool gpu = comparison.Device is GpuDevice;
        stdout.WriteLine($"Plans for {(gpu ? $"a simulated {comparison.Device.Name} ({comparison.Device.Units} SMs)" : $"this CPU ({comparison.Device.Units} cores, cost model)")}, batch {spec.Batching.MaxBatch}:");
        var table = new TextTable(["plan", "status", .. spec.Members.Select(m => ">" + m.Name + " %"), ">solve ms", ">table ms", ">JCT ms", ">SM use", ">vs default"]);
        foreach (ComparedPlan plan in comparison.Plans)
        {
            table.AddRow(plan.Shares is null
                ? [plan.Name, plan.Status, .. spec.Members.Select(_ => "-"), "-", "-", "-", "-", plan.Note ?? "-"]
                : [plan.Name, plan.Status, .. plan.Shares.Select(s => s.ToString(CultureInfo.InvariantCulture)), Format(plan.SolveMs, "F1"), Format(plan.TableMs, "F2"), Format(plan.Prediction?.JctMs, "F2"),
                    plan.Prediction?.Utilization is double f ? $"{f * 100:F0} %" : "-", $"{comparison.Speedup(plan):F2}x"]);
        }

        table.WriteTo(stdout);
        stdout.WriteLine(gpu
            ? "table ms = the solver's objective on the cost-model tables; JCT and SM use from the simulator (partitions, shared HBM, interference); default = all members concurrent without SM limits."
            : "table ms = the solver's objective; JCT from the cost model at each member's fraction of the cores; default simulated with all members on all cores.");
    }

    private static string Format(double? milliseconds, string format) => milliseconds is double ms ? ms.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static async Task<int> RunSpecAsync(
        string specPath, string? inputPath, string? outputPath, SessionOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // The spec, then its devices, then the input: the first complaint is the one line on stderr.
        EnsembleSpec read = EnsembleSpecReader.ReadFile(specPath);
        EnsembleSession.EnsureDevices(read);
        if (inputPath is null)
        {
            await stderr.WriteLineAsync("esen run: SPEC needs --input IN.pb (a TensorProto whose first dimension is the batch)");
            return ExitCodes.BadInput;
        }

        (string inputName, Tensor input) = OnnxModel.LoadTensor(inputPath);
        var progress = new Progress(stderr, 3);
        progress.Step($"loading the models of {specPath} and planning");
        await using EnsembleSession session = await EnsembleSession.LoadAsync(read, options, cancellationToken);
        EnsembleSpec spec = session.Spec;
        if (session.Measured is { } measured)
        {
            WriteMeasuredPlan(spec, measured, stdout);
        }

        if (session.Plan.IsFixed)
        {
            await stdout.WriteLineAsync($"Plan {session.Plan.Describe(spec)}");
        }

        foreach (DevicePlan device in session.DevicePlans)
        {
            await stdout.WriteLineAsync($"Plan ({session.Plan.Solver}, {PlanResultJson.StatusName(device.Result.Status)}) on {device.Device}: " +
                string.Join(", ", device.Members.Select(m => $"{spec.Members[m].Name} {session.Plan.Shares[m]} %")) + $"; predicted {device.Result.ObjectiveMs:F2} ms per batch of {spec.Batching.MaxBatch}");
        }

        progress.Step($"running {input.Shape[0]} inputs");
        long start = Stopwatch.GetTimestamp();
        Tensor combined;
        try
        {
            combined = await session.InferRowsAsync(input, cancellationToken);
        }
        catch (EsenException ex) when (ex.Kind == EsenErrorKind.BadInput)
        {
            await stderr.WriteLineAsync($"esen run: {inputPath}: tensor '{inputName}': {ex.Message}");
            return ExitCodes.BadInput;
        }

        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await session.PendingReplan;
        RuntimeStatistics statistics = session.Statistics;
        long rows = input.Shape[0];
        await stdout.WriteLineAsync($"Ran {rows} inputs in {statistics.Batches} batches (mean {statistics.MeanBatchRows:F1}) in {wall * 1000:F0} ms wall time ({rows / wall:F1} inputs/s, first batches included); output {combined.Shape}");
        foreach (StageStatistics stage in statistics.Stages)
        {
            await stdout.WriteLineAsync($"  stage {stage.Member}: reached {stage.Reached}, exited {stage.Exited} (exit ratio {stage.ExitRatio:P1})");
        }

        foreach (Replan replan in session.Replans)
        {
            await stdout.WriteLineAsync($"  {replan}");
        }

        if (session.Timeline.Any(e => e.Virtual))
        {
            await stdout.WriteLineAsync($"  simulated device time: {session.Timeline.Where(e => e.Virtual).Max(e => e.FinishSeconds) * 1000:F3} ms (virtual clock)");
        }

        if (outputPath is not null)
        {
            await File.WriteAllBytesAsync(outputPath, OnnxModel.SerializeTensor("output", combined), cancellationToken);
            await stdout.WriteLineAsync($"Wrote {outputPath}");
        }

        int status = ExitCodes.Ok;
        if (session.UsesCuda && spec.Kind == EnsembleKind.Ensemble)
        {
            progress.Step("checking against the members run one by one on the CPU executor");
            ReferenceCheck check = session.CheckAgainstCpu(input, combined);
            await stdout.WriteLineAsync($"Check against the CPU executor: relative L2 {check.Comparison.RelativeL2:E2} ({spec.Precision.ToName()} bound {check.Bound:E0}), max |difference| {check.Comparison.MaxAbsDifference:E2}: {(check.Passed ? "EQUAL" : "DIFFERENT")}");
            status = check.Passed ? ExitCodes.Ok : ExitCodes.Failure;
        }

        progress.Done();
        return status;
    }

    /// <summary>Per CUDA device: the measured curves at the planned shares, and the planned against no partitions.</summary>
    private static void WriteMeasuredPlan(EnsembleSpec spec, MeasuredPlan measured, TextWriter stdout)
    {
        foreach (MeasuredDevicePlan device in measured.Devices)
        {
            stdout.WriteLine($"{device.Gpu}, driver {NativeRuntime.FormatCudaVersion(device.Gpu.DriverVersion)}, batch {spec.Batching.MaxBatch}, {device.Mechanism.ToName()} partitions:");
            if (device.Planned is { } planned)
            {
                var table = new TextTable("member", ">share %", ">SMs", ">alone ms", ">together ms", ">memory MiB", "curve");
                for (int j = 0; j < device.Members.Count; j++)
                {
                    int member = device.Members[j];
                    MeasuredMemberTable curve = device.Tables[j];
                    int share = measured.Plan.Shares[member];
                    table.AddRow([spec.Members[member].Name, share.ToString(CultureInfo.InvariantCulture), device.PlannedRun!.GrantedSms[j].ToString(CultureInfo.InvariantCulture),
                        curve.Table.LatencyAt(share).ToString("F2", CultureInfo.InvariantCulture), device.PlannedRun.Members[j].MedianMs.ToString("F2", CultureInfo.InvariantCulture),
                        curve.MemoryMb.ToString("F0", CultureInfo.InvariantCulture), curve.FromStore ? "stored" : "measured"]);
                }

                table.WriteTo(stdout);
                double predicted = planned.Result.ObjectiveMs!.Value;
                double actual = device.PlannedRun!.Batch.MedianMs;
                stdout.WriteLine($"  planned ({planned.Result.Solver}): predicted {predicted:F2} ms per batch, measured {actual:F2} ms (p10–p90 {device.PlannedRun.Batch.P10Ms:F2}–{device.PlannedRun.Batch.P90Ms:F2}; {100 * (actual - predicted) / predicted:+0.0;-0.0} %)");
            }

            stdout.WriteLine($"  no partitions: measured {device.Unpartitioned.Batch.MedianMs:F2} ms per batch (p10–p90 {device.Unpartitioned.Batch.P10Ms:F2}–{device.Unpartitioned.Batch.P90Ms:F2})");
        }

        stdout.WriteLine(measured.Partitioned
            ? $"Running with {measured.Mechanism.ToName()} partitions: they measured faster than no partitions."
            : measured.Devices.Any(d => d.Planned is not null)
                ? "Running without partitions: the planned partitions measured slower than all members on all SMs."
                : "Running without partitions.");
    }

    private static async Task<(Tensor, double)> TimedAsync(EnsembleSession session, Tensor input, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        Tensor answer = await session.InferAsync(input, cancellationToken);
        return (answer, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    private static Tensor Stack(Tensor[] rows, TensorShape sample) =>
        Tensor.FromFloats(new TensorShape([rows.Length, .. sample.Dimensions[1..]]), [.. rows.SelectMany(x => x.Floats)]);

    /// <summary>An image-like input in [0, 1) from <c>new Random(1000 + index)</c>.</summary>
    private static Tensor SeededInput(int index)
    {
        var random = new Random(1000 + index);
        const int Length = DefaultChannels * DefaultImageSize * DefaultImageSize;
        return Tensor.FromFloats(new TensorShape(1, DefaultChannels, DefaultImageSize, DefaultImageSize), [.. Enumerable.Range(0, Length).Select(_ => random.NextSingle())]);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    /// <summary>Numbered steps with elapsed time, on stderr (plain lines, so redirected output stays readable).</summary>
    private sealed class Progress(TextWriter writer, int steps)
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private int _step;

        public void Step(string what) => writer.WriteLine($"[{++_step}/{steps}] {Stopwatch.GetElapsedTime(_start).TotalSeconds,5:F1} s  {what}");

        public void Done() => writer.WriteLine($"done in {Stopwatch.GetElapsedTime(_start).TotalSeconds:F1} s");
    }
}
