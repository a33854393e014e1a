namespace Esen.Kernels.Cuda.Host;

/// <summary>
/// Carries out lowered steps on the host: PTX launches go to the host-built kernels
/// (<see cref="HostKernelLibrary"/>), GEMMs to <see cref="HostCublas"/>, convolutions to <see cref="HostCudnn"/>.
/// </summary>
internal sealed class HostStepRunner : ICudaStepRunner
{
    /// <summary>
    /// Grid-stride kernels give the same result for any grid; the host runs one thread per CUDA thread,
    /// so grids are capped to keep a run quick. Block sizes stay as planned.
    /// </summary>
    private const int MaxHostGrid = 4;

    /// <summary>The one runner (it holds no state).</summary>
    public static HostStepRunner Instance { get; } = new();

    /// <inheritdoc/>
    public void Launch<TArgs>(PtxKernel<TArgs> kernel, LaunchConfig config, in TArgs args)
        where TArgs : unmanaged => HostKernelLibrary.Launch(kernel, Math.Min(config.Grid, MaxHostGrid), config.Block, args);

    /// <inheritdoc/>
    public void Gemm(in GemmCall call) => HostCublas.Gemm(call);

    /// <inheritdoc/>
    public void Convolution(ConvolutionCall call) => HostCudnn.Convolution(call);
}
