using System.Runtime.InteropServices;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cuda;

/// <summary>
/// Launch arguments, one unmanaged struct per kernel signature in kernels/*.cu, fields in the
/// entry point's parameter order with the same widths: device pointers are <see cref="ulong"/>,
/// C <c>int</c> is <see cref="int"/>, <c>float</c> is <see cref="float"/>, by-value structs are
/// <see cref="Dims6"/>, <see cref="Window2D"/> and <see cref="Window3D"/>. Each struct's memory layout equals the packed
/// PTX parameter buffer (every parameter at its own alignment), so it can be handed to
/// <c>cuLaunchKernel</c> either as that buffer (<c>CU_LAUNCH_PARAM_BUFFER_POINTER</c>) or as one
/// pointer per field. A test parses every committed PTX <c>.entry</c> and checks field count,
/// sizes, offsets and kinds. <see cref="PtxKernels"/> says which entry point takes which struct.
/// </summary>
internal static class CudaKernelArgs
{
    /// <summary><c>esen_bias_activation</c>: y = act(x + bias[(i / Inner) % Channels]); Bias may be 0.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BiasActivation
    {
        public ulong X;
        public ulong Bias;
        public ulong Y;
        public int Count;
        public int Channels;
        public int Inner;
        public EpilogueActivation Activation;
        public float Alpha;
        public float Beta;
    }

    /// <summary>
    /// <c>esen_clip</c>, <c>esen_clip_int8</c>, <c>esen_clip_uint8</c>: y = min(max(x, *Min), *Max), bounds read on the device
    /// (of x's type); Lo or Hi where Min or Max is 0.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Clip
    {
        public ulong X;
        public ulong Y;
        public int Count;
        public ulong Min;
        public ulong Max;
        public float Lo;
        public float Hi;
    }

    /// <summary>
    /// <c>esen_add</c>, <c>esen_sub</c>, <c>esen_mul</c>, <c>esen_div</c> (float32), the same with <c>_double</c>, and
    /// <c>esen_add_&lt;type&gt;</c>, <c>esen_sub_&lt;type&gt;</c>, <c>esen_mul_&lt;type&gt;</c> of every integer type: y = a ∘ b
    /// with broadcasting strides.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Binary
    {
        public ulong A;
        public ulong B;
        public ulong Y;
        public int Count;
        public Dims6 OutDims;
        public Dims6 AStrides;
        public Dims6 BStrides;
    }

    /// <summary>
    /// <c>esen_div_&lt;type&gt;</c> of every integer type: y = a / b truncated toward zero, with broadcasting strides; a zero
    /// divisor or a signed type's minimum / −1 stores FaultCode at Fault.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IntegerDiv
    {
        public ulong A;
        public ulong B;
        public ulong Y;
        public int Count;
        public Dims6 OutDims;
        public Dims6 AStrides;
        public Dims6 BStrides;
        public ulong Fault;
        public int FaultCode;
    }

    /// <summary><c>esen_cast</c>: Y[i] = X[i] converted from element type From to To (the CPU executor's conversion).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Cast
    {
        public ulong X;
        public ulong Y;
        public int Count;
        public DataType From;
        public DataType To;
    }

    /// <summary><c>esen_copy</c> (Count 4-byte words) and <c>esen_copy_bytes</c> (Count bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Copy
    {
        public ulong X;
        public ulong Y;
        public int Count;
    }

    /// <summary><c>esen_fill_one</c>: Count elements of type Type at Y set to 1.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FillOne
    {
        public ulong Y;
        public int Count;
        public DataType Type;
    }

    /// <summary>
    /// <c>esen_strided_copy</c>, <c>esen_strided_copy_int64</c>, <c>esen_strided_copy_int16</c> and <c>esen_strided_copy_int8</c>
    /// (elements of 4, 8, 2 and 1 bytes): transpose, expand, slice.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StridedCopy
    {
        public ulong X;
        public ulong Y;
        public int Count;
        public Dims6 OutDims;
        public Dims6 InStrides;
    }

    /// <summary><c>esen_pad</c> (4-byte elements), <c>_int64</c>, <c>_int16</c> and <c>_int8</c>: Pad, a thread per output element.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Pad
    {
        public ulong X;
        public ulong Y;
        public ulong Value;
        public ulong ValueBits;
        public int Count;
        public Dims6 InDims;
        public Dims6 OutDims;
        public Dims6 Begins;
        public Graph.PadMode Mode;
    }

    /// <summary><c>esen_concat_slab</c> (4-byte words), <c>_int16</c> and <c>_int8</c>: one input of a concat.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ConcatSlab
    {
        public ulong X;
        public ulong Y;
        public int Outer;
        public int Slab;
        public int YRow;
        public int YOffset;
    }

    /// <summary>
    /// <c>esen_gather</c>: Y[o, j, :] = X[o, Indices[j], :] over 4-byte words (int64 data with Inner doubled), and its
    /// <c>_int16</c>, <c>_int8</c> and <c>_by_int32</c> forms (2- and 1-byte elements, int32 indices); an index out of
    /// range stores FaultCode at Fault.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Gather
    {
        public ulong X;
        public ulong Indices;
        public ulong Y;
        public int Outer;
        public int Axis;
        public int Inner;
        public int Count;
        public ulong Fault;
        public int FaultCode;
    }

    /// <summary>
    /// <c>esen_matmul_double</c>: Y[b, i, j] = Alpha · Σₚ A_b[i, p] · B_b[p, j] (+ Beta · Y when Beta ≠ 0), A_b[i, p] at
    /// A + (batch offset + i·ARow + p·ACol) doubles, B_b[p, j] at B + (batch offset + p·BRow + j·BCol).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MatMulDouble
    {
        public ulong A;
        public ulong B;
        public ulong Y;
        public int Count;
        public int M;
        public int N;
        public int K;
        public Dims6 BatchDims;
        public Dims6 ABatch;
        public Dims6 BBatch;
        public int ARow;
        public int ACol;
        public int BRow;
        public int BCol;
        public double Alpha;
        public double Beta;
    }

    /// <summary><c>esen_max_pool</c>, <c>esen_max_pool_int8</c>, <c>esen_max_pool_uint8</c>; Indices (int64, may be 0) receives each maximum's flat index, column-major when ColumnMajor ≠ 0.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MaxPool
    {
        public ulong X;
        public ulong Y;
        public int Planes;
        public Window3D Window;
        public ulong Indices;
        public int ColumnMajor;
    }

    /// <summary><c>esen_avg_pool</c>; CountIncludePad ≠ 0 counts the explicit padding in the divisor.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AvgPool
    {
        public ulong X;
        public ulong Y;
        public int Planes;
        public Window3D Window;
        public int CountIncludePad;
    }

    /// <summary><c>esen_global_avg_pool</c>: one block per plane.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct GlobalAvgPool
    {
        public ulong X;
        public ulong Y;
        public int Planes;
        public int PlaneSize;
    }

    /// <summary><c>esen_batch_norm</c> (inference).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BatchNorm
    {
        public ulong X;
        public ulong Y;
        public ulong Scale;
        public ulong Bias;
        public ulong Mean;
        public ulong Variance;
        public int Count;
        public int Channels;
        public int Inner;
        public float Epsilon;
    }

    /// <summary><c>esen_layer_norm</c> over rows; Bias, Mean and InvStdDev may be 0. One block per row.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct LayerNorm
    {
        public ulong X;
        public ulong Y;
        public ulong Scale;
        public ulong Bias;
        public ulong Mean;
        public ulong InvStdDev;
        public int Rows;
        public int Cols;
        public float Epsilon;
    }

    /// <summary><c>esen_softmax</c> over the last axis. One block per row.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Softmax
    {
        public ulong X;
        public ulong Y;
        public int Rows;
        public int Cols;
    }

    /// <summary>
    /// <c>esen_where_&lt;bits&gt;</c>: Output = Condition ? X : Y, element by element, each input with its broadcasting strides.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Where
    {
        public ulong Condition;
        public ulong X;
        public ulong Y;
        public ulong Output;
        public int Count;
        public Dims6 OutDims;
        public Dims6 ConditionStrides;
        public Dims6 XStrides;
        public Dims6 YStrides;
    }

    /// <summary><c>esen_sqrt</c>, <c>esen_log</c> and <c>esen_not</c>: y = f(x), element by element.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Unary
    {
        public ulong X;
        public ulong Y;
        public int Count;
    }

    /// <summary>
    /// <c>esen_reduce_mean</c> and <c>esen_reduce_max</c>: one thread per output element, each reducing the input
    /// elements of its <see cref="Graph.ReductionGeometry"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Reduce
    {
        public ulong X;
        public ulong Y;
        public int Count;
        public Dims6 KeptDims;
        public Dims6 KeptStrides;
        public Dims6 ReducedDims;
        public Dims6 ReducedStrides;
        public int ReducedCount;
    }

    /// <summary><c>esen_softmax_axis</c> along the middle axis of [Outer, Axis, Inner]. One thread per column.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SoftmaxAxis
    {
        public ulong X;
        public ulong Y;
        public int Outer;
        public int Axis;
        public int Inner;
    }

    /// <summary><c>esen_im2col</c> for one NCHW image.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Im2Col
    {
        public ulong X;
        public ulong Col;
        public int Channels;
        public int InH;
        public int InW;
        public int OutH;
        public int OutW;
        public Window2D Window;
    }

    /// <summary><c>esen_im2col_3d</c> for one NCDHW image.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Im2Col3D
    {
        public ulong X;
        public ulong Col;
        public int Channels;
        public Window3D Window;
    }

    /// <summary>
    /// <c>esen_col2im_3d</c> for one image: the adjoint of <see cref="Im2Col3D"/> (ConvTranspose), summing the column
    /// matrix into the image and adding the bias (0 for none). The window is the adjoint convolution's
    /// (<see cref="Graph.ConvTransposeGeometry"/>): its input is the image, its output the columns' positions.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Col2Im3D
    {
        public ulong Col;
        public ulong Image;
        public ulong Bias;
        public int Channels;
        public Window3D Window;
    }

    /// <summary>
    /// <c>esen_resize</c>: one thread per output element; shapes and scales right-aligned into six dimensions, the modes
    /// as <see cref="Graph.ResizeCoordinates"/> and <see cref="Graph.ResizeRounding"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Resize
    {
        public ulong X;
        public ulong Y;
        public int Count;
        public Dims6 InDims;
        public Dims6 OutDims;
        public Floats6 Scales;
        public int Linear;
        public Graph.ResizeCoordinates Coordinates;
        public Graph.ResizeRounding Rounding;
    }

    /// <summary><c>esen_ensemble_mean</c> over member-major stacked outputs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EnsembleMean
    {
        public ulong Scores;
        public ulong Y;
        public int Members;
        public int Count;
    }

    /// <summary><c>esen_ensemble_weighted_mean</c>; the weights are normalised by their sum.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EnsembleWeightedMean
    {
        public ulong Scores;
        public ulong Weights;
        public ulong Y;
        public int Members;
        public int Count;
    }

    /// <summary><c>esen_ensemble_vote</c>: majority of per-member argmax; ClassIds or OneHot may be 0.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EnsembleVote
    {
        /// <summary>The most members a vote accepts (ESEN_MAX_VOTERS in kernels/ensemble.cu).</summary>
        public const int MaxMembers = 32;

        public ulong Scores;
        public ulong ClassIds;
        public ulong OneHot;
        public int Members;
        public int Rows;
        public int Classes;
    }

    /// <summary><c>esen_cascade_gate</c>: launch with exactly one block. ExitRows may be 0.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CascadeGate
    {
        public ulong Scores;
        public ulong ContinueRows;
        public ulong ExitRows;
        public ulong Counts;
        public int Rows;
        public int Classes;
        public float Threshold;
        public int ScoresAreProbabilities;
    }

    /// <summary><c>esen_gather_rows</c> and <c>esen_scatter_rows</c>; Count points to the device-side row count.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RowMove
    {
        public ulong Src;
        public ulong Dst;
        public ulong Rows;
        public ulong Count;
        public int RowSize;
    }
}
