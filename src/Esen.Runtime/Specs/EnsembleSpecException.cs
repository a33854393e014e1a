namespace Esen.Runtime.Specs;

/// <summary>An invalid <c>esen-ensemble/1</c> file; the message is "file: $.json.path: what is wrong".</summary>
public sealed class EnsembleSpecException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EnsembleSpecException(string source, string path, string detail, Exception? inner = null)
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
