using Esen.Kernels.Graph;
using Esen.Kernels.Zoo;
using Esen.Runtime.Profiling;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Runtime.Tests.Profiling;

public class GraphWorkloadTests
{
    [Fact]
    public void ResNet50_IsOneKernelPerConvPlusPoolsAndClassifier()
    {
        ModelWork work = ZooWorkloads.Build("resnet50", 1, Precision.Fp32);
        // 53 convs (BN, ReLU and residual adds in their epilogues), max pool, global pool, fc.
        Assert.Equal(56, work.Kernels.Count);
        Assert.Equal(53, work.Kernels.Count(k => k.Op == LayerOp.Conv));
        Assert.Equal(2, work.Kernels.Count(k => k.Op == LayerOp.Pool));
        Assert.Single(work.Kernels, k => k.Op == LayerOp.Gemm);
    }

    [Fact]
    public void AConvWithoutKernelShape_TakesItsWindowFromTheWeights()
    {
        // ONNX lets kernel_shape be omitted: the weights' spatial size is the kernel.
        var builder = new GraphBuilder("conv");
        string x = builder.Input("x", TensorShape.Dynamic, 3, 32, 32);
        builder.Output(builder.Conv(x, 8, kernel: 5, stride: 2, pad: 2));
        LayerGraph graph = builder.Build();
        Node conv = graph.Nodes.Single(n => n.OpType == "Conv");
        var attributes = conv.Attributes.Where(a => a.Key != "kernel_shape").ToDictionary(a => a.Key, a => a.Value);
        LayerGraph withoutKernelShape = graph.With([.. graph.Nodes.Select(n => n == conv ? n with { Attributes = attributes } : n)], graph.Initializers);

        ConvWindow window = GraphWorkload.Build(withoutKernelShape, 1, Precision.Fp32).Kernels.Single(k => k.Op == LayerOp.Conv).Window!.Value;

        Assert.Equal(new ConvWindow(5, 5, 2, 2, 1, 1, 1), window);
    }

    [Theory]
    [InlineData("resnet50", 4)]
    [InlineData("densenet121", 2)]
    [InlineData("mobilenetv2", 1)]
    [InlineData("bert-base", 2)]
    public void GemmFlops_AreConservedByFusion(string architecture, int batch)
    {
        LayerGraph graph = ModelZoo.Build(architecture);
        GraphCost cost = GraphCostAnalyzer.Analyze(graph, batch);
        double expected = cost.Nodes.Where(n => n.Gemm is not null).Sum(n => (double)n.Flops);
        ModelWork work = GraphWorkload.Build(graph, batch, Precision.Fp16);
        Assert.Equal(expected, work.Kernels.Where(k => k.Op is LayerOp.Conv or LayerOp.Gemm).Sum(k => k.Flops), expected * 1e-12);
    }

    [Fact]
    public void BertBase_FusesQkvAndAttention()
    {
        ModelWork work = ZooWorkloads.Build("bert-base", 8, Precision.Fp16, sequenceLength: 128);
        // Per layer: QKV, attention, output projection, LN, FFN up (+GELU), FFN down, LN; plus the word
        // and segment embedding gathers, their add and the embedding LN.
        Assert.Equal((12 * 7) + 4, work.Kernels.Count);
        LayerWork qkv = work.Kernels.First(k => k.Op == LayerOp.Gemm);
        Assert.Equal(new GemmShape(8 * 128, 3 * 768, 768), qkv.Gemm);
        // Fused attention reads Q, K, V (and the 1/√64 scale) and writes the context: the 8·12·128·128
        // scores never reach DRAM.
        LayerWork attention = work.Kernels.First(k => k.Gemm is { BatchCount: 96 });
        Assert.Equal((4.0 * 8 * 128 * 768 * 2) + 2, attention.DramBytes);
    }

    [Fact]
    public void Fp16_HalvesTheBytesOfAFloatModel()
    {
        ModelWork fp32 = ZooWorkloads.Build("resnet18", 2, Precision.Fp32);
        ModelWork fp16 = ZooWorkloads.Build("resnet18", 2, Precision.Fp16);
        Assert.Equal(fp32.DramBytes / 2, fp16.DramBytes, fp32.DramBytes * 1e-6);
        Assert.InRange(fp16.WeightBytes, (fp32.WeightBytes / 2) - 100, (fp32.WeightBytes / 2) + 100);
    }

    [Fact]
    public void Memory_CountsWeightsPeakLiveActivationsAndWorkspace()
    {
        var b = new GraphBuilder("chain");
        string x = b.Input("x", TensorShape.Dynamic, 4, 8, 8);
        b.Output(b.Relu(b.Relu(x)));
        ModelWork work = GraphWorkload.Build(b.Build(), 1, Precision.Fp32);
        // x, relu0 and relu1 are 1 KiB each; at most two are alive at once.
        Assert.Equal(2048, work.PeakActivationBytes);
        Assert.Equal(0, work.WeightBytes);
        Assert.Equal(2048 + GraphWorkload.DefaultWorkspaceBytes, work.MemoryBytes);
        // The two ReLUs are one element-wise kernel reading x and writing the output.
        LayerWork kernel = Assert.Single(work.Kernels);
        Assert.Equal(LayerOp.Elementwise, kernel.Op);
        Assert.Equal(2048, kernel.DramBytes);
    }

    [Fact]
    public void Winograd_IsVisibleToTheCostModelThroughTheConvWindow()
    {
        ModelWork work = ZooWorkloads.Build("vgg16", 1, Precision.Fp32);
        Assert.Equal(13, work.Kernels.Count(k => k.Window is { IsWinogradEligible: true }));
    }

    [Fact]
    public void Conv3D_HasNoWindow_SoNoWinogradRewrite_AndOneGemmOverTheVolume()
    {
        // A 3×3×3, stride-1 convolution runs as im2col + GEMM on both executors.
        var builder = new GraphBuilder("conv3d");
        string x = builder.Input("x", 1, 4, 6, 8, 8);
        builder.Output(builder.Conv(x, 16, [3, 3, 3], [1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1]));
        LayerWork conv = GraphWorkload.Build(builder.Build(), 1, Precision.Fp32).Kernels.Single(k => k.Op == LayerOp.Conv);
        Assert.Null(conv.Window);
        Assert.Equal(new GemmShape(6 * 8 * 8, 16, 4 * 27), conv.Gemm);
    }
}
