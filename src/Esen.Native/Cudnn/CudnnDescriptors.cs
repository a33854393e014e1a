using System.Diagnostics.CodeAnalysis;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cudnn;

/// <summary>A cuDNN tensor descriptor (shape, strides, data type).</summary>
public sealed class TensorDescriptor : IDisposable
{
    private TensorDescriptor(SafeCudnnTensorDescriptorHandle handle)
    {
        Handle = handle;
    }

    internal SafeCudnnTensorDescriptorHandle Handle { get; }

    /// <summary>A 4-d tensor (N, C, H, W) in the given layout.</summary>
    public static TensorDescriptor Create4d(CudnnTensorFormat format, CudnnDataType dataType, int n, int c, int h, int w)
    {
        SafeCudnnTensorDescriptorHandle handle = Create();
        try
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetTensor4dDescriptor(handle, format, dataType, n, c, h, w));
            return new TensorDescriptor(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>An n-d tensor (3 to 8 dims) with explicit strides in elements.</summary>
    public static TensorDescriptor CreateNd(CudnnDataType dataType, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        if (dims.Length != strides.Length)
        {
            throw new ArgumentException($"{dims.Length} dims but {strides.Length} strides.", nameof(strides));
        }

        SafeCudnnTensorDescriptorHandle handle = Create();
        try
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetTensorNdDescriptor(handle, dataType, dims, strides));
            return new TensorDescriptor(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Destroys the descriptor.</summary>
    public void Dispose() => Handle.Dispose();

    [SuppressMessage("Reliability", "CA2000", Justification = "Disposed on failure; returned to the caller on success.")]
    private static SafeCudnnTensorDescriptorHandle Create()
    {
        cudnnStatus_t status = Interop.Interop.Cudnn.cudnnCreateTensorDescriptor(out SafeCudnnTensorDescriptorHandle handle);
        CudnnException.ThrowIfFailed(status, handle, "cudnnCreateTensorDescriptor");
        return handle;
    }
}

/// <summary>A cuDNN filter (weights) descriptor.</summary>
public sealed class FilterDescriptor : IDisposable
{
    private FilterDescriptor(SafeCudnnFilterDescriptorHandle handle)
    {
        Handle = handle;
    }

    internal SafeCudnnFilterDescriptorHandle Handle { get; }

    /// <summary>A 4-d filter (K output channels, C input channels per group, H, W).</summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "Disposed on failure; owned by the wrapper on success.")]
    public static FilterDescriptor Create4d(CudnnDataType dataType, CudnnTensorFormat format, int k, int c, int h, int w)
    {
        cudnnStatus_t status = Interop.Interop.Cudnn.cudnnCreateFilterDescriptor(out SafeCudnnFilterDescriptorHandle handle);
        CudnnException.ThrowIfFailed(status, handle, "cudnnCreateFilterDescriptor");
        try
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetFilter4dDescriptor(handle, dataType, format, k, c, h, w));
            return new FilterDescriptor(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Destroys the descriptor.</summary>
    public void Dispose() => Handle.Dispose();
}

/// <summary>A cuDNN 2-d convolution descriptor (padding, stride, dilation, groups, math type).</summary>
public sealed class ConvolutionDescriptor : IDisposable
{
    private ConvolutionDescriptor(SafeCudnnConvolutionDescriptorHandle handle)
    {
        Handle = handle;
    }

    internal SafeCudnnConvolutionDescriptorHandle Handle { get; }

    /// <summary>A 2-d convolution; ONNX Conv is <see cref="CudnnConvolutionMode.CrossCorrelation"/>.</summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "Disposed on failure; owned by the wrapper on success.")]
    public static ConvolutionDescriptor Create2d(
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW,
        CudnnConvolutionMode mode = CudnnConvolutionMode.CrossCorrelation,
        CudnnDataType computeType = CudnnDataType.Float,
        int groupCount = 1,
        CudnnMathType mathType = CudnnMathType.Default)
    {
        cudnnStatus_t status = Interop.Interop.Cudnn.cudnnCreateConvolutionDescriptor(out SafeCudnnConvolutionDescriptorHandle handle);
        CudnnException.ThrowIfFailed(status, handle, "cudnnCreateConvolutionDescriptor");
        try
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetConvolution2dDescriptor(
                handle, padH, padW, strideH, strideW, dilationH, dilationW, mode, computeType));
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetConvolutionGroupCount(handle, groupCount));
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetConvolutionMathType(handle, mathType));
            return new ConvolutionDescriptor(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The output shape (N, C, H, W) of this convolution on the given input and filter.</summary>
    public (int N, int C, int H, int W) OutputDimensions(TensorDescriptor input, FilterDescriptor filter)
    {
        CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnGetConvolution2dForwardOutputDim(
            Handle, input.Handle, filter.Handle, out int n, out int c, out int h, out int w));
        return (n, c, h, w);
    }

    /// <summary>Destroys the descriptor.</summary>
    public void Dispose() => Handle.Dispose();
}

/// <summary>A cuDNN activation descriptor (mode, NaN propagation, coefficient).</summary>
public sealed class ActivationDescriptor : IDisposable
{
    private ActivationDescriptor(SafeCudnnActivationDescriptorHandle handle)
    {
        Handle = handle;
    }

    internal SafeCudnnActivationDescriptorHandle Handle { get; }

    /// <summary>
    /// An activation; ReLU propagates NaN, as ONNX Relu (max(x, 0) of NaN is NaN). <paramref name="coefficient"/> is the
    /// clipping threshold or the ELU alpha; other modes ignore it.
    /// </summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "Disposed on failure; owned by the wrapper on success.")]
    public static ActivationDescriptor Create(CudnnActivationMode mode, double coefficient = 0)
    {
        cudnnStatus_t status = Interop.Interop.Cudnn.cudnnCreateActivationDescriptor(out SafeCudnnActivationDescriptorHandle handle);
        CudnnException.ThrowIfFailed(status, handle, "cudnnCreateActivationDescriptor");
        try
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetActivationDescriptor(handle, mode, CudnnNanPropagation.PropagateNan, coefficient));
            return new ActivationDescriptor(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Destroys the descriptor.</summary>
    public void Dispose() => Handle.Dispose();
}
