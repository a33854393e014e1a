using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Ops;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// Every case of our op set and element types in Debian's libonnx-testdata passes, on every executor. Cases outside
    /// them are not selected (the count pins the selection, so a regression cannot hide as "unselected").
    /// </summary>
    [SkippableFact]
    public void DebianOnnxNodeCases_AllSelectedPass() =>
        AllSelectedPass(Requires.Directory(TestEnv.OnnxTestDataDirectory, "Debian libonnx-testdata (apt install libonnx-testdata)"), expected: 333);

    /// <summary>Every case of our op set in ../shared/onnx-node passes (manifest.tsv lists them).</summary>
    [SkippableFact]
    public void SharedOnnxNodeCases_AllSelectedPass() =>
        AllSelectedPass(Requires.SharedDirectory("onnx-node"), expected: 212);

    private void AllSelectedPass(string root, int expected)
    {
        Fixture.RequireDevice();
        string[] selected = OnnxTestRunner.FindCases(root).Where(d => OnnxCaseSelection.InOpSet(d)).ToArray();
        Assert.Equal(expected, selected.Length);
        // An executor that does not run an op (If, LSTM on CUDA) must refuse it, naming the node, rather than pass or fail otherwise.
        string[] failures = selected
            .Select(directory => (Result: OnnxTestRunner.Run(directory, new OnnxTolerance(), Fixture.Create), Refused: RefusedOp(directory)))
            .Where(r => r.Refused is { } op
                ? r.Result.Status != OnnxTestStatus.Skipped || !r.Result.Message.Contains($"{op} node", StringComparison.Ordinal)
                : r.Result.Status != OnnxTestStatus.Passed)
            .Select(r => $"{r.Result.Name}: {r.Result.Status} {r.Result.Message}")
            .ToArray();
        Assert.True(failures.Length == 0, string.Join(Environment.NewLine, failures));
    }

    private string? RefusedOp(string directory) =>
        OnnxModel.Load(Path.Combine(directory, "model.onnx")).Nodes.Select(n => n.OpType).FirstOrDefault(Fixture.RefusedOps.Contains);
}

/// <summary>Which ONNX backend-test cases belong to Esen's op set.</summary>
public static class OnnxCaseSelection
{
    /// <summary>
    /// True when the model loads (supported element types, default domain), every node is in
    /// <see cref="OpCatalog.Operators"/>, its test tensors load (supported element types), and it uses no feature
    /// outside Esen's inference semantics and op features:
    /// BatchNormalization and Dropout training_mode; Resize in cubic mode or with tf_crop_and_resize; LSTM's layout 1.
    /// </summary>
    public static bool InOpSet(string directory)
    {
        LayerGraph graph;
        try
        {
            graph = OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        }
        catch (UnsupportedModelException)
        {
            return false;
        }

        return graph.Nodes.All(n => OpCatalog.IsSupported(n.OpType)
            && !(n.OpType == "BatchNormalization" && (n.GetInt("training_mode", 0) != 0 || n.Outputs.Count > 1))
            && !(n.OpType == "Dropout" && n.HasInput(2))
            && !(n.OpType == "LSTM" && n.GetInt("layout", 0) != 0)
            && !(n.OpType == "Resize" && (n.GetString("mode", "nearest") == "cubic"
                || n.GetString("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize")))
            && Directory.GetDirectories(directory, "test_data_set_*").All(set => Directory.GetFiles(set, "*.pb").All(TensorLoads));
    }

    private static bool TensorLoads(string path)
    {
        try
        {
            return OnnxModel.LoadTensor(path).Tensor is not null;
        }
        catch (UnsupportedModelException)
        {
            return false;
        }
    }
}
