using System.Text.Json;
using Esen.Solver.Formats;

namespace Esen.Solver.Profiles;

/// <summary>Writes and strictly reads one <c>esen-measured/1</c> store entry.</summary>
internal static class MeasuredProfileJson
{
    private static readonly string[] s_rootFields = ["format", "key", "memory_bytes", "measured_at", "points"];
    private static readonly string[] s_keyFields = ["gpu", "sms", "driver_version", "mechanism", "precision", "batch", "model"];
    private static readonly string[] s_pointFields = ["sms", "median_ms", "runs", "p10_ms", "p90_ms"];

    /// <summary>Writes the entry as indented UTF-8 JSON (doubles in shortest round-trip form).</summary>
    public static void Write(MeasuredProfile profile, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions);
        json.WriteStartObject();
        json.WriteString("format", MeasuredProfile.FormatTag);
        json.WritePropertyName("key");
        profile.Key.WriteTo(json);
        json.WriteNumber("memory_bytes", profile.MemoryBytes);
        json.WriteString("measured_at", profile.MeasuredAt);
        json.WriteStartArray("points");
        foreach (MeasuredPoint point in profile.Points)
        {
            json.WriteStartObject();
            json.WriteNumber("sms", point.Sms);
            json.WriteNumber("median_ms", point.MedianMs);
            json.WriteNumber("runs", point.Runs);
            json.WriteNumber("p10_ms", point.P10Ms);
            json.WriteNumber("p90_ms", point.P90Ms);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Reads an entry; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="OtherFormatException">The entry was written in another format.</exception>
    /// <exception cref="JsonFormatException">The entry is not valid <c>esen-measured/1</c> (torn, edited, ...).</exception>
    public static MeasuredProfile Read(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new JsonFormatException(source, "$", $"not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", ex);
        }

        using (document)
        {
            return new Reader(source).ReadRoot(document.RootElement);
        }
    }

    private sealed class Reader(string source) : StrictJsonReader
    {
        public MeasuredProfile ReadRoot(JsonElement root)
        {
            // The format is checked before the fields: another version may have other fields.
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("format", out JsonElement f)
                && f.ValueKind == JsonValueKind.String && f.GetString() != MeasuredProfile.FormatTag)
            {
                throw new OtherFormatException(source, f.GetString()!);
            }

            Dictionary<string, JsonElement> fields = Fields(root, "$", s_rootFields);
            String(Required(fields, "format", "$"), "$.format");
            MeasuredProfileKey key = ReadKey(Required(fields, "key", "$"), "$.key");
            long memoryBytes = Integer(Required(fields, "memory_bytes", "$"), "$.memory_bytes");
            JsonElement measuredAt = Required(fields, "measured_at", "$");
            if (measuredAt.ValueKind != JsonValueKind.String || !measuredAt.TryGetDateTimeOffset(out DateTimeOffset at))
            {
                throw Error("$.measured_at", $"expected an ISO 8601 date and time, got {Describe(measuredAt)}");
            }

            MeasuredPoint[] points = [.. Array(Required(fields, "points", "$"), "$.points").Select((e, i) => ReadPoint(e, $"$.points[{i}]"))];
            return Construct("$", () => new MeasuredProfile(key, points, memoryBytes, at));
        }

        private MeasuredProfileKey ReadKey(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_keyFields);
            string Text(string name) => String(Required(fields, name, path), $"{path}.{name}");
            int Int(string name) => Int32(Required(fields, name, path), $"{path}.{name}");
            return Construct(path, () => new MeasuredProfileKey(
                Text("gpu"), Int("sms"), Int("driver_version"), Text("mechanism"), Text("precision"), Int("batch"), Text("model")));
        }

        private MeasuredPoint ReadPoint(JsonElement element, string path)
        {
            Dictionary<string, JsonElement> fields = Fields(element, path, s_pointFields);
            double Ms(string name) => Number(Required(fields, name, path), $"{path}.{name}");
            int sms = Int32(Required(fields, "sms", path), $"{path}.sms");
            int runs = Int32(Required(fields, "runs", path), $"{path}.runs");
            return Construct(path, () => new MeasuredPoint(sms, Ms("median_ms"), runs, Ms("p10_ms"), Ms("p90_ms")));
        }

        private long Integer(JsonElement element, string path) =>
            element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long value)
                ? value
                : throw Error(path, $"expected an integer, got {Describe(element)}");

        private int Int32(JsonElement element, string path) =>
            element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value)
                ? value
                : throw Error(path, $"expected an integer, got {Describe(element)}");

        /// <summary>Runs a validating constructor, turning its refusal into an error at <paramref name="path"/>.</summary>
        private T Construct<T>(string path, Func<T> create)
        {
            try
            {
                return create();
            }
            catch (ArgumentException ex)
            {
                throw Error(path, ex.Message);
            }
        }

        protected override JsonFormatException Error(string path, string detail) => new(source, path, detail);
    }
}

/// <summary>A store entry written in another format than <see cref="MeasuredProfile.FormatTag"/>.</summary>
internal sealed class OtherFormatException(string source, string format)
    : JsonFormatException(source, "$.format", $"written as '{format}', this Esen reads '{MeasuredProfile.FormatTag}'");
