using System.Globalization;
using Esen.Runtime.Planning;
using Esen.Runtime.Specs;

namespace Esen.Runtime;

/// <summary>What a re-plan of a running session changes (<see cref="EnsembleSession.ReplanAsync"/>).</summary>
public sealed record ReplanRequest
{
    /// <summary>The spec to run from now on (members added, removed or changed; other batching); null keeps the current one. Its samples must have the current shape.</summary>
    public EnsembleSpec? Spec { get; init; }

    /// <summary>
    /// Cascade only: per stage but the last, the fraction of the inputs reaching it that leave there, so each
    /// stage is planned for the rows that reach it; null keeps the ratios of the current plan while the
    /// stages stay (none at first: every stage planned for the whole batch).
    /// </summary>
    public IReadOnlyList<double>? ExitRatios { get; init; }

    /// <summary>
    /// The request rate (requests of one input per second) to plan for: the tables are for the batch that rate
    /// fills (<see cref="BatchingSpec.RowsAtRate"/>); null plans for the largest batch, or keeps the current
    /// plan's batch when <see cref="Spec"/> is null.
    /// </summary>
    public double? RequestRate { get; init; }

    /// <summary>Why, for the log and <see cref="EnsembleSession.Replans"/>.</summary>
    public string Reason { get; init; } = "requested";
}

/// <summary>One re-plan of a session.</summary>
/// <param name="Reason">Why it was made.</param>
/// <param name="Before">The plan before.</param>
/// <param name="After">The plan after.</param>
/// <param name="PlanBatch">The rows per batch the new plan's tables are for.</param>
/// <param name="ExitRatios">Cascade: the exit ratios the new plan assumed; null when it assumed none (every stage planned for the whole batch).</param>
/// <param name="Reallocation">The switch to new partitions and its pause; null when the spec and the shares stayed, so nothing moved.</param>
public sealed record Replan(string Reason, RuntimePlan Before, RuntimePlan After, int PlanBatch, IReadOnlyList<double>? ExitRatios, Reallocation? Reallocation)
{
    /// <summary>One line for a log: the reason, the shares before and after, and the pause.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"re-planned ({Reason}): shares {string.Join("/", Before.Shares)} → {string.Join("/", After.Shares)} %{(After.IsFixed ? " (fixed by the spec)" : "")} at batch {PlanBatch}; ") +
        (Reallocation is { } moved
            ? string.Create(CultureInfo.InvariantCulture, $"built in {moved.Build.TotalMilliseconds:F0} ms, dispatch paused {moved.Pause.TotalMilliseconds:F1} ms while {moved.BatchesDrained} batches finished")
            : "nothing moved");
}

/// <summary>When a cascade session re-plans itself because the observed exit ratios left the planned ones (ESCAN plans with them).</summary>
public sealed record ExitRatioDriftOptions
{
    /// <summary>The default <see cref="Threshold"/>: ten percentage points.</summary>
    public const double DefaultThreshold = 0.1;

    /// <summary>The default <see cref="MinimumInputs"/>.</summary>
    public const long DefaultMinimumInputs = 200;

    /// <summary>A stage drifts when its observed exit ratio differs from the planned one by more than this (absolute, 0..1).</summary>
    public double Threshold { get; init; } = DefaultThreshold;

    /// <summary>The inputs a stage must have seen since the last plan before its ratio counts.</summary>
    public long MinimumInputs { get; init; } = DefaultMinimumInputs;

    /// <summary>Fails on a threshold outside (0, 1) or fewer than one input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The setting named.</exception>
    public void Validate()
    {
        if (!(Threshold is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "the exit-ratio drift threshold must be in (0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumInputs, 1, nameof(MinimumInputs));
    }

    /// <summary>
    /// The exit ratios to re-plan with, or null when no stage drifted: a stage with at least
    /// <see cref="MinimumInputs"/> inputs since the plan drifts when its observed ratio differs from
    /// <paramref name="planned"/> by more than <see cref="Threshold"/>; the ratios returned are the observed
    /// ones where a stage has enough inputs and the planned ones elsewhere.
    /// </summary>
    /// <param name="planned">Per stage but the last, the ratio the plan assumed.</param>
    /// <param name="since">Per stage, the inputs that reached and left it since the plan.</param>
    public IReadOnlyList<double>? Drifted(IReadOnlyList<double> planned, IReadOnlyList<StageStatistics> since)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(since);
        var ratios = new double[planned.Count];
        bool drifted = false;
        for (int k = 0; k < planned.Count; k++)
        {
            bool sampled = k < since.Count && since[k].Reached >= MinimumInputs;
            ratios[k] = sampled ? since[k].ExitRatio : planned[k];
            drifted |= sampled && Math.Abs(ratios[k] - planned[k]) > Threshold;
        }

        return drifted ? ratios : null;
    }
}
