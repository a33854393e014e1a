namespace Esen.Solver.Formats;

/// <summary>
/// A malformed Esen JSON file (problem, ensemble spec, ...): the message is "file: $.json.path: what is
/// wrong", and the three parts are kept for callers that report them separately.
/// </summary>
public class JsonFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JsonFormatException(string source, string path, string detail, Exception? inner = null)
        : base($"{source}: {path}: {detail}", inner)
    {
        SourceName = source;
        JsonPath = path;
        Detail = detail;
    }

    /// <summary>The file (or other source name) that was read.</summary>
    public string SourceName { get; }

    /// <summary>The JSON path of the offending value.</summary>
    public string JsonPath { get; }

    /// <summary>What is wrong.</summary>
    public string Detail { get; }
}
