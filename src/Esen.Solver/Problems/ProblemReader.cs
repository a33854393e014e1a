using Esen.Solver.Formats;
using System.Globalization;
using System.Text.Json;

namespace Esen.Solver.Problems;

/// <summary>
/// Reads <c>esen-problem/1</c> JSON. Every error is a <see cref="ProblemFormatException"/> that names
/// the source and the JSON path; warnings (e.g. non-monotone tables) end up in <see cref="Problem.Warnings"/>.
/// </summary>
public static class ProblemReader
{
    private static readonly string[] s_rootFields = ["format", "kind", "objective", "description", "link_gbps", "devices", "members"];
    private static readonly string[] s_deviceFields = ["name", "memory_mb", "node", "gpu"];
    private static readonly string[] s_ensembleMemberFields = ["name", "memory_mb", "latency_ms", "replicas", "input_bytes", "output_bytes"];
    private static readonly string[] s_cascadeMemberFields = ["name", "memory_mb", "reach", "latency_ms", "replicas", "input_bytes", "output_bytes"];
    private static readonly string[] s_tenantMemberFields = ["name", "memory_mb", "weight", "latency_ms"];
    private static readonly string[] s_servingMemberFields = ["name", "memory_mb", "slo", "batch_latency_ms"];
    private static readonly string[] s_sloFields = ["rate_rps", "p99_ms"];

    /// <summary>Reads and validates a problem file.</summary>
    public static Problem ReadFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProblemFormatException(path, "$", $"cannot read the file: {ex.Message}", ex);
        }

        return Read(json, path);
    }

    /// <summary>Reads and validates a problem from JSON text; <paramref name="sourceName"/> names it in errors.</summary>
    public static Problem Read(string json, string sourceName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ProblemFormatException(sourceName, "$", $"not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", ex);
        }

        using (document)
        {
            var reader = new Reader(sourceName);
            Problem problem = reader.ReadRoot(document.RootElement);
            IReadOnlyList<ProblemIssue> issues = ProblemValidator.Check(problem);
            ProblemIssue[] errors = [.. issues.Where(i => i.IsError)];
            if (errors.Length > 0)
            {
                string more = errors.Length > 1 ? $" (and {errors.Length - 1} more: {string.Join("; ", errors.Skip(1))})" : "";
                throw new ProblemFormatException(sourceName, errors[0].Path, errors[0].Message + more);
            }

            problem.Warnings = [.. issues];
            return problem;
        }
    }

    private sealed class Reader(string source) : StrictJsonReader
    {
        public Problem ReadRoot(JsonElement root)
        {
            Dictionary<string, JsonElement> fields = Fields(root, "$", s_rootFields);
            string format = String(Required(fields, "format", "$"), "$.format");
            if (format != Problem.FormatTag)
            {
                throw Error("$.format", $"unsupported format '{format}' (expected '{Problem.FormatTag}')");
            }

            string kindName = String(Required(fields, "kind", "$"), "$.kind");
            ProblemKind kind = ProblemObjectives.ParseKind(kindName) ?? throw Error("$.kind", $"unknown kind '{kindName}' (known: ensemble, cascade, serving, multitenant)");
            string objectiveName = String(Required(fields, "objective", "$"), "$.objective");
            Objective objective = ProblemObjectives.ParseObjective(objectiveName) ?? throw Error("$.objective", $"unknown objective '{objectiveName}' (known: makespan, period, latency, share)");
            string? description = fields.TryGetValue("description", out JsonElement d) ? String(d, "$.description") : null;
            double? link = fields.TryGetValue("link_gbps", out JsonElement l) ? Number(l, "$.link_gbps") : null;

            ProblemDevice[] devices = [.. Array(Required(fields, "devices", "$"), "$.devices").Select((e, i) => ReadDevice(e, $"$.devices[{i}]"))];
            ProblemMember[] members = [.. Array(Required(fields, "members", "$"), "$.members").Select((e, i) => ReadMember(e, $"$.members[{i}]", kind))];
            return new Problem(kind, objective, devices, members, description, link);
        }

        private ProblemDevice ReadDevice(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_deviceFields);
            return new ProblemDevice(
                String(Required(fields, "name", path), $"{path}.name"),
                Number(Required(fields, "memory_mb", path), $"{path}.memory_mb"),
                fields.TryGetValue("node", out JsonElement node) ? String(node, $"{path}.node") : null,
                fields.TryGetValue("gpu", out JsonElement gpu) ? String(gpu, $"{path}.gpu") : null);
        }

        private ProblemMember ReadMember(JsonElement element, string path, ProblemKind kind)
        {
            if (kind == ProblemKind.Serving)
            {
                return ReadServingMember(element, path);
            }

            bool cascade = kind == ProblemKind.Cascade, tenant = kind == ProblemKind.Multitenant;
            Dictionary<string, JsonElement> fields = Fields(element, path, cascade ? s_cascadeMemberFields : tenant ? s_tenantMemberFields : s_ensembleMemberFields);
            return new ProblemMember(
                String(Required(fields, "name", path), $"{path}.name"),
                Number(Required(fields, "memory_mb", path), $"{path}.memory_mb"),
                ReadTable(Required(fields, "latency_ms", path), $"{path}.latency_ms"),
                cascade ? Number(Required(fields, "reach", path), $"{path}.reach") : 1.0,
                Weight: tenant && fields.TryGetValue("weight", out JsonElement weight) ? Number(weight, $"{path}.weight") : 1.0,
                Replicas: fields.TryGetValue("replicas", out JsonElement replicas) ? WholeNumber(replicas, $"{path}.replicas") : 1,
                InputBytes: fields.TryGetValue("input_bytes", out JsonElement input) ? Number(input, $"{path}.input_bytes") : 0,
                OutputBytes: fields.TryGetValue("output_bytes", out JsonElement output) ? Number(output, $"{path}.output_bytes") : 0);
        }

        private ProblemMember ReadServingMember(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_servingMemberFields);
            string name = String(Required(fields, "name", path), $"{path}.name");
            double memoryMb = Number(Required(fields, "memory_mb", path), $"{path}.memory_mb");
            string sloPath = $"{path}.slo";
            Dictionary<string, JsonElement> slo = Fields(Required(fields, "slo", path), sloPath, s_sloFields);
            var objective = new ServiceLevelObjective(
                Number(Required(slo, "rate_rps", sloPath), $"{sloPath}.rate_rps"),
                Number(Required(slo, "p99_ms", sloPath), $"{sloPath}.p99_ms"));
            string batchesPath = $"{path}.batch_latency_ms";
            var batches = new BatchLatencyTable(IntegerKeyed(Required(fields, "batch_latency_ms", path), batchesPath, "batch size", "an object mapping batch size to a latency table", ReadTable));
            return batches.Batches.Count > 0
                ? ProblemMember.Serving(name, memoryMb, objective, batches)
                : throw Error(batchesPath, "at least one batch size is needed");
        }

        private int WholeNumber(JsonElement element, string path) =>
            element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value)
                ? value
                : throw Error(path, $"expected an integer, got {Describe(element)}");

        private LatencyTable ReadTable(JsonElement element, string path) =>
            new(IntegerKeyed(element, path, "share", "an object mapping share (percent) to latency (ms)", Number));

        // An object whose keys are integers (shares, batch sizes), each key once.
        private Dictionary<int, T> IntegerKeyed<T>(JsonElement element, string path, string keyName, string expected, Func<JsonElement, string, T> readValue)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, $"expected {expected}, got {Describe(element)}");
            }

            var entries = new Dictionary<int, T>();
            foreach (JsonProperty property in element.EnumerateObject())
            {
                string entryPath = $"{path}.{property.Name}";
                if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int key))
                {
                    throw Error(entryPath, $"{keyName} '{property.Name}' is not an integer{(keyName == "share" ? " percent" : "")}");
                }

                if (!entries.TryAdd(key, readValue(property.Value, entryPath)))
                {
                    throw Error(entryPath, $"{keyName} {key} appears twice");
                }
            }

            return entries;
        }

        protected override JsonFormatException Error(string path, string detail) => new ProblemFormatException(source, path, detail);
    }
}
