using System.Text.Json;

namespace Esen.Solver.Formats;

/// <summary>
/// Typed access to a JSON document for Esen's strict formats: unknown or repeated fields, missing
/// required fields and wrong kinds are errors that name the JSON path. Each format derives a reader
/// and decides which exception an error becomes.
/// </summary>
public abstract class StrictJsonReader
{
    /// <summary>The exception for an error at <paramref name="path"/>.</summary>
    protected abstract JsonFormatException Error(string path, string detail);

    /// <summary>The fields of an object, refusing any name outside <paramref name="allowed"/> and duplicates.</summary>
    protected Dictionary<string, JsonElement> Fields(JsonElement element, string path, string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(path, $"expected an object, got {Describe(element)}");
        }

        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
            {
                throw Error($"{path}.{property.Name}", $"unknown field (allowed here: {string.Join(", ", allowed)})");
            }

            if (!fields.TryAdd(property.Name, property.Value))
            {
                throw Error($"{path}.{property.Name}", "field appears twice");
            }
        }

        return fields;
    }

    /// <summary>A field that must be present.</summary>
    protected JsonElement Required(Dictionary<string, JsonElement> fields, string name, string path) =>
        fields.TryGetValue(name, out JsonElement value) ? value : throw Error($"{path}.{name}", "missing required field");

    /// <summary>A string value.</summary>
    protected string String(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Error(path, $"expected a string, got {Describe(element)}");

    /// <summary>A boolean value.</summary>
    protected bool Boolean(JsonElement element, string path) =>
        element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean() : throw Error(path, $"expected true or false, got {Describe(element)}");

    /// <summary>A number value.</summary>
    protected double Number(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Number ? element.GetDouble() : throw Error(path, $"expected a number, got {Describe(element)}");

    /// <summary>An array value's elements.</summary>
    protected JsonElement[] Array(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Array ? [.. element.EnumerateArray()] : throw Error(path, $"expected an array, got {Describe(element)}");

    /// <summary>What a value is, for messages ("the string \"x\"", "an object").</summary>
    protected static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
