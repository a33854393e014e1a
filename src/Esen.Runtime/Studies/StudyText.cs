using System.Globalization;

namespace Esen.Runtime.Studies;

/// <summary>How the studies' pages print numbers: invariant culture, "-" for a missing value.</summary>
internal static class StudyText
{
    /// <summary>A percentage with one decimal, e.g. "17.8 %".</summary>
    public static string Percent(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.0} %") : "-";

    /// <summary>A number in <paramref name="format"/>.</summary>
    public static string Number(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
