using Esen.Runtime;

namespace Esen.Cli;

/// <summary>The exit codes every <c>esen</c> command uses (DESIGN.md, "Formats and contracts").</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>
    /// A failure: a failed test or check, something this machine lacks (a GPU, a native library, a compiler: the line says
    /// <c>unavailable:</c> where a command checks before it starts), or a bug.
    /// </summary>
    public const int Failure = 1;

    /// <summary>Malformed input: the message names the file and the field or tensor.</summary>
    public const int BadInput = 2;

    /// <summary>The problem has no feasible assignment.</summary>
    public const int Infeasible = 3;

    /// <summary>The exit code of an error of <paramref name="kind"/>: the one mapping from library errors to codes.</summary>
    public static int Of(EsenErrorKind kind) => kind switch
    {
        EsenErrorKind.BadInput => BadInput,
        EsenErrorKind.Infeasible => Infeasible,
        _ => Failure,
    };

    /// <summary>
    /// Whether <paramref name="exception"/> is an error Esen reports rather than a bug
    /// (<see cref="EsenException.KindOf"/>); use it as the filter of a command's one catch.
    /// </summary>
    public static bool IsReported(Exception exception) => EsenException.KindOf(exception) is not null;

    /// <summary>Writes the one line of a reported error (unavailable ones say so) and returns its exit code.</summary>
    /// <param name="exception">An error <see cref="IsReported"/> accepts.</param>
    /// <param name="stderr">Where the line goes.</param>
    /// <param name="command">The command's name, to start the line with "esen COMMAND: "; null for none.</param>
    public static int Report(Exception exception, TextWriter stderr, string? command = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(stderr);
        EsenErrorKind kind = EsenException.KindOf(exception) ?? throw new ArgumentException("not an error Esen reports", nameof(exception), exception);
        string prefix = command is null ? "" : $"esen {command}: ";
        stderr.WriteLine(kind == EsenErrorKind.Unavailable ? $"{prefix}unavailable: {exception.Message}" : prefix + exception.Message);
        return Of(kind);
    }
}
