using Esen.Kernels.Cuda;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>The choice among cuDNN's algorithms and im2col + cuBLAS, from made-up heuristic answers and measurements.</summary>
public class ConvolutionAlgorithmRuleTests
{
    private const ulong Unlimited = ulong.MaxValue;
    private static readonly GpuMath s_fp32 = new(GpuPrecision.Fp32);
    private static readonly GpuMath s_tf32 = new(GpuPrecision.Tf32);

    private static readonly ConvolutionAlgorithmChoice[] s_heuristic =
    [
        new(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, 4096, CudnnMathType.Fma),
        new(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, CudnnMathType.Fma),
    ];

    private static ConvolutionAlgorithmChoice Timed(CudnnConvolutionForwardAlgorithm algorithm, float ms, ulong workspace = 0, CudnnMathType math = CudnnMathType.Fma) =>
        new(algorithm, workspace, math, ms);

    [Fact]
    public void Measured_TheFastestCudnnAlgorithmWins_NotTheHeuristicsFirst()
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, new ConvolutionCandidates(
            s_heuristic,
            [Timed(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, 0.30f), Timed(CudnnConvolutionForwardAlgorithm.Winograd, 0.12f, 1 << 20)],
            Im2ColMilliseconds: 0.5f));

        Assert.Equal(new ConvolutionAlgorithm(CudnnConvolutionForwardAlgorithm.Winograd, 1 << 20, CudnnMathType.Fma), d.Cudnn);
        Assert.True(d.Measured);
        Assert.Null(d.Note);
    }

    [Fact]
    public void Measured_Im2ColFasterThanEveryCudnnAlgorithm_RunsIm2Col()
    {
        // As at batch 1 on the H200 (gpu-baseline: ResNet-18 b1 2.34 ms on cuDNN, 1.03 ms on im2col + cuBLAS).
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, new ConvolutionCandidates(
            s_heuristic, [Timed(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0.09f)], Im2ColMilliseconds: 0.04f));

        Assert.Null(d.Cudnn);
        Assert.True(d.Measured);
    }

    [Fact]
    public void Measured_Ties_GoToTheSmallerWorkspace_ThenToCudnn_ThenToTheLowerAlgorithm()
    {
        ConvolutionAlgorithm? Choose(params ConvolutionAlgorithmChoice[] measured) =>
            ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, new ConvolutionCandidates(s_heuristic, measured, Im2ColMilliseconds: 0.2f)).Cudnn;

        Assert.Equal(CudnnConvolutionForwardAlgorithm.Gemm, Choose(
            Timed(CudnnConvolutionForwardAlgorithm.Fft, 0.2f, 4096), Timed(CudnnConvolutionForwardAlgorithm.Gemm, 0.2f, 0))?.Algorithm);
        Assert.Equal(CudnnConvolutionForwardAlgorithm.Direct, Choose(
            Timed(CudnnConvolutionForwardAlgorithm.Direct, 0.2f), Timed(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, 0.2f, 1))?.Algorithm);
        Assert.Equal(CudnnConvolutionForwardAlgorithm.ImplicitGemm, Choose(
            Timed(CudnnConvolutionForwardAlgorithm.Direct, 0.2f), Timed(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0.2f))?.Algorithm);

        // The order of the reports does not matter.
        Assert.Equal(CudnnConvolutionForwardAlgorithm.ImplicitGemm, Choose(
            Timed(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0.2f), Timed(CudnnConvolutionForwardAlgorithm.Direct, 0.2f))?.Algorithm);
    }

    [Fact]
    public void Measured_AlgorithmsOverTheWorkspaceLimit_AreNotChosen()
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, 1 << 20, new ConvolutionCandidates(
            s_heuristic,
            [Timed(CudnnConvolutionForwardAlgorithm.Fft, 0.01f, 64 << 20), Timed(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0.3f)],
            Im2ColMilliseconds: 0.4f));

        Assert.Equal(CudnnConvolutionForwardAlgorithm.ImplicitGemm, d.Cudnn?.Algorithm);
    }

    [Fact]
    public void Fp32_NeverTakesAMeasuredTensorCoreAlgorithm_Tf32Does()
    {
        var candidates = new ConvolutionCandidates(
            s_heuristic,
            [Timed(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, 0.05f, 0, CudnnMathType.TensorOp), Timed(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0.3f)],
            Im2ColMilliseconds: 0.4f);

        Assert.Equal(
            new ConvolutionAlgorithm(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, CudnnMathType.Fma),
            ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, candidates).Cudnn);
        Assert.Equal(
            new ConvolutionAlgorithm(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, 0, CudnnMathType.TensorOp),
            ConvolutionAlgorithmRule.Choose(s_tf32, Unlimited, candidates).Cudnn);
    }

    [Fact]
    public void Tf32_NeverTakesAnFp16ConversionAlgorithm_EvenWhenFastest()
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_tf32, Unlimited, new ConvolutionCandidates(
            s_heuristic, [Timed(CudnnConvolutionForwardAlgorithm.Winograd, 0.01f, 0, CudnnMathType.TensorOpAllowConversion)], Im2ColMilliseconds: 0.4f));

        Assert.Null(d.Cudnn);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    public void Measured_InvalidTimes_AreIgnored(float bad)
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, new ConvolutionCandidates(
            s_heuristic, [Timed(CudnnConvolutionForwardAlgorithm.Direct, bad), Timed(CudnnConvolutionForwardAlgorithm.Gemm, 0.5f)], Im2ColMilliseconds: bad));

        Assert.Equal(CudnnConvolutionForwardAlgorithm.Gemm, d.Cudnn?.Algorithm);
    }

    [Fact]
    public void NotMeasured_TheHeuristicsFirstEligibleProposalRuns_WithoutANote()
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, 1024, new ConvolutionCandidates(s_heuristic));

        // The first proposal needs 4096 bytes, over the limit.
        Assert.Equal(new ConvolutionAlgorithm(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, CudnnMathType.Fma), d.Cudnn);
        Assert.False(d.Measured);
        Assert.Null(d.Note);
    }

    [Fact]
    public void MeasurementFailure_FallsBackToTheHeuristic_WithANote()
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, new ConvolutionCandidates(
            s_heuristic, Im2ColMilliseconds: 0.01f, MeasurementFailure: "CUDNN_STATUS_ALLOC_FAILED"));

        Assert.Equal(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, d.Cudnn?.Algorithm);
        Assert.False(d.Measured);
        Assert.Contains("CUDNN_STATUS_ALLOC_FAILED", d.Note, StringComparison.Ordinal);
        Assert.Contains("heuristic", d.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingEligible_RunsIm2Col()
    {
        ConvolutionDecision d = ConvolutionAlgorithmRule.Choose(s_fp32, Unlimited, new ConvolutionCandidates(
            [new(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, CudnnMathType.TensorOp)], Measured: []));

        Assert.Null(d.Cudnn);
        Assert.NotNull(d.Note);
    }
}
