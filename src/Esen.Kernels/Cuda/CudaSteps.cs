using Esen.Native.Cudnn;

namespace Esen.Kernels.Cuda;

/// <summary>Carries out lowered steps: the CUDA executor on a GPU, a host harness in tests.</summary>
internal interface ICudaStepRunner
{
    /// <summary>Queues <paramref name="kernel"/> with its argument struct (passed by reference, never boxed).</summary>
    void Launch<TArgs>(PtxKernel<TArgs> kernel, LaunchConfig config, in TArgs args)
        where TArgs : unmanaged;

    /// <summary>Queues one cuBLAS GEMM.</summary>
    void Gemm(in GemmCall call);

    /// <summary>Queues one cuDNN forward convolution.</summary>
    void Convolution(ConvolutionCall call);
}

/// <summary>One device operation of a lowered node, in stream order.</summary>
/// <param name="Node">The node it belongs to (<c>Node.Describe()</c>), for errors and traces.</param>
internal abstract record CudaStep(string Node)
{
    /// <summary>
    /// Why the run fails when this step stores its fault code (its 1-based index in the plan's steps) in the fault word
    /// (<see cref="CudaLayout.FaultRegion"/>); null for a step that never does.
    /// </summary>
    public string? Fault { get; init; }

    /// <summary>Hands the step to <paramref name="runner"/>.</summary>
    public abstract void Run(ICudaStepRunner runner);
}

/// <summary>A PTX kernel launch with its argument struct.</summary>
internal sealed record KernelStep<TArgs>(string Node, PtxKernel<TArgs> Kernel, LaunchConfig Config, TArgs Args) : CudaStep(Node)
    where TArgs : unmanaged
{
    /// <inheritdoc/>
    public override void Run(ICudaStepRunner runner) => runner.Launch(Kernel, Config, Args);
}

/// <summary>A cuBLAS GEMM.</summary>
internal sealed record GemmStep(string Node, GemmCall Call) : CudaStep(Node)
{
    /// <inheritdoc/>
    public override void Run(ICudaStepRunner runner) => runner.Gemm(Call);
}

/// <summary>A cuDNN convolution.</summary>
internal sealed record ConvolutionStep(string Node, ConvolutionCall Call) : CudaStep(Node)
{
    /// <inheritdoc/>
    public override void Run(ICudaStepRunner runner) => runner.Convolution(Call);
}

/// <summary>The shape of a 2-D NCHW/OIHW convolution (ONNX Conv, cross-correlation; 1-D as height 1).</summary>
internal readonly record struct ConvolutionShape(
    int Batch, int InChannels, int InH, int InW, int OutChannels, int KernelH, int KernelW, int OutH, int OutW,
    Window2D Window, int Groups)
{
    /// <summary>Rows of one image's im2col matrix: the input channels times the kernel area.</summary>
    public int PatchRows => InChannels * KernelH * KernelW;

    /// <summary>Output positions per image.</summary>
    public int Positions => OutH * OutW;
}

/// <summary>
/// A cuDNN forward convolution, with the algorithm chosen once for its shape, the workspace that algorithm needs and
/// the math type cuDNN reported for it, which the convolution descriptor carries when it runs. Without
/// <see cref="FusedActivation"/> it computes no bias (the bias and activation follow as an epilogue launch); with it,
/// cuDNN adds <see cref="Bias"/> (K floats) and applies the activation in the same call (<see cref="ConvolutionFusion"/>).
/// </summary>
internal sealed record ConvolutionCall(
    ConvolutionShape Shape, ulong X, ulong W, ulong Y, CudnnConvolutionForwardAlgorithm Algorithm, ulong Workspace, ulong WorkspaceBytes,
    CudnnMathType MathType)
{
    /// <summary>The bias's address when the call is fused, else 0.</summary>
    public ulong Bias { get; init; }

    /// <summary>The activation cuDNN applies after adding the bias; null for a plain convolution.</summary>
    public CudnnActivationMode? FusedActivation { get; init; }
}

/// <summary>The cuDNN algorithm for one convolution shape, the workspace it needs and its math type.</summary>
internal readonly record struct ConvolutionAlgorithm(CudnnConvolutionForwardAlgorithm Algorithm, ulong WorkspaceBytes, CudnnMathType MathType);
