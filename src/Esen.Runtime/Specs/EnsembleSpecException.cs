using Esen.Solver.Formats;

namespace Esen.Runtime.Specs;

/// <summary>An invalid <c>esen-ensemble/1</c> file; the message is "file: $.json.path: what is wrong".</summary>
public sealed class EnsembleSpecException : JsonFormatException
{
    /// <summary>Creates the exception.</summary>
    public EnsembleSpecException(string source, string path, string detail, Exception? inner = null)
        : base(source, path, detail, inner)
    {
    }
}

