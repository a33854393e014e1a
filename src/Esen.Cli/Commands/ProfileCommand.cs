using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Esen.Cli.Output;
using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;
using Esen.Native;
using Esen.Native.Partitions;
using Esen.Runtime.Execution;
using Esen.Runtime.Profiling;
using Esen.Runtime.Specs;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Formats;
using Esen.Solver.Problems;
using Esen.Solver.Profiles;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen profile MODEL... --device NAME</c>: latency-vs-share tables from the analytic cost model,
/// as a table, as <c>esen-profile/1</c> JSON, or as an <c>esen-problem/1</c> for the whole ensemble or
/// cascade.
/// </summary>
public static class ProfileCommand
{
    /// <summary>The format tag of profile files (docs/cost-model.md).</summary>
    public const string ProfileFormat = "esen-profile/1";

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var models = new Argument<string[]>("model") { Description = "Built-in architectures or ONNX files (one member each).", Arity = ArgumentArity.OneOrMore };
        var device = new Option<string>("--device", "-d") { Description = "Catalogue device (V100, A100-40GB, H100-SXM, cpu, ...).", Required = true };
        var batch = new Option<int[]>("--batch", "-b") { Description = "Batch sizes; each model is one member per batch.", DefaultValueFactory = _ => [1], AllowMultipleArgumentsPerToken = true };
        var shares = new Option<string?>("--shares") { Description = "Shares in percent: START:END:STEP or a comma list (default 10:100:10; on cuda:N every partition size the mechanism grants)." };
        string[] precisions = [.. Enum.GetValues<Precision>().Select(p => p.ToName())];
        var precision = new Option<string>("--precision", "-p") { Description = string.Join(" | ", precisions) + " (tf32: the TF32 tensor-core peak, Ampere and later; on cuda:N fp32 or tf32)", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong(precisions);
        var sequence = new Option<int>("--seq") { Description = "Sequence length of BERT members.", DefaultValueFactory = _ => 128 };
        var devices = new Option<string?>("--devices") { Description = "An esen-devices/1 file with more devices." };
        var json = new Option<string?>("--json") { Description = "Write the profile (esen-profile/1) to this file." };
        var problem = new Option<string?>("--problem") { Description = "Write an esen-problem/1 with one member per model to this file." };
        var kind = new Option<string>("--kind") { Description = "Problem kind: ensemble | cascade.", DefaultValueFactory = _ => "ensemble" };
        kind.AcceptOnlyFromAmong("ensemble", "cascade");
        var objective = new Option<string?>("--objective") { Description = "makespan (ensemble); period | latency (cascade, default latency)." };
        var reach = new Option<string?>("--reach") { Description = "Cascade: fraction of inputs reaching each stage, comma-separated (first is 1)." };
        var measured = new Option<bool>("--measured") { Description = "Measure instead of modelling: --device cpu on the CPU executor (a share's cores = its threads), --device cuda:N on real SM partitions." };
        var mechanism = new Option<string?>("--mechanism") { Description = "With --device cuda:N: green | mps-affinity (default: the first the GPU offers)." };
        var store = new Option<string?>("--store") { Description = "With --device cuda:N: the profile store folder (default $ESEN_PROFILE_STORE, else ~/.cache/esen/profiles)." };
        var deviceCount = new Option<int>("--device-count") { Description = "Devices of this type in the problem.", DefaultValueFactory = _ => 1 };

        var command = new Command("profile", "Latency per SM share and memory of each model on a device: the analytic cost model, or measured (--measured).");
        command.Arguments.Add(models);
        foreach (Option option in new Option[] { device, batch, shares, precision, sequence, devices, json, problem, kind, objective, reach, deviceCount, measured, mechanism, store })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            try
            {
                int[] batches = parse.GetValue(batch)!;
                if (batches.Length == 0 || batches.Any(b => b is < 1 or > 65536))
                {
                    throw new FormatException($"--batch must be in 1..65536, got {string.Join(' ', batches)}");
                }

                if (!PrecisionInfo.TryParse(parse.GetValue(precision)!, out Precision arithmetic))
                {
                    throw new FormatException($"--precision '{parse.GetValue(precision)}' is not one of {string.Join(", ", precisions)}");
                }

                ProfiledMember[] members = [.. parse.GetValue(models)!.SelectMany(m => batches.Select(b => new ProfiledMember(m, b, arithmetic, parse.GetValue(sequence))))];
                string deviceName = parse.GetValue(device)!;
                List<MemberProfile> profiles;
                ProfileTarget target;
                int[] percents;
                string source;
                if (DeviceSpec.TryParse(deviceName) is { Kind: DeviceKind.Cuda } cuda)
                {
                    if (!parse.GetValue(measured))
                    {
                        throw new FormatException($"--device {cuda} is a real GPU: add --measured to measure it, or plan with the cost model of a catalogue GPU (--device H200)");
                    }

                    PartitionMechanism? forced = ParseMechanism(parse.GetValue(mechanism));
                    GpuPrecision executorPrecision = PrecisionMap.CudaExecutor(arithmetic)
                        ?? throw new FormatException($"--precision {arithmetic.ToName()}: the CUDA executor computes {string.Join(" or ", GpuPrecisions.Names)}");
                    var measurer = new CudaGpuMeasurer(cuda.Ordinal, new CudaExecutorOptions { Precision = executorPrecision });
                    PartitionMechanism chosen = CudaRunnerFactory.ChooseMechanism(measurer.Capabilities, forced);
                    if (chosen == PartitionMechanism.None)
                    {
                        throw new NotSupportedException($"{measurer.Gpu} offers no SM partitions here ({string.Join("; ", PartitionPlanner.Assess(measurer.Capabilities).Where(a => !a.Available).Select(a => $"{a.Mechanism.ToName()}: {a.Reason}"))})");
                    }

                    SmPartitionPolicy policy = measurer.Policy(chosen);
                    percents = parse.GetValue(shares) is string text ? ParseShares(text) : [.. policy.GrantableShares()];
                    var profiler = new MeasuredGpuProfiler(measurer, parse.GetValue(store) is string folder ? new ProfileStore(folder) : new ProfileStore(), arithmetic.ToName(), line => error.WriteLine($"measuring {line}"));
                    target = new ProfileTarget($"{measurer.Gpu.Name} (cuda:{cuda.Ordinal})", "SMs", measurer.Gpu.MemoryBytes / (1024.0 * 1024.0), measurer.Gpu.Sms);
                    profiles = [.. members.Select(m => Measured(m, profiler, chosen, percents, policy))];
                    source = $"measured on {measurer.Gpu} with {chosen.ToName()} partitions, driver {NativeRuntime.FormatCudaVersion(measurer.Gpu.DriverVersion)} (median of {profiles[0].Runs} runs)";
                }
                else
                {
                    DeviceCatalog catalog = parse.GetValue(devices) is string file ? DeviceCatalog.BuiltIn.WithFile(file) : DeviceCatalog.BuiltIn;
                    Device catalogued = catalog.Find(deviceName);
                    percents = ParseShares(parse.GetValue(shares) ?? "10:100:10");
                    target = new ProfileTarget(catalogued.Name, catalogued is GpuDevice ? "SMs" : "cores", catalogued.MemoryMb, catalogued.Units);
                    profiles = [.. members.Select(m => Profile(m, catalogued, percents))];
                    source = "analytic cost model";
                    if (parse.GetValue(measured))
                    {
                        source = "measured on the CPU executor (median of 5 runs)";
                        profiles = [.. profiles.Select(p => p with { LatenciesMs = CpuProfiler.MeasureShares(p.Spec.Model, p.Spec.Batch, catalogued, p.Units, error) })];
                    }
                }

                WriteTable(profiles, target, percents, source, output);
                if (parse.GetValue(json) is string jsonPath)
                {
                    File.WriteAllText(jsonPath, ToJson(profiles, target, percents, source));
                    output.WriteLine($"profile written to {jsonPath}");
                }

                if (parse.GetValue(problem) is string problemPath)
                {
                    Problem built = BuildProblem(profiles, target, source, parse.GetValue(kind)!, parse.GetValue(objective), parse.GetValue(reach), parse.GetValue(deviceCount));
                    ProblemWriter.WriteFile(built, problemPath);
                    output.WriteLine($"problem written to {problemPath}");
                }

                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, error, "profile");
            }
        });
        return command;
    }

    private static PartitionMechanism? ParseMechanism(string? name) =>
        name is null ? null
        : PartitionMechanismNames.TryParse(name, out PartitionMechanism m) && m is PartitionMechanism.GreenContext or PartitionMechanism.MpsExecutionAffinity ? m
        : throw new FormatException($"--mechanism '{name}' is not green or mps-affinity");

    /// <summary>Parses "10:100:10" or "10,50,100" into sorted distinct shares in 1..100.</summary>
    /// <exception cref="FormatException">Malformed, or a share outside 1..100.</exception>
    public static int[] ParseShares(string text)
    {
        int[] values;
        string[] range = text.Split(':');
        if (range.Length == 3)
        {
            int[] bounds = [.. range.Select(ParseInt)];
            if (bounds[2] < 1 || bounds[0] > bounds[1])
            {
                throw new FormatException($"--shares '{text}': expected START:END:STEP with START <= END and STEP >= 1");
            }

            values = [.. Enumerable.Range(0, ((bounds[1] - bounds[0]) / bounds[2]) + 1).Select(i => bounds[0] + (i * bounds[2]))];
        }
        else
        {
            values = [.. text.Split(',').Select(ParseInt)];
        }

        return values.All(v => v is >= 1 and <= 100)
            ? [.. values.Distinct().Order()]
            : throw new FormatException($"--shares '{text}': every share must be in 1..100");

        int ParseInt(string part) => int.TryParse(part.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new FormatException($"--shares '{text}': '{part}' is not an integer");
    }

    private static MemberProfile Profile(ProfiledMember spec, Device device, int[] percents)
    {
        ModelWork work = spec.BuildWork();
        AnalyticCostModel model = AnalyticCostModel.Default;
        IReadOnlyList<KernelCost> kernels = model.Kernels(work, device);
        int[] units = [.. percents.Select(p => device.UnitsForShare(p))];
        double[] latencies = [.. units.Select(n => kernels.Sum(k => k.Seconds(n)) * 1000)];
        return new MemberProfile(spec, work, kernels, percents, units, latencies, work.MemoryBytes, 0);
    }

    private static MemberProfile Measured(ProfiledMember spec, MeasuredGpuProfiler profiler, PartitionMechanism mechanism, int[] percents, SmPartitionPolicy policy)
    {
        LayerGraph graph = spec.BuildGraph();
        string identity = MeasuredGpuProfiler.IdentityOf(spec.IsBuiltIn ? null : spec.Model, spec.IsBuiltIn ? spec.Model : null, new ZooOptions().Seed, graph);
        MeasuredMemberTable measured = profiler.Profile(spec.MemberName, graph, identity, spec.Batch, mechanism, percents);
        return new MemberProfile(spec, spec.BuildWork(), null, percents, [.. percents.Select(p => policy.SmsForShare(p))],
            [.. percents.Select(measured.Table.LatencyAt)], measured.Profile.MemoryBytes, measured.Profile.Points.Min(p => p.Runs));
    }

    private static void WriteTable(List<MemberProfile> profiles, ProfileTarget device, int[] percents, string source, TextWriter output)
    {
        var table = new TextTable([">share %", $">{device.UnitName}", .. profiles.Select(p => $">{p.Spec.MemberName} ms")]);
        for (int i = 0; i < percents.Length; i++)
        {
            table.AddRow([percents[i].ToString(CultureInfo.InvariantCulture), profiles[0].Units[i].ToString(CultureInfo.InvariantCulture),
                .. profiles.Select(p => p.LatenciesMs[i].ToString("F3", CultureInfo.InvariantCulture))]);
        }

        output.WriteLine($"{device.Name}: {source} (docs/cost-model.md)");
        table.WriteTo(output);
        output.WriteLine();
        var memory = new TextTable("member", ">kernels", ">GFLOP", ">DRAM MB", ">weights MB", ">activations MB", ">workspace MB", ">memory MB");
        foreach (MemberProfile p in profiles)
        {
            memory.AddRow(p.Spec.MemberName, p.Work.Kernels.Count.ToString(CultureInfo.InvariantCulture), F(p.Work.Flops / 1e9, "F2"),
                F(p.Work.DramBytes / 1e6, "F1"), Mb(p.Work.WeightBytes), Mb(p.Work.PeakActivationBytes), Mb(p.Work.WorkspaceBytes), Mb(p.MemoryBytes));
        }

        memory.WriteTo(output);
    }

    private static Problem BuildProblem(List<MemberProfile> profiles, ProfileTarget device, string source, string kindName, string? objectiveName, string? reachText, int deviceCount)
    {
        if (deviceCount < 1)
        {
            throw new FormatException("--device-count must be at least 1");
        }

        ProblemKind kind = ProblemObjectives.ParseKind(kindName)!.Value;
        Objective objective = objectiveName is null
            ? (kind == ProblemKind.Ensemble ? Objective.Makespan : Objective.Latency)
            : ProblemObjectives.ParseObjective(objectiveName) ?? throw new FormatException($"--objective '{objectiveName}' is not makespan, period or latency");
        double[] reach = kind == ProblemKind.Cascade
            ? ParseReach(reachText, profiles.Count)
            : reachText is null ? [.. profiles.Select(_ => 1.0)] : throw new FormatException("--reach applies to cascades only");
        var names = new HashSet<string>();
        var members = profiles.Select((p, i) =>
        {
            string name = p.Spec.MemberName;
            for (int copy = 2; !names.Add(name); copy++)
            {
                name = $"{p.Spec.MemberName}-{copy}";
            }

            return new ProblemMember(name, Math.Ceiling(p.MemoryBytes / (1024.0 * 1024.0)), new LatencyTable(p.Shares, p.LatenciesMs), reach[i]);
        }).ToList();
        var devices = Enumerable.Range(0, deviceCount).Select(i => new ProblemDevice(deviceCount == 1 ? device.Name : $"{device.Name}-{i}", Math.Floor(device.MemoryMb))).ToList();
        string description = $"esen profile: {source} on {device.Name}; members are ARCH-bBATCH[-sSEQ]-PRECISION";
        try
        {
            return new Problem(kind, objective, devices, members, description);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"cannot build the problem: {e.Message}", e);
        }
    }

    private static double[] ParseReach(string? text, int stages)
    {
        if (text is null)
        {
            throw new FormatException("--kind cascade needs --reach with one fraction per model");
        }

        double[] values = [.. text.Split(',').Select(part => double.TryParse(part.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new FormatException($"--reach: '{part}' is not a number"))];
        return values.Length == stages ? values : throw new FormatException($"--reach has {values.Length} values for {stages} models");
    }

    private static string ToJson(List<MemberProfile> profiles, ProfileTarget device, int[] percents, string source)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("format", ProfileFormat);
            json.WriteString("device", device.Name);
            json.WriteString("source", source);
            json.WriteStartArray("members");
            foreach (MemberProfile p in profiles)
            {
                json.WriteStartObject();
                json.WriteString("name", p.Spec.MemberName);
                json.WriteString("model", p.Spec.ModelName);
                json.WriteNumber("batch", p.Spec.Batch);
                json.WriteString("precision", p.Spec.Precision.ToName());
                json.WriteNumber("gflops", Math.Round(p.Work.Flops / 1e9, 4));
                json.WriteNumber("dram_mb", Math.Round(p.Work.DramBytes / 1e6, 3));
                json.WriteNumber("weights_mb", MbValue(p.Work.WeightBytes));
                json.WriteNumber("activations_mb", MbValue(p.Work.PeakActivationBytes));
                json.WriteNumber("workspace_mb", MbValue(p.Work.WorkspaceBytes));
                json.WriteNumber("memory_mb", MbValue(p.MemoryBytes));
                json.WriteStartObject("units");
                for (int i = 0; i < percents.Length; i++)
                {
                    json.WriteNumber(percents[i].ToString(CultureInfo.InvariantCulture), p.Units[i]);
                }

                json.WriteEndObject();
                json.WriteStartObject("latency_ms");
                for (int i = 0; i < percents.Length; i++)
                {
                    json.WriteNumber(percents[i].ToString(CultureInfo.InvariantCulture), Math.Round(p.LatenciesMs[i], 4));
                }

                json.WriteEndObject();
                if (p.Kernels is null)
                {
                    json.WriteEndObject();
                    continue;
                }

                json.WriteStartArray("kernels");
                for (int k = 0; k < p.Kernels.Count; k++)
                {
                    LayerWork layer = p.Work.Kernels[k];
                    json.WriteStartObject();
                    json.WriteString("name", layer.Name);
                    json.WriteString("op", layer.Op.ToString().ToLowerInvariant());
                    json.WriteNumber("gflops", Math.Round(layer.Flops / 1e9, 6));
                    json.WriteNumber("dram_mb", Math.Round(layer.DramBytes / 1e6, 4));
                    json.WriteNumber("ctas", p.Kernels[k].Ctas);
                    json.WriteNumber("ms_full_device", Math.Round(p.Kernels[k].Seconds(device.Units) * 1000, 5));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => F(MbValue(bytes), "F1");

    private static double MbValue(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 2);

    /// <summary>A member's row: the cost model's kernels (null when measured), its table and its memory.</summary>
    private sealed record MemberProfile(ProfiledMember Spec, ModelWork Work, IReadOnlyList<KernelCost>? Kernels, int[] Shares, int[] Units, double[] LatenciesMs, long MemoryBytes, int Runs);

    /// <summary>The device profiled: a catalogue device or a real GPU.</summary>
    private sealed record ProfileTarget(string Name, string UnitName, double MemoryMb, int Units);
}
