using System.Text.Json;

namespace Esen.Solver.Planning;

/// <summary>
/// One placed copy of a member as a plan file states it: the device, the share and, where the problem's
/// devices carry them, the node and the GPU model.
/// </summary>
/// <param name="Member">Member name.</param>
/// <param name="Device">Device name.</param>
/// <param name="Share">SM share in percent (1..100).</param>
/// <param name="Replica">Which copy of the member (0 for the first; serving plans have several).</param>
/// <param name="Node">The device's node; null where the plan does not say (every device on one machine).</param>
/// <param name="Gpu">The device's GPU model (a catalogue name); null where the plan does not say.</param>
public sealed record PlannedCopy(string Member, string Device, int Share, int Replica = 0, string? Node = null, string? Gpu = null);

/// <summary>
/// Reads the assignments of a plan file: the <c>esen plan --json</c> contract, one object or an array of
/// them (<c>--solver all</c>), from which the one with assignments and the smallest <c>objective_ms</c> is
/// taken. Every error is a <see cref="FormatException"/> whose message names the file and the field.
/// </summary>
public static class PlanFile
{
    /// <summary>The node of devices whose plan names none: everything on one machine.</summary>
    public const string DefaultNode = "node0";

    /// <summary>Reads every assignment of the plan in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="FormatException">Not JSON, no plan with assignments, or a field missing or out of range.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<PlannedCopy> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not valid JSON (line {ex.LineNumber + 1})", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            JsonElement chosen = root.ValueKind == JsonValueKind.Array
                ? root.EnumerateArray()
                    .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("assignments", out JsonElement a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0)
                    .OrderBy(p => p.TryGetProperty("objective_ms", out JsonElement o) && o.ValueKind == JsonValueKind.Number ? o.GetDouble() : double.MaxValue)
                    .FirstOrDefault()
                : root;
            if (chosen.ValueKind != JsonValueKind.Object || !chosen.TryGetProperty("assignments", out JsonElement assignments)
                || assignments.ValueKind != JsonValueKind.Array || assignments.GetArrayLength() == 0)
            {
                throw new FormatException($"{path}: assignments: no plan with assignments");
            }

            var copies = new List<PlannedCopy>();
            int index = 0;
            foreach (JsonElement assignment in assignments.EnumerateArray())
            {
                string at = $"{path}: assignments[{index++}]";
                if (assignment.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{at}: must be an object");
                }

                int share = Integer(assignment, "share", at) ?? throw new FormatException($"{at}.share: must be an integer in 1..100");
                if (share is < 1 or > 100)
                {
                    throw new FormatException($"{at}.share: must be an integer in 1..100");
                }

                int replica = Integer(assignment, "replica", at) ?? 0;
                if (replica < 0)
                {
                    throw new FormatException($"{at}.replica: must be a non-negative integer");
                }

                copies.Add(new PlannedCopy(Text(assignment, "member", at)!, Text(assignment, "device", at)!, share, replica,
                    Text(assignment, "node", at, optional: true), Text(assignment, "gpu", at, optional: true)));
            }

            return copies;
        }
    }

    /// <summary>
    /// Checks that the copies place exactly the members named (each at least once, no other, no copy
    /// twice) and that no device is given more than 100 % (a plan that does not match its problem or spec).
    /// </summary>
    /// <param name="copies">What <see cref="Read"/> returned.</param>
    /// <param name="members">The members of the problem or spec.</param>
    /// <param name="path">The plan file, for messages.</param>
    /// <exception cref="FormatException">A member is unknown or missing, a copy repeats, or a device is over 100 %.</exception>
    public static void CheckAgainst(IReadOnlyList<PlannedCopy> copies, IReadOnlyList<string> members, string path)
    {
        ArgumentNullException.ThrowIfNull(copies);
        ArgumentNullException.ThrowIfNull(members);
        for (int i = 0; i < copies.Count; i++)
        {
            PlannedCopy copy = copies[i];
            if (!members.Contains(copy.Member))
            {
                throw new FormatException($"{path}: assignments[{i}].member: '{copy.Member}' is not a member (known: {string.Join(", ", members)})");
            }

            if (copies.Take(i).Any(c => c.Member == copy.Member && c.Replica == copy.Replica))
            {
                throw new FormatException($"{path}: assignments[{i}]: member '{copy.Member}' replica {copy.Replica} is placed twice");
            }
        }

        string? missing = members.FirstOrDefault(name => copies.All(c => c.Member != name));
        if (missing is not null)
        {
            throw new FormatException($"{path}: assignments: member '{missing}' has no assignment");
        }

        foreach (IGrouping<string, PlannedCopy> device in copies.GroupBy(c => c.Device))
        {
            int total = device.Sum(c => c.Share);
            if (total > 100)
            {
                throw new FormatException($"{path}: assignments: device '{device.Key}' is given {total} % (at most 100)");
            }

            string?[] nodes = [.. device.Select(c => c.Node).Distinct()];
            if (nodes.Length > 1)
            {
                throw new FormatException($"{path}: assignments: device '{device.Key}' is on several nodes ({string.Join(", ", nodes.Select(n => n ?? "none"))})");
            }
        }
    }

    private static int? Integer(JsonElement element, string field, string at)
    {
        if (!element.TryGetProperty(field, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw new FormatException($"{at}.{field}: must be an integer");
    }

    private static string? Text(JsonElement element, string field, string at, bool optional = false)
    {
        if (!element.TryGetProperty(field, out JsonElement value))
        {
            return optional ? null : throw new FormatException($"{at}.{field}: must be a string");
        }

        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"{at}.{field}: must be a non-empty string");
    }
}
