using System.Runtime.InteropServices;

namespace Esen.Kernels.Cuda;

/// <summary>
/// A 2-D sliding window passed by value to the pooling and im2col kernels (<c>EsenWindow2D</c> in
/// kernels/esen_cuda.h). Pads are the top/left ones; the bottom/right padding follows from the
/// output size.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Window2D
{
    public int KernelH;
    public int KernelW;
    public int StrideH;
    public int StrideW;
    public int PadTop;
    public int PadLeft;
    public int DilationH;
    public int DilationW;
}
