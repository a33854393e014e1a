using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Esen.Serving.Export;

/// <summary>
/// A YAML document built from maps (ordered key/value pairs), lists and scalars, written in block style.
/// Strings are double-quoted with JSON escapes, which YAML 1.2 reads as the same strings (its
/// double-quoted style is a superset of JSON's), so no value is ever mistaken for a number or a boolean;
/// a string with line breaks becomes a literal block (<c>|</c>), as Kubernetes ConfigMap files are written.
/// </summary>
public static class Yaml
{
    private static readonly JsonSerializerOptions s_quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A map whose keys keep the order given.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Map(params (string Key, object? Value)[] entries) =>
        [.. entries.Where(e => e.Value is not null).Select(e => KeyValuePair.Create(e.Key, e.Value))];

    /// <summary>Writes <paramref name="document"/> (a map) as YAML text ending in a line break.</summary>
    public static string Write(IReadOnlyList<KeyValuePair<string, object?>> document)
    {
        var text = new StringBuilder();
        WriteMap(text, document, 0);
        return text.ToString();
    }

    /// <summary>Several documents in one stream, separated by <c>---</c>.</summary>
    public static string WriteAll(IEnumerable<IReadOnlyList<KeyValuePair<string, object?>>> documents) =>
        string.Join("---\n", documents.Select(Write));

    private static void WriteMap(StringBuilder text, IReadOnlyList<KeyValuePair<string, object?>> map, int indent)
    {
        foreach ((string key, object? value) in map)
        {
            text.Append(' ', indent).Append(Key(key)).Append(':');
            WriteValue(text, value, indent);
        }
    }

    private static void WriteValue(StringBuilder text, object? value, int indent)
    {
        switch (value)
        {
            case IReadOnlyList<KeyValuePair<string, object?>> { Count: 0 }:
                text.Append(" {}\n");
                break;
            case IReadOnlyList<KeyValuePair<string, object?>> map:
                text.Append('\n');
                WriteMap(text, map, indent + 2);
                break;
            case string s when s.Contains('\n', StringComparison.Ordinal):
                text.Append(" |\n");
                foreach (string line in s.TrimEnd('\n').Split('\n'))
                {
                    text.Append(' ', indent + 2).Append(line).Append('\n');
                }

                break;
            case System.Collections.IEnumerable list and not string:
                object?[] items = [.. list.Cast<object?>()];
                if (items.Length == 0)
                {
                    text.Append(" []\n");
                    break;
                }

                text.Append('\n');
                foreach (object? item in items)
                {
                    text.Append(' ', indent).Append("- ");
                    if (item is IReadOnlyList<KeyValuePair<string, object?>> { Count: > 0 } entry)
                    {
                        // The first key on the dash's line, the rest aligned under it.
                        var first = new StringBuilder();
                        WriteMap(first, entry, indent + 2);
                        text.Append(first.ToString(indent + 2, first.Length - indent - 2));
                    }
                    else
                    {
                        var scalar = new StringBuilder();
                        WriteValue(scalar, item, indent + 2);
                        text.Append(scalar.ToString().TrimStart());
                    }
                }

                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Scalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => JsonSerializer.Serialize(s, s_quoting),
        _ => throw new ArgumentException($"no YAML scalar for {value.GetType().Name}", nameof(value)),
    };

    private static string Key(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/') && !char.IsAsciiDigit(key[0])
            ? key
            : JsonSerializer.Serialize(key, s_quoting);
}
