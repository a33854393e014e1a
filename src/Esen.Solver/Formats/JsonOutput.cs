using System.Text.Encodings.Web;
using System.Text.Json;

namespace Esen.Solver.Formats;

/// <summary>How every Esen JSON file and <c>--json</c> output is written.</summary>
public static class JsonOutput
{
    /// <summary>
    /// Indented, and without HTML-safe escaping: the output goes to files and terminals, never into a
    /// web page, so names such as "member 'a'" stay readable instead of becoming \u0027.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
