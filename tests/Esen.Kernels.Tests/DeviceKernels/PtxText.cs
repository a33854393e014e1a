using System.Globalization;
using System.Text.RegularExpressions;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>One parameter of a PTX <c>.entry</c>: its byte size and alignment, and its PTX type.</summary>
internal sealed record PtxParameter(string Type, int Size, int Alignment);

/// <summary>Reads what the tests check out of PTX text: the <c>.target</c> and the entry points.</summary>
internal static partial class PtxText
{
    /// <summary>The architecture of the <c>.target</c> directive, e.g. "sm_80".</summary>
    public static string Target(string ptx) => TargetPattern().Match(ptx) is { Success: true } m
        ? m.Groups[1].Value
        : throw new FormatException("PTX without a .target directive");

    /// <summary>Every <c>.entry</c> with its parameters in order.</summary>
    public static Dictionary<string, PtxParameter[]> Entries(string ptx)
    {
        var entries = new Dictionary<string, PtxParameter[]>(StringComparer.Ordinal);
        foreach (Match entry in EntryPattern().Matches(ptx))
        {
            entries.Add(entry.Groups["name"].Value, [.. entry.Groups["params"].Value
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ParseParameter)]);
        }

        return entries;
    }

    // ".param .u64 k_param_0" or ".param .align 4 .b8 k_param_4[24]" (PTX ISA, "Kernel Function Parameters").
    private static PtxParameter ParseParameter(string declaration)
    {
        Match m = ParameterPattern().Match(declaration);
        if (!m.Success)
        {
            throw new FormatException($"unexpected PTX parameter declaration '{declaration}'");
        }

        string type = m.Groups["type"].Value;
        int elementSize = int.Parse(type[1..], CultureInfo.InvariantCulture) / 8;
        int count = m.Groups["count"].Success ? int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) : 1;
        int alignment = m.Groups["align"].Success ? int.Parse(m.Groups["align"].Value, CultureInfo.InvariantCulture) : elementSize;
        return new PtxParameter(type, elementSize * count, alignment);
    }

    [GeneratedRegex(@"^\s*\.target\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex TargetPattern();

    [GeneratedRegex(@"\.entry\s+(?<name>\w+)\s*\((?<params>[^)]*)\)")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"^\.param\s+(?:\.align\s+(?<align>\d+)\s+)?\.(?<type>[usbf](?:8|16|32|64))\s+(?:\.ptr\s+(?:\.\w+\s+)*)?\w+(?:\[(?<count>\d+)\])?$")]
    private static partial Regex ParameterPattern();
}
