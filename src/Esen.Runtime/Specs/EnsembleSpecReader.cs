using Esen.Solver.Formats;
using System.Text.Json;
using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;

namespace Esen.Runtime.Specs;

/// <summary>
/// Reads <c>esen-ensemble/1</c> JSON (docs/ensemble-format.md). Every error is an
/// <see cref="EnsembleSpecException"/> naming the source and the JSON path; unknown fields are errors.
/// </summary>
public static class EnsembleSpecReader
{
    private static readonly string[] s_rootFields =
        ["format", "kind", "combine", "exit", "device", "members", "input", "batching", "solver", "description", "precision", "cuda"];

    private static readonly string[] s_memberFields = ["name", "model", "architecture", "seed", "weight", "device", "share"];
    private static readonly string[] s_exitFields = ["rule", "threshold"];
    private static readonly string[] s_inputFields = ["name", "shape"];
    private static readonly string[] s_batchingFields = ["max_batch", "max_delay_ms"];
    private static readonly string[] s_cudaFields = ["cudnn", "measure_convolutions", "cuda_graphs", "rewrites", "convolution_workspace_mib"];

    /// <summary>Reads a spec file; model paths are resolved against the file's folder.</summary>
    /// <exception cref="EnsembleSpecException">The file is unreadable or invalid.</exception>
    public static EnsembleSpec ReadFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EnsembleSpecException(path, "$", $"cannot read the file: {ex.Message}", ex);
        }

        return Read(json, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    /// <summary>Reads a spec from JSON text; <paramref name="sourceName"/> names it in errors.</summary>
    /// <param name="baseDirectory">The folder relative model paths are resolved against.</param>
    /// <exception cref="EnsembleSpecException">The spec is invalid.</exception>
    public static EnsembleSpec Read(string json, string sourceName, string baseDirectory)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new EnsembleSpecException(sourceName, "$", $"not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", ex);
        }

        using (document)
        {
            return new Reader(sourceName, baseDirectory).ReadRoot(document.RootElement);
        }
    }

    private sealed class Reader(string source, string baseDirectory) : StrictJsonReader
    {
        public EnsembleSpec ReadRoot(JsonElement root)
        {
            Dictionary<string, JsonElement> fields = Fields(root, "$", s_rootFields);
            string format = String(Required(fields, "format", "$"), "$.format");
            if (format != EnsembleSpec.FormatTag)
            {
                throw Error("$.format", $"unsupported format '{format}' (expected '{EnsembleSpec.FormatTag}')");
            }

            string kindName = String(Required(fields, "kind", "$"), "$.kind");
            EnsembleKind kind = kindName switch
            {
                "ensemble" => EnsembleKind.Ensemble,
                "cascade" => EnsembleKind.Cascade,
                _ => throw Error("$.kind", $"unknown kind '{kindName}' (known: ensemble, cascade)"),
            };

            DeviceSpec device = fields.TryGetValue("device", out JsonElement d) ? ReadDevice(d, "$.device") : DeviceSpec.Cpu;
            JsonElement[] memberElements = Array(Required(fields, "members", "$"), "$.members");
            if (memberElements.Length == 0)
            {
                throw Error("$.members", "an ensemble needs at least one member");
            }

            MemberSpec[] members = [.. memberElements.Select((e, i) => ReadMember(e, $"$.members[{i}]"))];
            for (int i = 0; i < members.Length; i++)
            {
                if (members.Take(i).Any(m => m.Name == members[i].Name))
                {
                    throw Error($"$.members[{i}].name", $"name '{members[i].Name}' is used by an earlier member");
                }
            }

            CombineRule combine = CombineRule.Mean;
            ExitSpec? exit = null;
            if (kind == EnsembleKind.Ensemble)
            {
                if (fields.ContainsKey("exit"))
                {
                    throw Error("$.exit", "only a cascade has an exit rule");
                }

                string rule = String(Required(fields, "combine", "$"), "$.combine");
                combine = rule switch
                {
                    "mean" => CombineRule.Mean,
                    "weighted" => CombineRule.Weighted,
                    "vote" => CombineRule.Vote,
                    "max" => CombineRule.Max,
                    _ => throw Error("$.combine", $"unknown rule '{rule}' (known: mean, weighted, vote, max)"),
                };
                if (combine is CombineRule.Mean or CombineRule.Max)
                {
                    int weighted = System.Array.FindIndex(members, m => m.Weight != 1.0);
                    if (weighted >= 0)
                    {
                        throw Error($"$.members[{weighted}].weight", $"'{rule}' ignores weights; use \"combine\": \"weighted\" or \"vote\"");
                    }
                }
            }
            else
            {
                if (fields.ContainsKey("combine"))
                {
                    throw Error("$.combine", "a cascade answers with the stage an input leaves at; it has no combination rule");
                }

                int weighted = System.Array.FindIndex(members, m => m.Weight != 1.0);
                if (weighted >= 0)
                {
                    throw Error($"$.members[{weighted}].weight", "a cascade has no weights");
                }

                exit = ReadExit(Required(fields, "exit", "$"), "$.exit", members.Length);
            }

            InputSpec? input = fields.TryGetValue("input", out JsonElement inputElement) ? ReadInput(inputElement, "$.input") : null;
            if (input is null && members.All(m => m.ModelPath is null))
            {
                throw Error("$.input", "missing required field: built-in architectures take their input shape from it");
            }

            BatchingSpec batching = fields.TryGetValue("batching", out JsonElement b) ? ReadBatching(b, "$.batching") : BatchingSpec.Default;
            string solver = fields.TryGetValue("solver", out JsonElement s) ? String(s, "$.solver") : "search";
            if (!EnsembleSpec.Solvers.Contains(solver))
            {
                throw Error("$.solver", $"unknown solver '{solver}' (known: {string.Join(", ", EnsembleSpec.Solvers)})");
            }

            string? description = fields.TryGetValue("description", out JsonElement text) ? String(text, "$.description") : null;
            GpuPrecision precision = fields.TryGetValue("precision", out JsonElement p) ? ReadPrecision(p, "$.precision") : GpuPrecision.Fp32;
            var spec = new EnsembleSpec(source, kind, combine, exit, device, members, input, batching, solver, description, precision)
            {
                Cuda = fields.TryGetValue("cuda", out JsonElement cuda) ? ReadCuda(cuda, "$.cuda") : new CudaExecutorOptions(),
            };
            if (spec.FixedSharesProblem() is (string at, string problem))
            {
                throw Error(at, problem);
            }

            if (spec.FixesShares && fields.ContainsKey("solver"))
            {
                throw Error("$.solver", "the members' shares fix the plan, so no solver plans it; remove 'solver' or the shares");
            }

            return spec;
        }

        private MemberSpec ReadMember(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_memberFields);
            string name = String(Required(fields, "name", path), $"{path}.name");
            if (name.Length == 0)
            {
                throw Error($"{path}.name", "a member name cannot be empty");
            }

            bool hasModel = fields.TryGetValue("model", out JsonElement model);
            bool hasArchitecture = fields.TryGetValue("architecture", out JsonElement architecture);
            if (hasModel == hasArchitecture)
            {
                throw Error(path, "a member needs exactly one of 'model' (an ONNX file) and 'architecture' (a built-in one)");
            }

            string? modelPath = null;
            if (hasModel)
            {
                string relative = String(model, $"{path}.model");
                modelPath = Path.GetFullPath(Path.Combine(baseDirectory, relative));
                if (!File.Exists(modelPath))
                {
                    throw Error($"{path}.model", $"no such file: {modelPath}");
                }

                if (fields.ContainsKey("seed"))
                {
                    throw Error($"{path}.seed", "only a built-in architecture has a seed (an ONNX model has its weights)");
                }
            }

            string? architectureName = hasArchitecture ? String(architecture, $"{path}.architecture") : null;
            int seed = fields.TryGetValue("seed", out JsonElement s) ? Integer(s, $"{path}.seed", int.MinValue) : 0;
            double weight = fields.TryGetValue("weight", out JsonElement w) ? Number(w, $"{path}.weight") : 1.0;
            if (!(weight > 0) || double.IsInfinity(weight))
            {
                throw Error($"{path}.weight", $"weight {weight} must be a positive finite number");
            }

            DeviceSpec? device = fields.TryGetValue("device", out JsonElement d) ? ReadDevice(d, $"{path}.device") : null;
            int? share = fields.TryGetValue("share", out JsonElement p) ? Integer(p, $"{path}.share", 1) : null;
            return new MemberSpec(name, modelPath, architectureName, seed, weight, device, share);
        }

        private ExitSpec ReadExit(JsonElement element, string path, int stages)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_exitFields);
            string rule = String(Required(fields, "rule", path), $"{path}.rule");
            if (rule != ExitSpec.MaxSoftmax)
            {
                throw Error($"{path}.rule", $"unknown exit rule '{rule}' (known: {ExitSpec.MaxSoftmax})");
            }

            if (stages < 2)
            {
                throw Error("$.members", "a cascade needs at least two stages");
            }

            JsonElement threshold = Required(fields, "threshold", path);
            double[] thresholds = threshold.ValueKind == JsonValueKind.Array
                ? [.. threshold.EnumerateArray().Select((t, i) => Number(t, $"{path}.threshold[{i}]"))]
                : [.. Enumerable.Repeat(Number(threshold, $"{path}.threshold"), stages - 1)];
            if (thresholds.Length != stages - 1)
            {
                throw Error($"{path}.threshold", $"{thresholds.Length} thresholds for {stages} stages; give one per stage but the last, or a single number");
            }

            for (int i = 0; i < thresholds.Length; i++)
            {
                if (!(thresholds[i] >= 0 && thresholds[i] <= 1))
                {
                    string at = threshold.ValueKind == JsonValueKind.Array ? $"{path}.threshold[{i}]" : $"{path}.threshold";
                    throw Error(at, $"threshold {thresholds[i]} is outside [0, 1] (a softmax probability)");
                }
            }

            return new ExitSpec(thresholds);
        }

        private InputSpec ReadInput(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_inputFields);
            string name = String(Required(fields, "name", path), $"{path}.name");
            JsonElement[] dims = Array(Required(fields, "shape", path), $"{path}.shape");
            if (dims.Length < 2)
            {
                throw Error($"{path}.shape", "expected the batch dimension \"N\" followed by at least one sample dimension");
            }

            var shape = new long[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                string at = $"{path}.shape[{i}]";
                if (i == 0)
                {
                    if (dims[0].ValueKind != JsonValueKind.String || dims[0].GetString() != "N")
                    {
                        throw Error(at, "the first dimension is the batch and must be \"N\"");
                    }

                    shape[0] = TensorShape.Dynamic;
                    continue;
                }

                shape[i] = Integer(dims[i], at, 1);
            }

            try
            {
                _ = new TensorShape(shape).WithBatch(1).ElementCount;
            }
            catch (InvalidOperationException ex)
            {
                throw Error($"{path}.shape", ex.Message);
            }

            return new InputSpec(name, new TensorShape(shape));
        }

        private BatchingSpec ReadBatching(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_batchingFields);
            int maxBatch = fields.TryGetValue("max_batch", out JsonElement b) ? Integer(b, $"{path}.max_batch", 1) : BatchingSpec.Default.MaxBatch;
            double delay = fields.TryGetValue("max_delay_ms", out JsonElement d) ? Number(d, $"{path}.max_delay_ms") : BatchingSpec.Default.MaxDelayMs;
            if (!(delay >= 0) || delay > 60_000)
            {
                throw Error($"{path}.max_delay_ms", $"{delay} ms is outside 0 .. 60000");
            }

            return new BatchingSpec(maxBatch, delay);
        }

        // The executor's knobs a spec may set; the ordinal and precision come from "device" and "precision".
        private CudaExecutorOptions ReadCuda(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_cudaFields);
            var defaults = new CudaExecutorOptions();
            bool Flag(string name, bool fallback) => fields.TryGetValue(name, out JsonElement value) ? Boolean(value, $"{path}.{name}") : fallback;
            return defaults with
            {
                UseCudnn = Flag("cudnn", defaults.UseCudnn),
                MeasureConvolutions = Flag("measure_convolutions", defaults.MeasureConvolutions),
                UseCudaGraphs = Flag("cuda_graphs", defaults.UseCudaGraphs),
                Optimize = Flag("rewrites", defaults.Optimize),
                ConvolutionWorkspaceLimitBytes = fields.TryGetValue("convolution_workspace_mib", out JsonElement mib)
                    ? (long)Integer(mib, $"{path}.convolution_workspace_mib", 0) << 20
                    : defaults.ConvolutionWorkspaceLimitBytes,
            };
        }

        private GpuPrecision ReadPrecision(JsonElement element, string path)
        {
            string name = String(element, path);
            return GpuPrecisions.TryParse(name, out GpuPrecision precision)
                ? precision
                : throw Error(path, $"unknown precision '{name}' (known: {string.Join(", ", GpuPrecisions.Names)})");
        }

        private DeviceSpec ReadDevice(JsonElement element, string path)
        {
            string text = String(element, path);
            return DeviceSpec.TryParse(text) ?? throw Error(path, $"unknown device '{text}' (expected cpu, cuda:N or sim:NAME such as sim:h100)");
        }

        private int Integer(JsonElement element, string path, int minimum)
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int value))
            {
                throw Error(path, $"expected an integer, got {Describe(element)}");
            }

            return value >= minimum ? value : throw Error(path, $"{value} is below the minimum {minimum}");
        }

        protected override JsonFormatException Error(string path, string detail) => new EnsembleSpecException(source, path, detail);
    }
}
