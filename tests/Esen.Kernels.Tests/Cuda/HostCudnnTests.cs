using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// The emulated cuDNN heuristic proposes an algorithm exactly when cuDNN's symmetric-pad output size is the graph's,
/// as the CUDA executor's check against the real library decides. Its convolution's numbers are checked against the
/// CPU executor in <see cref="HostLoweredPlanTests"/> and the conformance suite.
/// </summary>
public class HostCudnnTests
{
    [Theory]
    [InlineData(8, 1, 1, 8, true)] // pads 1/1: 8 rows, as ONNX computes
    [InlineData(8, 0, 1, 7, false)] // pads 0 top, 1 bottom: 7 rows in ONNX, cuDNN's symmetric 0 would give 6
    [InlineData(9, 1, 2, 5, true)] // pads 1 top, 2 bottom at stride 2: the extra bottom pad adds no row
    public void Proposals_FollowCudnnsOutputSize(int inH, int padTop, int stride, int outH, bool proposed)
    {
        var window = new Window2D { KernelH = 3, KernelW = 3, StrideH = stride, StrideW = stride, PadTop = padTop, PadLeft = padTop, DilationH = 1, DilationW = 1 };
        var shape = new ConvolutionShape(1, 2, inH, inH, 4, 3, 3, outH, outH, window, 1);

        IReadOnlyList<ConvolutionAlgorithmChoice> proposals = HostCudnn.ProposeConvolutions(shape, CudnnMathType.Fma);

        Assert.Equal(proposed, proposals.Count == 1);
        Assert.All(proposals, p => Assert.Equal((CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0ul, CudnnMathType.Fma), (p.Algorithm, p.WorkspaceBytes, p.MathType)));
    }
}
