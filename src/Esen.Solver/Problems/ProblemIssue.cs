using Esen.Solver.Formats;

namespace Esen.Solver.Problems;

/// <summary>One finding of the validator: where (a JSON path such as <c>$.members[2].latency_ms</c>) and what.</summary>
/// <param name="Path">JSON path of the offending value.</param>
/// <param name="Message">What is wrong, in a few words.</param>
/// <param name="IsError">False for warnings, which do not stop a problem from being solved.</param>
public sealed record ProblemIssue(string Path, string Message, bool IsError = true)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A problem file is malformed; the message names the file and the JSON path.</summary>
public sealed class ProblemFormatException : JsonFormatException
{
    /// <summary>Creates the exception.</summary>
    public ProblemFormatException(string source, string path, string detail, Exception? inner = null)
        : base(source, path, detail, inner)
    {
    }
}

