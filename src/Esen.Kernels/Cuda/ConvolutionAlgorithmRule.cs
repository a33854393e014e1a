using Esen.Native.Cudnn;

namespace Esen.Kernels.Cuda;

/// <summary>What is known about the ways to run one convolution shape before one is chosen.</summary>
/// <param name="Heuristic">cuDNN's heuristic proposals, best first (none when cuDNN is not in use or cannot run the shape).</param>
/// <param name="Measured">cuDNN's measured algorithms with their times; null when nothing was measured.</param>
/// <param name="Im2ColMilliseconds">The measured time of the im2col + cuBLAS path; null when not measured.</param>
/// <param name="MeasurementFailure">Why the measurement failed, when it did (the choice then falls back to the heuristic).</param>
internal sealed record ConvolutionCandidates(
    IReadOnlyList<ConvolutionAlgorithmChoice> Heuristic,
    IReadOnlyList<ConvolutionAlgorithmChoice>? Measured = null,
    float? Im2ColMilliseconds = null,
    string? MeasurementFailure = null);

/// <summary>How one convolution shape runs.</summary>
/// <param name="Cudnn">The cuDNN algorithm, or null for im2col + cuBLAS.</param>
/// <param name="Measured">Whether the choice rests on measured times (else on cuDNN's heuristic).</param>
/// <param name="Note">Why a measurement could not be used, for the executor's notes; null when nothing is worth telling.</param>
internal sealed record ConvolutionDecision(ConvolutionAlgorithm? Cudnn, bool Measured, string? Note);

/// <summary>
/// The one rule that picks how a convolution runs, among cuDNN's algorithms and the im2col + cuBLAS path.
/// Pure, so it is tested without a GPU. An algorithm is eligible when its math type computes in the
/// executor's precision (<see cref="GpuMath.Admits"/>: no TF32 unless tf32 is asked for) and its workspace is
/// within the limit; the im2col path has no such limit because it is the path every convolution can take.
/// With measurements, the fastest eligible candidate wins; equal times go to the smaller workspace, then to cuDNN
/// (one call instead of a launch and a GEMM per image), then to the lower algorithm number, so the choice never
/// depends on the order of the reports. Without usable measurements the heuristic's first eligible proposal runs,
/// and im2col when there is none — the executor's choice before measuring existed.
/// </summary>
internal static class ConvolutionAlgorithmRule
{
    /// <summary>Chooses for <paramref name="candidates"/> in <paramref name="math"/> within <paramref name="workspaceLimitBytes"/>.</summary>
    public static ConvolutionDecision Choose(GpuMath math, ulong workspaceLimitBytes, ConvolutionCandidates candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        bool Eligible(ConvolutionAlgorithmChoice c) => math.Admits(c.MathType) && c.WorkspaceBytes <= workspaceLimitBytes;

        var timed = new List<(float Milliseconds, ulong Workspace, bool Im2Col, ConvolutionAlgorithmChoice? Cudnn)>();
        foreach (ConvolutionAlgorithmChoice measured in candidates.Measured ?? [])
        {
            if (Eligible(measured) && measured.Milliseconds is { } ms && float.IsFinite(ms) && ms >= 0)
            {
                timed.Add((ms, measured.WorkspaceBytes, false, measured));
            }
        }

        if (candidates.Im2ColMilliseconds is { } im2col && float.IsFinite(im2col) && im2col >= 0)
        {
            timed.Add((im2col, 0, true, null));
        }

        if (candidates.MeasurementFailure is null && timed.Count > 0)
        {
            var fastest = timed
                .OrderBy(t => t.Milliseconds)
                .ThenBy(t => t.Workspace)
                .ThenBy(t => t.Im2Col)
                .ThenBy(t => t.Cudnn?.Algorithm)
                .First();
            return new ConvolutionDecision(fastest.Cudnn is { } c ? new ConvolutionAlgorithm(c.Algorithm, c.WorkspaceBytes, c.MathType) : null, true, null);
        }

        ConvolutionAlgorithmChoice? proposed = math.ChooseConvolution(candidates.Heuristic.Where(p => p.WorkspaceBytes <= workspaceLimitBytes));
        string? note = candidates.MeasurementFailure is { } failure
            ? $"measuring the convolution algorithms failed ({failure}); the heuristic's choice runs"
            : candidates.Measured is not null ? "no measured convolution algorithm was usable; the heuristic's choice runs" : null;
        return new ConvolutionDecision(
            proposed is null ? null : new ConvolutionAlgorithm(proposed.Algorithm, proposed.WorkspaceBytes, proposed.MathType), false, note);
    }
}
