using Esen.Kernels.Graph;
using Esen.Kernels.Ops;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The geometry of a 3-D convolution in NCDHW layout with OIDHW weights (ONNX Conv with three spatial
/// dimensions). <paramref name="Window"/> holds the resolved window (auto_pad already explicit).
/// </summary>
/// <param name="Batch">Images (N).</param>
/// <param name="InChannels">Input channels (C).</param>
/// <param name="OutChannels">Output channels (O).</param>
/// <param name="Groups">Groups: channels split into that many independent convolutions.</param>
/// <param name="Window">The window over (depth, height, width).</param>
public readonly record struct Conv3DShape(int Batch, int InChannels, int OutChannels, int Groups, WindowGeometry Window)
{
    /// <summary>Input channels per group.</summary>
    public int InChannelsPerGroup => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>Rows of one group's im2col matrix: its input channels times the kernel volume.</summary>
    public int PatchRowsPerGroup => InChannelsPerGroup * (int)Window.KernelSize;

    /// <summary>Rows of one image's im2col matrix (all groups).</summary>
    public int PatchRows => InChannels * (int)Window.KernelSize;

    /// <summary>Output positions per image and channel: OD·OH·OW.</summary>
    public int Positions => (int)Window.OutputSize;

    /// <summary>Input positions per image and channel: D·H·W.</summary>
    public int InputVolume => Window.Input[0] * Window.Input[1] * Window.Input[2];

    /// <summary>Elements of the input tensor.</summary>
    public long InputLength => (long)Batch * InChannels * InputVolume;

    /// <summary>Elements of the weight tensor (OIDHW with I per group).</summary>
    public long WeightLength => (long)OutChannels * PatchRowsPerGroup;

    /// <summary>Elements of the output tensor.</summary>
    public long OutputLength => (long)Batch * OutChannels * Positions;

    /// <summary>The convolution a Conv node computes over input <paramref name="x"/> with weights <paramref name="w"/>.</summary>
    /// <exception cref="GraphException">The window does not fit, group is not positive, or the input is not 5-D.</exception>
    public static Conv3DShape Of(Node node, TensorShape x, TensorShape w)
    {
        ArgumentNullException.ThrowIfNull(node);
        WindowGeometry window = SlidingWindows.Conv(node, x, w);
        if (window.SpatialRank != 3)
        {
            throw new GraphException($"{node.Describe()}: input {x} is not a 3-D convolution's (N, C, D, H, W)");
        }

        return new Conv3DShape(checked((int)x[0]), checked((int)x[1]), checked((int)w[0]), SlidingWindows.Groups(node), window);
    }

    /// <summary>Throws when the geometry is inconsistent.</summary>
    /// <exception cref="ArgumentException">The window is not 3-D, a count is non-positive, or channels do not divide by groups.</exception>
    public void Validate()
    {
        if (Window is null || Window.SpatialRank != 3 || Batch < 0 || InChannels <= 0 || OutChannels <= 0 || Groups <= 0)
        {
            throw new ArgumentException($"invalid 3-D convolution geometry {this}");
        }

        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
        {
            throw new ArgumentException($"channels {InChannels}->{OutChannels} do not divide into {Groups} groups");
        }
    }
}
