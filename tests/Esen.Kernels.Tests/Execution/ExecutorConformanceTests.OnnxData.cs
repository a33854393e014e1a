using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Ops;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// Every float32/int64 case of our op set in Debian's libonnx-testdata passes. Cases outside the op
    /// set are not selected (the count pins the selection, so a regression cannot hide as "unselected").
    /// </summary>
    [SkippableFact]
    public void DebianOnnxNodeCases_AllSelectedPass() =>
        AllSelectedPass(Requires.Directory(TestEnv.OnnxTestDataDirectory, "Debian libonnx-testdata (apt install libonnx-testdata)"), expectedSelected: 185);

    /// <summary>Every float32 case of our op set in ../shared/onnx-node passes (manifest.tsv lists them).</summary>
    [SkippableFact]
    public void SharedOnnxNodeCases_AllSelectedPass() =>
        AllSelectedPass(Requires.SharedDirectory("onnx-node"), expectedSelected: 189);

    private void AllSelectedPass(string root, int expectedSelected)
    {
        Fixture.RequireDevice();
        string[] selected = OnnxTestRunner.FindCases(root).Where(OnnxCaseSelection.InOpSet).ToArray();
        Assert.Equal(expectedSelected, selected.Length);
        string[] failures = selected
            .Select(directory => OnnxTestRunner.Run(directory, new OnnxTolerance(), Fixture.Create))
            .Where(r => r.Status != OnnxTestStatus.Passed)
            .Select(r => $"{r.Name}: {r.Status} {r.Message}")
            .ToArray();
        Assert.True(failures.Length == 0, string.Join(Environment.NewLine, failures));
    }
}

/// <summary>Which ONNX backend-test cases belong to Esen's op set.</summary>
public static class OnnxCaseSelection
{
    /// <summary>
    /// True when the model loads (only float32/int64 tensors, default domain), every node is in
    /// <see cref="OpCatalog.Operators"/>, and it uses no feature outside Esen's inference
    /// semantics: BatchNormalization training_mode.
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
            && !(n.OpType == "BatchNormalization" && (n.GetInt("training_mode", 0) != 0 || n.Outputs.Count > 1)))
            && Directory.GetDirectories(directory, "test_data_set_*").All(set => Directory.GetFiles(set, "*.pb").All(TensorTypeSupported));
    }

    private static bool TensorTypeSupported(string path)
    {
        try
        {
            _ = OnnxModel.LoadTensor(path);
            return true;
        }
        catch (UnsupportedModelException)
        {
            return false;
        }
    }
}
