using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;

namespace Esen.Kernels.Tests.Zoo;

public class ModelZooTests
{
    /// <summary>
    /// Published multiply-accumulates (GMAC) and trainable parameters at 224×224 (BERT: sequence 128).
    /// CNNs: torchvision's weight metadata (<c>_ops</c> "GFLOPS", which are GMACs, and <c>num_params</c>)
    /// in pytorch/vision torchvision/models/{alexnet,vgg,resnet,densenet,mobilenetv2}.py, as listed in
    /// gpu-facts §4.1. BERT-base: 12 layers × seq·(4·768² + 2·768·3072) + 12 × 2·seq²·768 MACs
    /// (gpu-facts §4.1: 11.17 GMAC at 128, 35.3 at 384); parameters from the BERT-base configuration
    /// (Devlin et al. 2019: vocabulary 30522, 512 positions, 2 segments), 108.89 M without the pooler.
    /// </summary>
    public static TheoryData<string, double, long> Published => new()
    {
        { "alexnet", 0.714, 61_100_840 },
        { "vgg16", 15.470, 138_357_544 },
        { "vgg19", 19.632, 143_667_240 },
        { "resnet18", 1.814, 11_689_512 },
        { "resnet50", 4.089, 25_557_032 },
        { "densenet121", 2.834, 7_978_856 },
        { "mobilenetv2", 0.301, 3_504_872 },
        { "bert-base", 11.17, 108_891_648 },
    };

    [Theory]
    [MemberData(nameof(Published))]
    public void MacsAndParameters_MatchPublishedFigures(string name, double gmacs, long parameters)
    {
        LayerGraph graph = ModelZoo.Build(name);
        GraphCost cost = GraphCostAnalyzer.Analyze(graph, batch: 1);
        // Published MACs are rounded to 3 decimals (BERT to 4 significant digits).
        Assert.InRange(cost.Macs / 1e9, gmacs - 0.0051, gmacs + 0.0051);
        Assert.Equal(parameters, TrainableParameters(graph));
    }

    [Fact]
    public void BertBase_MacsGrowWithSequenceLength()
    {
        // gpu-facts §4.1: 35.3 GMAC at sequence 384.
        GraphCost cost = GraphCostAnalyzer.Analyze(ModelZoo.BertBase(384), batch: 1);
        Assert.InRange(cost.Macs / 1e9, 35.25, 35.35);
    }

    [Fact]
    public void Macs_ScaleLinearlyWithBatch()
    {
        LayerGraph graph = ModelZoo.ResNet50();
        Assert.Equal(8 * GraphCostAnalyzer.Analyze(graph, 1).Macs, GraphCostAnalyzer.Analyze(graph, 8).Macs);
    }

    [Fact]
    public void BuildingAndCosting_AllocatesNoWeights()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        GraphCost cost = GraphCostAnalyzer.Analyze(ModelZoo.Vgg16(), batch: 8);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // VGG-16's weights alone are 553 MB in float32.
        Assert.True(cost.ParameterBytes > 500_000_000);
        Assert.True(allocated < 20_000_000, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Weights_AreSeededAndReproducible()
    {
        float[] first = ModelZoo.ResNet18(seed: 5).Initializers["conv0.weight"].Floats;
        float[] again = ModelZoo.ResNet18(seed: 5).Initializers["conv0.weight"].Floats;
        float[] other = ModelZoo.ResNet18(seed: 6).Initializers["conv0.weight"].Floats;
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Build_UnknownName_ListsTheZoo()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => ModelZoo.Build("resnet152"));
        Assert.Contains("resnet50", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(513)]
    public void BertBase_RejectsSequenceLengthOutsideThePositionTable(int sequenceLength)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelZoo.BertBase(sequenceLength));
    }

    /// <summary>Float initializers minus BatchNorm running statistics and scalar constants (torchvision's num_params).</summary>
    private static long TrainableParameters(LayerGraph graph) =>
        graph.Initializers
            .Where(p => p.Value.DataType == DataType.Float32 && p.Value.ElementCount > 1
                && !p.Key.EndsWith(".mean", StringComparison.Ordinal) && !p.Key.EndsWith(".var", StringComparison.Ordinal))
            .Sum(p => p.Value.ElementCount);
}
