using Esen.Kernels.Zoo;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Runtime.Profiling;

/// <summary>Kernel lists of the built-in architectures, for profiles and the cost-model validation.</summary>
public static class ZooWorkloads
{
    /// <summary>The kernels of a built-in architecture at a batch and precision.</summary>
    /// <exception cref="KeyNotFoundException">Unknown architecture.</exception>
    public static ModelWork Build(string architecture, int batch, Precision precision, int sequenceLength = ModelZoo.DefaultSequenceLength) =>
        GraphWorkload.Build(ModelZoo.Build(architecture, new ZooOptions(SequenceLength: sequenceLength)), batch, precision, architecture);

    /// <summary>The kernels a published measurement ran.</summary>
    public static ModelWork ForMeasurement(PublishedMeasurement measurement) =>
        Build(measurement.Model, measurement.Batch, measurement.Precision,
            measurement.SequenceLength > 0 ? measurement.SequenceLength : ModelZoo.DefaultSequenceLength);

    /// <summary>Runs the published-number validation with the given model.</summary>
    public static ValidationReport Validate(AnalyticCostModel model) =>
        CostModelValidation.Run(model, DeviceCatalog.BuiltIn, ForMeasurement);
}
