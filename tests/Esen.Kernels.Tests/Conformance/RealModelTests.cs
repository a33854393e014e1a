using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Conformance;

/// <summary>The real models in ../shared/models against ONNX Runtime's stored outputs (models/SOURCE.md).</summary>
public class RealModelTests
{
    [SkippableTheory]
    [InlineData("mnist-cntk", "model.onnx")]
    [InlineData("squeezenet1.1-fp32", "model.onnx")]
    [InlineData("cifar10-cnn", "model.onnx")]
    [InlineData("cifar10-cnn", "model.const-folded.onnx")]
    [InlineData("iris-mlp", "model.onnx")]
    public void Model_MatchesReferenceOutputs(string folder, string file)
    {
        string directory = Requires.SharedDirectory($"models/{folder}");
        LayerGraph graph = OnnxModel.Load(Path.Combine(directory, file));
        using var executor = new CpuExecutor(graph);
        var testCase = new OnnxTestCase(directory);
        int sets = 0;
        foreach (string dataSet in testCase.DataSets)
        {
            IReadOnlyList<Tensor> inputs = OnnxTestCase.ReadTensors(dataSet, "input");
            IReadOnlyList<Tensor> expected = OnnxTestCase.ReadTensors(dataSet, "output");
            IReadOnlyDictionary<string, Tensor> actual = executor.Run(graph.Inputs.Select((v, i) => KeyValuePair.Create(v.Name, inputs[i])).ToDictionary());
            for (int i = 0; i < expected.Count; i++)
            {
                TensorAssert.Close(expected[i], actual[graph.Outputs[i].Name], rtol: 1e-3, atol: 1e-4, $"{folder}/{Path.GetFileName(dataSet)} output {i}");
            }

            sets++;
        }

        Assert.True(sets >= 1, $"{directory} has no test data sets");
    }
}
