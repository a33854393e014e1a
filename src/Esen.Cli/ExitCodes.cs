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
}
