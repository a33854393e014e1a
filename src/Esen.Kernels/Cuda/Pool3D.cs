using System.Runtime.InteropServices;
using Esen.Kernels.Cpu.Ops;

namespace Esen.Kernels.Cuda;

/// <summary>
/// A pooling window over three spatial dimensions (d, h, w), passed by value to the pooling kernels
/// (<c>EsenPool3D</c> in kernels/pooling.cu). 1-D and 2-D windows have leading size-1 dimensions, as in
/// the CPU executor's <see cref="PoolShape"/>, from which it is made.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Pool3D
{
    public Spatial3 Input;
    public Spatial3 Output;
    public Spatial3 Kernel;
    public Spatial3 Strides;
    public Spatial3 PadsBegin;

    /// <summary>The explicit padding after the input; ceil_mode may add windows that reach past it.</summary>
    public Spatial3 PadsEnd;
    public Spatial3 Dilations;

    /// <summary>The window of <paramref name="shape"/>.</summary>
    public static Pool3D Of(PoolShape shape) => new()
    {
        Input = Spatial3.Of(shape.Input), Output = Spatial3.Of(shape.Output), Kernel = Spatial3.Of(shape.Kernel),
        Strides = Spatial3.Of(shape.Strides), PadsBegin = Spatial3.Of(shape.PadsBegin), PadsEnd = Spatial3.Of(shape.PadsEnd),
        Dilations = Spatial3.Of(shape.Dilations),
    };
}

/// <summary>One int per spatial dimension (an <c>int[3]</c> in kernels/pooling.cu).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Spatial3
{
    public int D;
    public int H;
    public int W;

    /// <summary>The three values of <paramref name="values"/> (d, h, w).</summary>
    public static Spatial3 Of(int[] values) => new() { D = values[0], H = values[1], W = values[2] };
}
