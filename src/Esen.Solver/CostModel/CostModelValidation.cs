using Esen.Solver.Devices;

namespace Esen.Solver.CostModel;

/// <summary>One validation point: the model's prediction next to the published figure.</summary>
public sealed record ValidationPoint(PublishedMeasurement Measurement, int Sms, double PredictedMs)
{
    /// <summary>Signed relative error (predicted − measured) / measured.</summary>
    public double Error => (PredictedMs - Measurement.MeasuredMs) / Measurement.MeasuredMs;
}

/// <summary>All validation points with the summary the acceptance thresholds apply to.</summary>
public sealed record ValidationReport(IReadOnlyList<ValidationPoint> Points)
{
    /// <summary>The acceptance threshold on the mean absolute error.</summary>
    public const double MeanErrorLimit = 0.10;

    /// <summary>The acceptance threshold on any single point.</summary>
    public const double MaxErrorLimit = 0.30;

    /// <summary>Mean of |error|.</summary>
    public double MeanAbsoluteError => Points.Average(p => Math.Abs(p.Error));

    /// <summary>Largest |error|.</summary>
    public double MaxAbsoluteError => Points.Max(p => Math.Abs(p.Error));

    /// <summary>True when both thresholds hold.</summary>
    public bool Passes => MeanAbsoluteError <= MeanErrorLimit && MaxAbsoluteError <= MaxErrorLimit;
}

/// <summary>Compares the analytic model with <see cref="PublishedMeasurement.All"/>.</summary>
public static class CostModelValidation
{
    /// <summary>
    /// Predicts every measurement; <paramref name="workload"/> supplies the member's kernels (the
    /// solver cannot build graphs itself).
    /// </summary>
    public static ValidationReport Run(
        AnalyticCostModel model,
        DeviceCatalog catalog,
        Func<PublishedMeasurement, ModelWork> workload,
        IEnumerable<PublishedMeasurement>? measurements = null)
    {
        var cache = new Dictionary<(string, int, int, Precision), ModelWork>();
        var points = new List<ValidationPoint>();
        foreach (PublishedMeasurement measurement in measurements ?? PublishedMeasurement.All)
        {
            var key = (measurement.Model, measurement.SequenceLength, measurement.Batch, measurement.Precision);
            if (!cache.TryGetValue(key, out ModelWork? work))
            {
                cache[key] = work = workload(measurement);
            }

            Device device = catalog.Find(measurement.Device);
            int sms = device.UnitsForShare(measurement.SharePercent);
            points.Add(new ValidationPoint(measurement, sms, model.LatencySeconds(work, device, sms) * 1000));
        }

        return new ValidationReport(points);
    }
}
