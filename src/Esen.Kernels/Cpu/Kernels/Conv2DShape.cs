namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The geometry of a 2-D convolution in NCHW layout with OIHW weights (ONNX Conv). Pads are
/// explicit (auto_pad is resolved by shape inference before a kernel sees it).
/// </summary>
public readonly record struct Conv2DShape(
    int Batch, int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideH = 1, int StrideW = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1,
    int Groups = 1)
{
    /// <summary>Output height: floor((H + pads − dilation·(kH − 1) − 1) / stride) + 1.</summary>
    public int OutHeight => ((InHeight + PadTop + PadBottom - (DilationH * (KernelHeight - 1)) - 1) / StrideH) + 1;

    /// <summary>Output width, as <see cref="OutHeight"/>.</summary>
    public int OutWidth => ((InWidth + PadLeft + PadRight - (DilationW * (KernelWidth - 1)) - 1) / StrideW) + 1;

    /// <summary>Input channels per group.</summary>
    public int InChannelsPerGroup => InChannels / Groups;

    /// <summary>
    /// One input channel per group in several groups: the direct depthwise kernel runs it. A single-channel
    /// input in one group (a grayscale first layer) is not: there the GEMM shares each input row across all
    /// output channels.
    /// </summary>
    public bool IsDepthwise => InChannelsPerGroup == 1 && Groups > 1;

    /// <summary>A 1×1 kernel with unit stride and no padding: the input planes already are the im2col matrix.</summary>
    public bool IsPointwise =>
        KernelHeight == 1 && KernelWidth == 1 && StrideH == 1 && StrideW == 1
        && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>Output channels per group.</summary>
    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>Elements of the input tensor.</summary>
    public long InputLength => (long)Batch * InChannels * InHeight * InWidth;

    /// <summary>Elements of the weight tensor (OIHW with I per group).</summary>
    public long WeightLength => (long)OutChannels * InChannelsPerGroup * KernelHeight * KernelWidth;

    /// <summary>Elements of the output tensor.</summary>
    public long OutputLength => (long)Batch * OutChannels * OutHeight * OutWidth;

    /// <summary>Throws when the geometry is inconsistent.</summary>
    /// <exception cref="ArgumentException">A dimension is non-positive or channels do not divide by groups.</exception>
    public void Validate()
    {
        if (Batch < 0 || InChannels <= 0 || InHeight <= 0 || InWidth <= 0 || OutChannels <= 0
            || KernelHeight <= 0 || KernelWidth <= 0 || StrideH <= 0 || StrideW <= 0
            || DilationH <= 0 || DilationW <= 0 || Groups <= 0
            || PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
        {
            throw new ArgumentException($"invalid convolution geometry {this}");
        }

        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
        {
            throw new ArgumentException($"channels {InChannels}->{OutChannels} do not divide into {Groups} groups");
        }

        if (OutHeight <= 0 || OutWidth <= 0)
        {
            throw new ArgumentException($"convolution output would be empty: {this}");
        }
    }
}
