using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Esen.Native.Cuda;
using Esen.Native.Errors;
using Esen.Native.Interop;
using Esen.Native.SafeHandles;

namespace Esen.Native.Cudnn;

/// <summary>One forward-convolution algorithm the cuDNN heuristic proposes, or one cuDNN measured.</summary>
/// <param name="Algorithm">The algorithm.</param>
/// <param name="WorkspaceBytes">Workspace it needs.</param>
/// <param name="MathType">The math type it runs with.</param>
/// <param name="Milliseconds">The time cuDNN measured for one run (<see cref="CudnnHandle.FindForwardAlgorithms"/>); null for a heuristic proposal.</param>
public sealed record ConvolutionAlgorithmChoice(
    CudnnConvolutionForwardAlgorithm Algorithm, ulong WorkspaceBytes, CudnnMathType MathType, float? Milliseconds = null);

/// <summary>
/// A cuDNN handle bound for life to one created stream and its context (made current around every call).
/// </summary>
public sealed class CudnnHandle : IDisposable
{
    private readonly SafeCudnnHandle _handle;

    private CudnnHandle(CudaStream stream, SafeCudnnHandle handle)
    {
        Stream = stream;
        _handle = handle;
    }

    /// <summary>The stream every call of this handle is queued on.</summary>
    public CudaStream Stream { get; }

    /// <summary>cuDNN's version number (cuDNN 9: major*10000 + minor*100 + patch); null when cuDNN cannot be loaded.</summary>
    public static long? LibraryVersion()
    {
        try
        {
            return ReadVersion();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Formats a cuDNN version number: 90100 → "9.1.0" (cuDNN 9), 8902 → "8.9.2" (cuDNN 8 encoding).</summary>
    public static string FormatVersion(long version) => version >= 90000
        ? $"{version / 10000}.{version % 10000 / 100}.{version % 100}"
        : $"{version / 1000}.{version % 1000 / 100}.{version % 100}";

    /// <summary>Creates a handle in <paramref name="stream"/>'s context and binds it to the stream.</summary>
    [SuppressMessage("Reliability", "CA2000", Justification = "The handle is disposed on failure and owned by the wrapper on success.")]
    public static CudnnHandle Create(CudaStream stream)
    {
        using (stream.Context.Push())
        {
            cudnnStatus_t status = Interop.Interop.Cudnn.cudnnCreate(out SafeCudnnHandle handle);
            CudnnException.ThrowIfFailed(status, handle, "cudnnCreate");
            handle.SetContext(stream.Context.Handle);
            var dnn = new CudnnHandle(stream, handle);
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnSetStream(handle, stream.Handle));
            return dnn;
        }
    }

    /// <summary>The heuristic's forward algorithms for this shape, best first, keeping only the usable ones.</summary>
    public IReadOnlyList<ConvolutionAlgorithmChoice> GetForwardAlgorithms(
        TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution, TensorDescriptor y)
    {
        // cuDNN has 8 forward algorithms (CUDNN_CONVOLUTION_FWD_ALGO_COUNT).
        Span<cudnnConvolutionFwdAlgoPerf_t> results = stackalloc cudnnConvolutionFwdAlgoPerf_t[8];
        int returned;
        using (Stream.Context.Push())
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnGetConvolutionForwardAlgorithm_v7(
                _handle, x.Handle, w.Handle, convolution.Handle, y.Handle, results, out returned));
        }

        var choices = new List<ConvolutionAlgorithmChoice>(returned);
        foreach (cudnnConvolutionFwdAlgoPerf_t result in results[..returned])
        {
            if (result.status == cudnnStatus_t.CUDNN_STATUS_SUCCESS)
            {
                choices.Add(new ConvolutionAlgorithmChoice(result.algo, result.memory, result.mathType));
            }
        }

        return choices;
    }

    /// <summary>
    /// Runs every forward algorithm on the given device buffers (cudnnFindConvolutionForwardAlgorithmEx) and
    /// returns those that ran within <paramref name="workspaceBytes"/>, fastest first, each with its time. The
    /// buffers' contents are overwritten (<paramref name="y"/>) or only read; this blocks until the measurement ends.
    /// </summary>
    public IReadOnlyList<ConvolutionAlgorithmChoice> FindForwardAlgorithms(
        TensorDescriptor xDescriptor, DevicePtr x, FilterDescriptor wDescriptor, DevicePtr w, ConvolutionDescriptor convolution,
        TensorDescriptor yDescriptor, DevicePtr y, DevicePtr workspace, ulong workspaceBytes)
    {
        // Twice CUDNN_CONVOLUTION_FWD_ALGO_COUNT (8): an algorithm may be reported once per math type.
        Span<cudnnConvolutionFwdAlgoPerf_t> results = stackalloc cudnnConvolutionFwdAlgoPerf_t[16];
        int returned;
        using (Stream.Context.Push())
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnFindConvolutionForwardAlgorithmEx(
                _handle, xDescriptor.Handle, x.Address, wDescriptor.Handle, w.Address, convolution.Handle, yDescriptor.Handle, y.Address,
                results, out returned, workspace.Address, (nuint)workspaceBytes));
        }

        var measured = new List<ConvolutionAlgorithmChoice>(returned);
        foreach (cudnnConvolutionFwdAlgoPerf_t result in results[..returned])
        {
            if (result.status == cudnnStatus_t.CUDNN_STATUS_SUCCESS)
            {
                measured.Add(new ConvolutionAlgorithmChoice(result.algo, result.memory, result.mathType, result.time));
            }
        }

        return measured;
    }

    /// <summary>Workspace bytes <paramref name="algorithm"/> needs for this shape.</summary>
    public ulong GetForwardWorkspaceSize(
        TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution, TensorDescriptor y, CudnnConvolutionForwardAlgorithm algorithm)
    {
        using (Stream.Context.Push())
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnGetConvolutionForwardWorkspaceSize(
                _handle, x.Handle, w.Handle, convolution.Handle, y.Handle, algorithm, out nuint bytes));
            return bytes;
        }
    }

    /// <summary>y = alpha·conv(x, w) + beta·y, queued on the handle's stream.</summary>
    public void ConvolutionForward(
        float alpha, TensorDescriptor xDescriptor, DevicePtr x, FilterDescriptor wDescriptor, DevicePtr w,
        ConvolutionDescriptor convolution, CudnnConvolutionForwardAlgorithm algorithm, DevicePtr workspace, ulong workspaceBytes,
        float beta, TensorDescriptor yDescriptor, DevicePtr y)
    {
        using (Stream.Context.Push())
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnConvolutionForward(
                _handle, alpha, xDescriptor.Handle, x.Address, wDescriptor.Handle, w.Address, convolution.Handle,
                algorithm, workspace.Address, (nuint)workspaceBytes, beta, yDescriptor.Handle, y.Address));
        }
    }

    /// <summary>
    /// y = act(conv(x, w) + bias), queued on the handle's stream (<c>cudnnConvolutionBiasActivationForward</c> with
    /// alpha1 = 1 and alpha2 = 0, so z, given as y, is not read). The bias descriptor is 1×K×1×1. cuDNN runs
    /// <see cref="CudnnActivationMode.Identity"/> only with <see cref="CudnnConvolutionForwardAlgorithm.ImplicitPrecompGemm"/>.
    /// </summary>
    public void ConvolutionBiasActivationForward(
        TensorDescriptor xDescriptor, DevicePtr x, FilterDescriptor wDescriptor, DevicePtr w,
        ConvolutionDescriptor convolution, CudnnConvolutionForwardAlgorithm algorithm, DevicePtr workspace, ulong workspaceBytes,
        TensorDescriptor biasDescriptor, DevicePtr bias, ActivationDescriptor activation, TensorDescriptor yDescriptor, DevicePtr y)
    {
        using (Stream.Context.Push())
        {
            CudnnException.ThrowIfFailed(Interop.Interop.Cudnn.cudnnConvolutionBiasActivationForward(
                _handle, 1f, xDescriptor.Handle, x.Address, wDescriptor.Handle, w.Address, convolution.Handle, algorithm,
                workspace.Address, (nuint)workspaceBytes, 0f, yDescriptor.Handle, y.Address, biasDescriptor.Handle, bias.Address,
                activation.Handle, yDescriptor.Handle, y.Address));
        }
    }

    /// <summary>Destroys the handle (with its context current).</summary>
    public void Dispose() => _handle.Dispose();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadVersion() => (long)Interop.Interop.Cudnn.cudnnGetVersion();
}
