using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Native.Cublas;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The precision settings handed to cuDNN and cuBLAS, captured without a GPU: a stand-in for cuDNN's
/// heuristic records the math type it is asked with, and a recording runner keeps every call the
/// lowered plan makes.
/// </summary>
public class GpuMathTests
{
    // What cuDNN's heuristic may answer on Ampere and later when tensor cores are permitted: a TF32
    // algorithm first, an FMA one next, and one that rounds operands to fp16.
    private static readonly ConvolutionAlgorithmChoice[] s_proposals =
    [
        new(CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, 4096, CudnnMathType.TensorOp),
        new(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, CudnnMathType.Fma),
        new(CudnnConvolutionForwardAlgorithm.WinogradNonfused, 8192, CudnnMathType.TensorOpAllowConversion),
    ];

    [Fact]
    public void DefaultExecutorOptions_AreFp32()
    {
        Assert.Equal(GpuPrecision.Fp32, new CudaExecutorOptions().Precision);
        Assert.Equal(GpuPrecision.Fp32, default(GpuMath).Precision);
    }

    [Theory]
    [InlineData(GpuPrecision.Fp32, CudnnMathType.Fma, CublasMath.Default, CublasComputeType.Compute32F)]
    [InlineData(GpuPrecision.Tf32, CudnnMathType.TensorOp, CublasMath.Tf32TensorOp, CublasComputeType.Compute32FFastTf32)]
    public void Settings_OfEachPrecision(GpuPrecision precision, CudnnMathType convolution, CublasMath mode, CublasComputeType compute)
    {
        var math = new GpuMath(precision);
        Assert.Equal((convolution, mode, compute), (math.ConvolutionMathType, math.BlasMathMode, math.BlasComputeType));
    }

    [Theory]
    [InlineData(GpuPrecision.Fp32, 1e-4)]
    [InlineData(GpuPrecision.Tf32, 1e-2)]
    public void CpuRelativeL2Tolerance_OfEachPrecision(GpuPrecision precision, double bound) =>
        Assert.Equal(bound, new GpuMath(precision).CpuRelativeL2Tolerance);

    [Theory]
    [InlineData(GpuPrecision.Fp32, CudnnMathType.Fma, true)]
    [InlineData(GpuPrecision.Fp32, CudnnMathType.Default, false)] // may run TF32 on Ampere and later
    [InlineData(GpuPrecision.Fp32, CudnnMathType.TensorOp, false)]
    [InlineData(GpuPrecision.Fp32, CudnnMathType.TensorOpAllowConversion, false)]
    [InlineData(GpuPrecision.Tf32, CudnnMathType.Fma, true)]
    [InlineData(GpuPrecision.Tf32, CudnnMathType.Default, true)]
    [InlineData(GpuPrecision.Tf32, CudnnMathType.TensorOp, true)]
    [InlineData(GpuPrecision.Tf32, CudnnMathType.TensorOpAllowConversion, false)] // fp16 operands
    public void Admits_OnlyAlgorithmsComputingInThePrecision(GpuPrecision precision, CudnnMathType reported, bool admitted) =>
        Assert.Equal(admitted, new GpuMath(precision).Admits(reported));

    [Theory]
    [InlineData(GpuPrecision.Fp32, CudnnMathType.Fma, CudnnConvolutionForwardAlgorithm.ImplicitGemm, CublasMath.Default, CublasComputeType.Compute32F)]
    [InlineData(GpuPrecision.Tf32, CudnnMathType.TensorOp, CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm, CublasMath.Tf32TensorOp, CublasComputeType.Compute32FFastTf32)]
    public void ConvAndGemmGraph_HandsTheirMathToCudnnAndCublas(
        GpuPrecision precision, CudnnMathType mathType, CudnnConvolutionForwardAlgorithm algorithm, CublasMath mode, CublasComputeType compute)
    {
        // Two convolutions (one grouped) and a Gemm.
        LayerGraph graph = CudaTestGraphs.Cnn();
        var asked = new List<CudnnMathType>();
        (_, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(graph, CudaTestGraphs.Shapes(graph), new GpuMath(precision), (_, descriptorMath) =>
        {
            asked.Add(descriptorMath);
            return s_proposals;
        });
        RecordingRunner calls = RecordingRunner.Run(steps);

        Assert.Equal([mathType, mathType], asked);
        Assert.Equal(2, calls.Convolutions.Count);
        Assert.All(calls.Convolutions, c => Assert.Equal((algorithm, mathType), (c.Algorithm, c.MathType)));
        GemmCall gemm = Assert.Single(calls.Gemms);
        Assert.Equal((mode, compute), (gemm.MathMode, gemm.ComputeType));
    }

    [Fact]
    public void Fp32_WithoutAnFmaProposal_RunsTheConvolutionsAsFp32Gemms()
    {
        // A heuristic that offers only tensor-core algorithms: fp32 takes none of them.
        LayerGraph graph = CudaTestGraphs.Cnn();
        (_, IReadOnlyList<CudaStep> steps, _) = LoweredPlanHarness.Lower(
            graph, CudaTestGraphs.Shapes(graph), new GpuMath(GpuPrecision.Fp32), (_, _) => [s_proposals[0], s_proposals[2]]);
        RecordingRunner calls = RecordingRunner.Run(steps);

        Assert.Empty(calls.Convolutions);

        // Per image (batch 2) one GEMM for each of the two convolutions, and the Gemm node.
        Assert.Equal(5, calls.Gemms.Count);
        Assert.All(calls.Gemms, g => Assert.Equal((CublasMath.Default, CublasComputeType.Compute32F), (g.MathMode, g.ComputeType)));
    }

    [Fact]
    public void Tf32_NeverTakesAnFp16ConversionAlgorithm()
    {
        ConvolutionAlgorithmChoice? chosen = new GpuMath(GpuPrecision.Tf32).ChooseConvolution([s_proposals[2], s_proposals[1]]);

        Assert.Equal(s_proposals[1], chosen);
    }

    [Theory]
    [InlineData("fp32", GpuPrecision.Fp32)]
    [InlineData("tf32", GpuPrecision.Tf32)]
    public void Names_RoundTrip(string name, GpuPrecision precision)
    {
        Assert.True(GpuPrecisions.TryParse(name, out GpuPrecision parsed));
        Assert.Equal(precision, parsed);
        Assert.Equal(name, precision.ToName());
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("TF32")]
    [InlineData("")]
    public void UnknownNames_AreRejected(string name) => Assert.False(GpuPrecisions.TryParse(name, out _));

    /// <summary>Keeps the cuBLAS and cuDNN calls of a plan; kernel launches carry no math setting and are dropped.</summary>
    private sealed class RecordingRunner : ICudaStepRunner
    {
        public List<GemmCall> Gemms { get; } = [];

        public List<ConvolutionCall> Convolutions { get; } = [];

        public static RecordingRunner Run(IReadOnlyList<CudaStep> steps)
        {
            var runner = new RecordingRunner();
            foreach (CudaStep step in steps)
            {
                step.Run(runner);
            }

            return runner;
        }

        public void Launch<TArgs>(PtxKernel<TArgs> kernel, LaunchConfig config, in TArgs args)
            where TArgs : unmanaged
        {
        }

        public void Gemm(in GemmCall call) => Gemms.Add(call);

        public void Convolution(ConvolutionCall call) => Convolutions.Add(call);
    }
}
