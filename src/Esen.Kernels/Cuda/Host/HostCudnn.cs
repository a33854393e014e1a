using Esen.Native.Cudnn;

namespace Esen.Kernels.Cuda.Host;

/// <summary>
/// cuDNN's forward convolution written from its documented semantics, on host memory: NCHW input, KCRS
/// filter with C/groups channels per group, cross-correlation (<c>CUDNN_CROSS_CORRELATION</c>), symmetric
/// zero padding, stride and dilation, y = 1·conv(x, w) + 0·y (cudnnConvolutionForward), or with a fused bias and
/// activation y = act(1·conv(x, w) + 0·z + bias[k]) (cudnnConvolutionBiasActivationForward). Its heuristic
/// proposes one algorithm when cuDNN's output size (cudnnGetConvolution2dForwardOutputDim:
/// 1 + (in + 2·pad − ((k − 1)·dilation + 1)) / stride) is the graph's, and none otherwise, as the
/// executor's check against the real library does, so asymmetric ONNX pads take the im2col path here too.
/// </summary>
internal static class HostCudnn
{
    /// <summary>The algorithms proposed for <paramref name="shape"/>: implicit GEMM without workspace, in the descriptor's math type.</summary>
    public static IReadOnlyList<ConvolutionAlgorithmChoice> ProposeConvolutions(ConvolutionShape shape, CudnnMathType mathType)
    {
        Window2D w = shape.Window;
        int outH = 1 + ((shape.InH + (2 * w.PadTop) - (((shape.KernelH - 1) * w.DilationH) + 1)) / w.StrideH);
        int outW = 1 + ((shape.InW + (2 * w.PadLeft) - (((shape.KernelW - 1) * w.DilationW) + 1)) / w.StrideW);
        return (outH, outW) == (shape.OutH, shape.OutW)
            ? [new ConvolutionAlgorithmChoice(CudnnConvolutionForwardAlgorithm.ImplicitGemm, 0, mathType)]
            : [];
    }

    /// <summary>Runs <paramref name="call"/> on host addresses.</summary>
    public static unsafe void Convolution(ConvolutionCall call)
    {
        ConvolutionShape s = call.Shape;
        Window2D w = s.Window;
        int groupIn = s.InChannels / s.Groups, groupOut = s.OutChannels / s.Groups;
        var x = new ReadOnlySpan<float>((void*)call.X, s.Batch * s.InChannels * s.InH * s.InW);
        var filter = new ReadOnlySpan<float>((void*)call.W, s.OutChannels * groupIn * s.KernelH * s.KernelW);
        var y = new Span<float>((void*)call.Y, s.Batch * s.OutChannels * s.Positions);
        var bias = call.FusedActivation is null ? default : new ReadOnlySpan<float>((void*)call.Bias, s.OutChannels);
        for (int n = 0; n < s.Batch; n++)
        {
            for (int k = 0; k < s.OutChannels; k++)
            {
                int firstChannel = k / groupOut * groupIn;
                for (int oh = 0; oh < s.OutH; oh++)
                {
                    for (int ow = 0; ow < s.OutW; ow++)
                    {
                        double sum = 0;
                        for (int c = 0; c < groupIn; c++)
                        {
                            for (int r = 0; r < s.KernelH; r++)
                            {
                                int ih = (oh * w.StrideH) - w.PadTop + (r * w.DilationH);
                                if (ih < 0 || ih >= s.InH)
                                {
                                    continue;
                                }

                                for (int q = 0; q < s.KernelW; q++)
                                {
                                    int iw = (ow * w.StrideW) - w.PadLeft + (q * w.DilationW);
                                    if (iw >= 0 && iw < s.InW)
                                    {
                                        float xv = x[(((((n * s.InChannels) + firstChannel + c) * s.InH) + ih) * s.InW) + iw];
                                        float wv = filter[(((((k * groupIn) + c) * s.KernelH) + r) * s.KernelW) + q];
                                        sum += (double)xv * wv;
                                    }
                                }
                            }
                        }

                        y[(((n * s.OutChannels) + k) * s.Positions) + (oh * s.OutW) + ow] = call.FusedActivation switch
                        {
                            null => (float)sum,
                            CudnnActivationMode.Relu => Math.Max(0f, (float)sum + bias[k]),
                            CudnnActivationMode.Identity => (float)sum + bias[k],
                            CudnnActivationMode mode => throw new NotSupportedException($"cuDNN's fused convolution takes ReLU or identity, not {mode}"),
                        };
                    }
                }
            }
        }
    }
}
