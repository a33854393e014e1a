using System.Globalization;
using Esen.Kernels.Cpu;
using Esen.Kernels.Cpu.Ops;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Onnx;

/// <summary>The outcome of one ONNX backend test.</summary>
public enum OnnxTestStatus
{
    /// <summary>Every data set matched within tolerance.</summary>
    Passed,

    /// <summary>An output differed, or the model or data was invalid.</summary>
    Failed,

    /// <summary>The model uses something Esen does not support (named in the message).</summary>
    Skipped,
}

/// <summary>One test's result: its name, outcome and a one-line explanation (empty when passed).</summary>
/// <param name="Name">The test folder name.</param>
/// <param name="Status">Outcome.</param>
/// <param name="Message">Why it failed or was skipped.</param>
/// <param name="DataSets">Data sets compared.</param>
public sealed record OnnxTestResult(string Name, OnnxTestStatus Status, string Message, int DataSets);

/// <summary>Comparison tolerances: |actual − expected| ≤ Atol + Rtol·|expected| element-wise.</summary>
/// <param name="Rtol">Relative tolerance.</param>
/// <param name="Atol">Absolute tolerance.</param>
public sealed record OnnxTolerance(double Rtol = 1e-3, double Atol = 1e-5);

/// <summary>
/// Runs ONNX backend-test folders (model.onnx + test_data_set_*/input_*.pb, output_*.pb) on an
/// executor and compares the outputs, like ONNX Runtime's onnx_test_runner.
/// </summary>
public static class OnnxTestRunner
{
    /// <summary>True when <paramref name="directory"/> looks like a test case (holds model.onnx).</summary>
    public static bool IsTestCase(string directory) => File.Exists(Path.Combine(directory, "model.onnx"));

    /// <summary>
    /// The test cases under <paramref name="root"/>: the folder itself if it is one, otherwise every
    /// folder below it that is, in ordinal order.
    /// </summary>
    public static IReadOnlyList<string> FindCases(string root) =>
        IsTestCase(root)
            ? [root]
            : Directory.EnumerateFiles(root, "model.onnx", SearchOption.AllDirectories)
                .Select(f => Path.GetDirectoryName(f)!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Runs one case on a new CPU executor (one thread unless given).</summary>
    public static OnnxTestResult Run(string directory, OnnxTolerance tolerance, CpuExecutorOptions? options = null) =>
        Run(directory, tolerance, graph => new CpuExecutor(graph, options ?? new CpuExecutorOptions { Threads = 1 }));

    /// <summary>Runs one case on an executor made by <paramref name="createExecutor"/>.</summary>
    public static OnnxTestResult Run(string directory, OnnxTolerance tolerance, Func<LayerGraph, IExecutor> createExecutor)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        int compared = 0;
        try
        {
            LayerGraph graph = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
            using IExecutor executor = createExecutor(graph);
            foreach (string dataSet in Directory.GetDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal))
            {
                Tensor[] inputs = ReadTensors(dataSet, "input");
                Tensor[] expected = ReadTensors(dataSet, "output");
                if (inputs.Length != graph.Inputs.Count || expected.Length != graph.Outputs.Count)
                {
                    return new OnnxTestResult(name, OnnxTestStatus.Failed,
                        $"{Path.GetFileName(dataSet)}: {inputs.Length} inputs and {expected.Length} outputs, the model has {graph.Inputs.Count} and {graph.Outputs.Count}", compared);
                }

                var feed = graph.Inputs.Select((v, i) => KeyValuePair.Create(v.Name, inputs[i])).ToDictionary();
                IReadOnlyDictionary<string, Tensor> actual = executor.Run(feed);
                for (int i = 0; i < expected.Length; i++)
                {
                    string? difference = Compare(expected[i], actual[graph.Outputs[i].Name], tolerance);
                    if (difference is not null)
                    {
                        return new OnnxTestResult(name, OnnxTestStatus.Failed, $"{Path.GetFileName(dataSet)} output '{graph.Outputs[i].Name}': {difference}", compared);
                    }
                }

                compared++;
            }

            return compared == 0
                ? new OnnxTestResult(name, OnnxTestStatus.Failed, "no test_data_set_* folders", 0)
                : new OnnxTestResult(name, OnnxTestStatus.Passed, string.Empty, compared);
        }
        catch (UnsupportedModelException e)
        {
            return new OnnxTestResult(name, OnnxTestStatus.Skipped, e.Message, compared);
        }
        catch (GraphException e)
        {
            return new OnnxTestResult(name, OnnxTestStatus.Failed, e.Message, compared);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException
            or Native.Errors.EsenNativeException)
        {
            // A kernel, or on a GPU the driver, cuBLAS or cuDNN, rejected what shape inference let through: report it against
            // this test, keep running the others.
            return new OnnxTestResult(name, OnnxTestStatus.Failed, $"{e.GetType().Name}: {e.Message}", compared);
        }
    }

    /// <summary>
    /// Why <paramref name="actual"/> does not match <paramref name="expected"/> within tolerance, or
    /// null when it does. NaN matches NaN. A float mismatch names the worst element and the whole
    /// output's relative L2 error and largest |difference| (<see cref="ReferenceComparison"/>).
    /// </summary>
    public static string? Compare(Tensor expected, Tensor actual, OnnxTolerance tolerance)
    {
        if (expected.DataType != actual.DataType)
        {
            return $"type {DataTypes.Name(actual.DataType)}, expected {DataTypes.Name(expected.DataType)}";
        }

        if (expected.Shape != actual.Shape && expected.ElementCount != actual.ElementCount)
        {
            return $"shape {actual.Shape}, expected {expected.Shape}";
        }

        if (expected.Shape != actual.Shape && expected.Shape.Rank == actual.Shape.Rank)
        {
            return $"shape {actual.Shape}, expected {expected.Shape}";
        }

        if (!DataTypes.IsFloatingPoint(expected.DataType))
        {
            // Integers and bools match exactly.
            int at = expected.AsBytes().CommonPrefixLength(actual.AsBytes()) / DataTypes.SizeOf(expected.DataType);
            return at == expected.ElementCount ? null : $"element {at} is {actual.Data.GetValue(at)}, expected {expected.Data.GetValue(at)}";
        }

        // Every floating-point type is compared in float64, which holds float16 and float32 values exactly.
        double[] e = AsDoubles(expected), a = AsDoubles(actual);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) ? double.IsNaN(a[i]) : e[i] == a[i])
            {
                continue;
            }

            double excess = Math.Abs(a[i] - e[i]) - (tolerance.Atol + (tolerance.Rtol * Math.Abs(e[i])));
            if (double.IsNaN(excess) || excess > worstExcess)
            {
                worst = i;
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
            }
        }

        if (worst < 0)
        {
            return null;
        }

        ReferenceComparison whole = ReferenceComparison.Of(CpuOps.Cast(actual, DataType.Float32).Floats, CpuOps.Cast(expected, DataType.Float32).Floats);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"element {worst} is {actual.Data.GetValue(worst)}, expected {expected.Data.GetValue(worst)} (rtol {tolerance.Rtol}, atol {tolerance.Atol}); relative L2 {whole.RelativeL2:E2}, max |error| {whole.MaxAbsDifference:E2}");
    }

    private static double[] AsDoubles(Tensor tensor) => CpuOps.Cast(tensor, DataType.Float64).Elements<double>();

    private static Tensor[] ReadTensors(string dataSet, string prefix) =>
        Directory.GetFiles(dataSet, $"{prefix}_*.pb")
            .Select(f => (Index: int.TryParse(Path.GetFileNameWithoutExtension(f)[(prefix.Length + 1)..], out int i) ? i : -1, File: f))
            .Where(f => f.Index >= 0)
            .OrderBy(f => f.Index)
            .Select(f => OnnxModel.LoadTensor(f.File).Tensor)
            .ToArray();
}
