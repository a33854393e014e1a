using System.Runtime.InteropServices;
using Esen.Native.Interop;

namespace Esen.Native.SafeHandles;

/// <summary>An owned cuDNN tensor descriptor (host-side object; no context needed).</summary>
public sealed class SafeCudnnTensorDescriptorHandle : SafeHandle
{
    /// <summary>Creates an invalid handle; the interop layer fills it in.</summary>
    public SafeCudnnTensorDescriptorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        Interop.Interop.Cudnn.cudnnDestroyTensorDescriptor(handle) == cudnnStatus_t.CUDNN_STATUS_SUCCESS;
}

/// <summary>An owned cuDNN filter descriptor.</summary>
public sealed class SafeCudnnFilterDescriptorHandle : SafeHandle
{
    /// <summary>Creates an invalid handle; the interop layer fills it in.</summary>
    public SafeCudnnFilterDescriptorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        Interop.Interop.Cudnn.cudnnDestroyFilterDescriptor(handle) == cudnnStatus_t.CUDNN_STATUS_SUCCESS;
}

/// <summary>An owned cuDNN convolution descriptor.</summary>
public sealed class SafeCudnnConvolutionDescriptorHandle : SafeHandle
{
    /// <summary>Creates an invalid handle; the interop layer fills it in.</summary>
    public SafeCudnnConvolutionDescriptorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        Interop.Interop.Cudnn.cudnnDestroyConvolutionDescriptor(handle) == cudnnStatus_t.CUDNN_STATUS_SUCCESS;
}

/// <summary>An owned cuDNN activation descriptor.</summary>
public sealed class SafeCudnnActivationDescriptorHandle : SafeHandle
{
    /// <summary>Creates an invalid handle; the interop layer fills it in.</summary>
    public SafeCudnnActivationDescriptorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() =>
        Interop.Interop.Cudnn.cudnnDestroyActivationDescriptor(handle) == cudnnStatus_t.CUDNN_STATUS_SUCCESS;
}
