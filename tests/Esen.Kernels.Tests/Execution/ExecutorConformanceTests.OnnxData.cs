using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Ops;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Execution;

public abstract partial class ExecutorConformanceTests<TFixture>
{
    /// <summary>
    /// Every case of our op set and the executor's element types in Debian's libonnx-testdata passes. Cases outside
    /// them are not selected (the count pins the selection, so a regression cannot hide as "unselected"): one count
    /// for an executor of every type, one for every type but float16 (the CUDA executor).
    /// </summary>
    [SkippableFact]
    public void DebianOnnxNodeCases_AllSelectedPass() =>
        AllSelectedPass(Requires.Directory(TestEnv.OnnxTestDataDirectory, "Debian libonnx-testdata (apt install libonnx-testdata)"), everyType: 256, allButFloat16: 247);

    /// <summary>Every case of our op set and the executor's element types in ../shared/onnx-node passes (manifest.tsv lists them).</summary>
    [SkippableFact]
    public void SharedOnnxNodeCases_AllSelectedPass() =>
        AllSelectedPass(Requires.SharedDirectory("onnx-node"), everyType: 212, allButFloat16: 212);

    private void AllSelectedPass(string root, int everyType, int allButFloat16)
    {
        Fixture.RequireDevice();
        string[] selected = OnnxTestRunner.FindCases(root).Where(d => OnnxCaseSelection.InOpSet(d, Fixture.ElementTypes)).ToArray();
        Assert.Equal(Fixture.ElementTypes.Contains(DataType.Float16) ? everyType : allButFloat16, selected.Length);
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
    /// True when the model loads (supported element types, default domain), every node is in
    /// <see cref="OpCatalog.Operators"/>, its graph inputs, outputs, initializers and test tensors are of
    /// <paramref name="types"/>, and it uses no feature outside Esen's inference semantics:
    /// BatchNormalization and Dropout training_mode.
    /// </summary>
    public static bool InOpSet(string directory, IReadOnlyCollection<DataType> types)
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
            && !(n.OpType == "Dropout" && n.HasInput(2)))
            && graph.Inputs.Concat(graph.Outputs).All(v => types.Contains(v.DataType))
            && graph.Initializers.Values.All(t => types.Contains(t.DataType))
            && Directory.GetDirectories(directory, "test_data_set_*").All(set => Directory.GetFiles(set, "*.pb").All(f => TensorTypeIn(f, types)));
    }

    private static bool TensorTypeIn(string path, IReadOnlyCollection<DataType> types)
    {
        try
        {
            return types.Contains(OnnxModel.LoadTensor(path).Tensor.DataType);
        }
        catch (UnsupportedModelException)
        {
            return false;
        }
    }
}
