namespace Esen.Runtime;

/// <summary>How many inputs reached and left one cascade stage.</summary>
/// <param name="Member">The stage's member name.</param>
/// <param name="Reached">Inputs the stage ran on.</param>
/// <param name="Exited">Inputs answered by the stage (all that reach the last stage).</param>
public sealed record StageStatistics(string Member, long Reached, long Exited)
{
    /// <summary>Exited ÷ reached (0 before any input arrived).</summary>
    public double ExitRatio => Reached == 0 ? 0 : (double)Exited / Reached;
}

/// <summary>What a runtime has done so far.</summary>
/// <param name="Batches">Batches formed.</param>
/// <param name="Rows">Inputs in those batches.</param>
/// <param name="Stages">Cascade only: per stage, in order (empty for an ensemble).</param>
public sealed record RuntimeStatistics(long Batches, long Rows, IReadOnlyList<StageStatistics> Stages)
{
    /// <summary>Mean inputs per batch.</summary>
    public double MeanBatchRows => Batches == 0 ? 0 : (double)Rows / Batches;
}
