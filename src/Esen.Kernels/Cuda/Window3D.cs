using System.Runtime.InteropServices;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cuda;

/// <summary>
/// A sliding window over three spatial dimensions (d, h, w), passed by value to the pooling and 3-D im2col
/// kernels (<c>EsenWindow3D</c> in kernels/esen_cuda.h). 1-D and 2-D windows have leading size-1 dimensions
/// (<see cref="WindowGeometry.Padded"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Window3D
{
    public Spatial3 Input;
    public Spatial3 Output;
    public Spatial3 Kernel;
    public Spatial3 Strides;
    public Spatial3 PadsBegin;

    /// <summary>The explicit padding after the input; ceil_mode may add windows that reach past it.</summary>
    public Spatial3 PadsEnd;
    public Spatial3 Dilations;

    /// <summary>The window of <paramref name="geometry"/>, with leading size-1 dimensions below three.</summary>
    public static Window3D Of(WindowGeometry geometry)
    {
        WindowGeometry g = geometry.Padded(3);
        return new()
        {
            Input = Spatial3.Of(g.Input), Output = Spatial3.Of(g.Output), Kernel = Spatial3.Of(g.Kernel), Strides = Spatial3.Of(g.Strides),
            PadsBegin = Spatial3.Of(g.PadsBegin), PadsEnd = Spatial3.Of(g.PadsEnd), Dilations = Spatial3.Of(g.Dilations),
        };
    }
}

/// <summary>One int per spatial dimension (an <c>int[3]</c> in kernels/esen_cuda.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Spatial3
{
    public int D;
    public int H;
    public int W;

    /// <summary>The three values of <paramref name="values"/> (d, h, w).</summary>
    public static Spatial3 Of(int[] values) => new() { D = values[0], H = values[1], W = values[2] };
}
