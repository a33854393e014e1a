using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Kernels.Ops;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>Which cuDNN convolutions take their bias and activation in the same call, and what the lowering emits then.</summary>
public class ConvolutionFusionTests
{
    [Theory]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitGemm, ActivationKind.Relu, true, CudnnActivationMode.Relu)]
    [InlineData(CudnnConvolutionForwardAlgorithm.Winograd, ActivationKind.Relu, true, CudnnActivationMode.Relu)]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.Relu, true, CudnnActivationMode.Relu)]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.None, true, CudnnActivationMode.Identity)]
    public void Fused_WhenCudnnOffersTheActivationForTheAlgorithm(
        CudnnConvolutionForwardAlgorithm algorithm, ActivationKind activation, bool hasBias, CudnnActivationMode expected) =>
        Assert.Equal(expected, ConvolutionFusion.FusedActivation(algorithm, activation, hasBias));

    [Theory]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitGemm, ActivationKind.None, true)] // identity needs IMPLICIT_PRECOMP_GEMM
    [InlineData(CudnnConvolutionForwardAlgorithm.Fft, ActivationKind.None, true)]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.Relu, false)] // the call always adds a bias
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.None, false)]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.LeakyRelu, true)]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.Clip, true)]
    [InlineData(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, ActivationKind.Sigmoid, true)]
    public void NotFused_Otherwise(CudnnConvolutionForwardAlgorithm algorithm, ActivationKind activation, bool hasBias) =>
        Assert.Null(ConvolutionFusion.FusedActivation(algorithm, activation, hasBias));

    [Fact]
    public void RewrittenCnn_ConvWithRelu_IsOneCudnnCall_ConvWithLeakyRelu_KeepsItsEpilogue()
    {
        // conv0 carries a bias and a fused Relu; conv1 a bias (BatchNorm folded in) and a fused LeakyRelu.
        LayerGraph graph = GraphRewrites.Optimize(CudaTestGraphs.Cnn());
        (CudaLayout layout, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(
            graph, CudaTestGraphs.Shapes(graph), proposeConvolutions: (_, _) => [new(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, CudnnMathType.Fma)]);

        ConvolutionStep[] convolutions = [.. steps.OfType<ConvolutionStep>()];
        Assert.Equal(2, convolutions.Length);
        ConvolutionCall relu = Assert.Single(convolutions, c => c.Call.FusedActivation is not null).Call;
        Assert.Equal(CudnnActivationMode.Relu, relu.FusedActivation);
        Node conv0 = graph.Nodes.Single(n => n.OpType == "Conv" && Activations.FusedInto(n).Kind == ActivationKind.Relu);
        Assert.Equal(layout.Place(conv0.Inputs[2]).Region, RegionOf(relu.Bias));
        ConvolutionCall leaky = Assert.Single(convolutions, c => c.Call.FusedActivation is null).Call;
        Assert.Equal(0UL, leaky.Bias);

        // One bias-activation launch: conv1's, right after its convolution; none after conv0's fused call.
        int leakyAt = steps.ToList().FindIndex(s => s is ConvolutionStep c && c.Call == leaky);
        Assert.IsType<KernelStep<CudaKernelArgs.BiasActivation>>(steps[leakyAt + 1]);
        Assert.Single(steps.OfType<KernelStep<CudaKernelArgs.BiasActivation>>());
    }

    // LoweredPlanHarness puts region i at (i + 1) << 32.
    private static int RegionOf(ulong address) => (int)(address >> 32) - 1;
}
