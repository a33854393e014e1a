using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Zoo;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Onnx;

/// <summary>
/// <see cref="OnnxModel.Serialize"/> against the importer: what it writes reads back as the same graph, for the
/// built-in architectures and for every model of ../shared/onnx-node (each attribute kind, element type and
/// opset they use). That the files mean the same to another runtime is checked in OnnxRuntimeOracleTests.
/// </summary>
public class OnnxWritingTests
{
    public static TheoryData<string> Architectures => ["resnet18", "resnet50", "mobilenetv2", "densenet121"];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ZooArchitecture_ReadsBackAsTheSameGraph(string name)
    {
        LayerGraph graph = ModelZoo.Build(name);
        AssertSameGraph(graph, OnnxModel.Parse(OnnxModel.Serialize(graph), name));
    }

    [SkippableFact]
    public void EveryOnnxNodeCase_ReadsBackAsTheSameGraph()
    {
        string root = Requires.SharedDirectory("onnx-node");
        string[] models = Directory.GetFiles(root, "model.onnx", SearchOption.AllDirectories);
        Assert.True(models.Length > 100, $"{models.Length} models under {root}");
        int written = 0;
        foreach (string path in models)
        {
            LayerGraph graph;
            try
            {
                graph = OnnxModel.Load(path);
            }
            catch (UnsupportedModelException)
            {
                continue;  // what Esen cannot import it cannot write either
            }

            AssertSameGraph(graph, OnnxModel.Parse(OnnxModel.Serialize(graph), path), path);
            written++;
        }

        Assert.True(written > 100, $"{written} of {models.Length} models written");
    }

    /// <summary>If's branches (subgraphs reading outer values): libonnx-testdata's test_if, openWakeWord's hey_jarvis and Silero VAD (Ifs nested in Ifs).</summary>
    [SkippableFact]
    public void IfBranches_ReadBackAsTheSameGraph()
    {
        string testIf = Path.Combine(Requires.Directory(TestEnv.OnnxTestDataDirectory, "Debian libonnx-testdata (apt install libonnx-testdata)"), "test_if", "model.onnx");
        foreach (string path in new[] { testIf, Requires.PackagedModel("openwakeword-0.1.1/hey_jarvis_v0.1.onnx"), Requires.PackagedModel("openwakeword-0.1.1/silero_vad.onnx") })
        {
            LayerGraph graph = OnnxModel.Load(path);
            Assert.Contains(graph.Nodes, n => n.OpType == "If");
            AssertSameGraph(graph, OnnxModel.Parse(OnnxModel.Serialize(graph), path), path);
        }
    }

    [Fact]
    public void Save_ToAMissingFolder_NamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-missing-{Guid.NewGuid():N}", "model.onnx");
        var error = Assert.Throws<GraphException>(() => OnnxModel.Save(ModelZoo.Build("mobilenetv2"), path));
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_WritesAFileThatLoads()
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-write-{Guid.NewGuid():N}.onnx");
        try
        {
            LayerGraph graph = ModelZoo.Build("resnet18");
            OnnxModel.Save(graph, path);
            AssertSameGraph(graph, OnnxModel.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertSameGraph(LayerGraph expected, LayerGraph actual, string what = "")
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Opset, actual.Opset);
        Assert.Equal(expected.Inputs, actual.Inputs);
        Assert.Equal(expected.Outputs, actual.Outputs);
        Assert.Equal(expected.Nodes.Count, actual.Nodes.Count);
        for (int i = 0; i < expected.Nodes.Count; i++)
        {
            Node e = expected.Nodes[i], a = actual.Nodes[i];
            string where = $"{what} {e.Describe()}";
            Assert.True(e.Name == a.Name && e.OpType == a.OpType, where);
            Assert.True(e.Inputs.SequenceEqual(a.Inputs) && e.Outputs.SequenceEqual(a.Outputs), $"{where}: [{string.Join(",", e.Inputs)}] -> [{string.Join(",", e.Outputs)}] became [{string.Join(",", a.Inputs)}] -> [{string.Join(",", a.Outputs)}]");
            Assert.True(e.Attributes.Keys.Order().SequenceEqual(a.Attributes.Keys.Order()), where);
            foreach ((string name, AttributeValue value) in e.Attributes)
            {
                Assert.True(SameAttribute(value, a.Attributes[name]), $"{where}, attribute '{name}': {value} became {a.Attributes[name]}");
            }
        }

        Assert.Equal(expected.Initializers.Keys.Order(), actual.Initializers.Keys.Order());
        foreach ((string name, Tensor tensor) in expected.Initializers)
        {
            Assert.True(SameTensor(tensor, actual.Initializers[name]), $"{what} initializer '{name}'");
        }
    }

    private static bool SameAttribute(AttributeValue e, AttributeValue a) => e.Kind == a.Kind && (e.Value, a.Value) switch
    {
        (float x, float y) => x.Equals(y),
        (float[] x, float[] y) => x.AsSpan().SequenceEqual(y),
        (long[] x, long[] y) => x.AsSpan().SequenceEqual(y),
        (string[] x, string[] y) => x.SequenceEqual(y),
        (Tensor x, Tensor y) => SameTensor(x, y),
        (LayerGraph x, LayerGraph y) => SameGraph(x, y),
        _ => Equals(e.Value, a.Value),
    };

    private static bool SameGraph(LayerGraph e, LayerGraph a)
    {
        AssertSameGraph(e, a, e.Name);
        return e.OuterValues.SequenceEqual(a.OuterValues);
    }

    private static bool SameTensor(Tensor e, Tensor a) =>
        e.DataType == a.DataType && e.Shape == a.Shape && e.AsBytes().SequenceEqual(a.AsBytes());
}
