namespace Esen.Kernels.Execution;

/// <summary>How far outputs are from a reference.</summary>
/// <param name="MaxAbsDifference">Largest element-wise |difference|.</param>
/// <param name="MaxMagnitude">Largest |reference| element.</param>
/// <param name="RelativeL2">‖output − reference‖₂ / ‖reference‖₂ (the absolute norm when the reference is zero).</param>
public sealed record ReferenceComparison(double MaxAbsDifference, double MaxMagnitude, double RelativeL2)
{
    /// <summary>Compares <paramref name="outputs"/> with <paramref name="reference"/> element by element, in double precision.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public static ReferenceComparison Of(ReadOnlySpan<float> outputs, ReadOnlySpan<float> reference)
    {
        if (outputs.Length != reference.Length)
        {
            throw new ArgumentException($"{outputs.Length} outputs against {reference.Length} reference elements", nameof(outputs));
        }

        double maxDifference = 0, maxMagnitude = 0, squaredError = 0, squaredReference = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            double difference = outputs[i] - (double)reference[i];
            maxDifference = Math.Max(maxDifference, Math.Abs(difference));
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs(reference[i]));
            squaredError += difference * difference;
            squaredReference += (double)reference[i] * reference[i];
        }

        double error = Math.Sqrt(squaredError);
        return new ReferenceComparison(maxDifference, maxMagnitude, squaredReference > 0 ? error / Math.Sqrt(squaredReference) : error);
    }
}
