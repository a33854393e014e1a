using System.Globalization;
using System.Text;
using System.Text.Json;
using Esen.Solver.Formats;

namespace Esen.Solver.Problems;

/// <summary>
/// Writes <c>esen-problem/1</c> JSON that <see cref="ProblemReader"/> reads back to an equal problem
/// (doubles are written in their shortest round-trip form).
/// </summary>
public static class ProblemWriter
{
    /// <summary>Writes <paramref name="problem"/> to a file (UTF-8, indented, trailing newline).</summary>
    public static void WriteFile(Problem problem, string path) => File.WriteAllText(path, ToJson(problem));

    /// <summary>The problem as indented JSON text with a trailing newline.</summary>
    public static string ToJson(Problem problem)
    {
        using var stream = new MemoryStream();
        Write(problem, stream);
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Writes the problem as indented UTF-8 JSON to <paramref name="stream"/>.</summary>
    public static void Write(Problem problem, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions);
        json.WriteStartObject();
        json.WriteString("format", Problem.FormatTag);
        json.WriteString("kind", problem.Kind.ToJsonName());
        json.WriteString("objective", problem.Objective.ToJsonName());
        if (problem.Description is not null)
        {
            json.WriteString("description", problem.Description);
        }

        if (problem.LinkGbps is double link)
        {
            json.WriteNumber("link_gbps", link);
        }

        json.WriteStartArray("devices");
        foreach (ProblemDevice device in problem.Devices)
        {
            json.WriteStartObject();
            json.WriteString("name", device.Name);
            json.WriteNumber("memory_mb", device.MemoryMb);
            WriteUnlessNull(json, "node", device.Node);
            WriteUnlessNull(json, "gpu", device.Gpu);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("members");
        foreach (ProblemMember member in problem.Members)
        {
            json.WriteStartObject();
            json.WriteString("name", member.Name);
            json.WriteNumber("memory_mb", member.MemoryMb);
            if (problem.Kind == ProblemKind.Cascade)
            {
                json.WriteNumber("reach", member.Reach);
            }

            if (problem.Kind == ProblemKind.Multitenant)
            {
                json.WriteNumber("weight", member.Weight);
            }

            if (member.Batches is { } batches && member.Slo is { } slo)
            {
                json.WriteStartObject("slo");
                json.WriteNumber("rate_rps", slo.RateRps);
                json.WriteNumber("p99_ms", slo.P99Ms);
                json.WriteEndObject();
                json.WriteStartObject("batch_latency_ms");
                for (int b = 0; b < batches.Batches.Count; b++)
                {
                    WriteTable(json, batches.Batches[b].ToString(CultureInfo.InvariantCulture), batches.Tables[b]);
                }

                json.WriteEndObject();
            }
            else
            {
                WriteTable(json, "latency_ms", member.LatencyMs);
                if (member.Replicas != 1)
                {
                    json.WriteNumber("replicas", member.Replicas);
                }

                if (member.InputBytes != 0 || member.OutputBytes != 0)
                {
                    json.WriteNumber("input_bytes", member.InputBytes);
                    json.WriteNumber("output_bytes", member.OutputBytes);
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteUnlessNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteTable(Utf8JsonWriter json, string name, LatencyTable table)
    {
        json.WriteStartObject(name);
        for (int i = 0; i < table.Count; i++)
        {
            json.WriteNumber(table.Shares[i].ToString(CultureInfo.InvariantCulture), table.LatenciesMs[i]);
        }

        json.WriteEndObject();
    }
}
