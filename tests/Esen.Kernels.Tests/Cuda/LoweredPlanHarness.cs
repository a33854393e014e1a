using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Execution;
using Esen.Kernels.Graph;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Tests.Cuda;

/// <summary>
/// Lowers a graph to CUDA steps against made-up region addresses, for tests that inspect the steps; running a
/// plan on the host is <see cref="CudaHostExecutor"/>'s job (<see cref="Run"/>).
/// </summary>
internal static class LoweredPlanHarness
{
    /// <summary>
    /// Lays out and lowers <paramref name="graph"/> for these inputs with made-up region addresses, in
    /// <paramref name="math"/> (fp32 by default), with <paramref name="proposeConvolutions"/> standing in
    /// for cuDNN's heuristic (by default it proposes nothing: every convolution takes the im2col path).
    /// </summary>
    public static (CudaLayout Layout, IReadOnlyList<CudaStep> Steps, ulong[] Bases) Lower(
        LayerGraph graph, IReadOnlyDictionary<string, TensorShape> inputs, GpuMath math = default,
        Func<ConvolutionShape, CudnnMathType, IReadOnlyList<ConvolutionAlgorithmChoice>>? proposeConvolutions = null)
    {
        CudaLayout layout = Layout(graph, inputs, math, proposeConvolutions);

        // Regions 4 GiB apart, so an address identifies its region.
        ulong[] bases = [.. Enumerable.Range(0, layout.Regions.Count).Select(i => (ulong)(i + 1) << 32)];
        return (layout, CudaLowering.Lower(layout, bases), bases);
    }

    /// <summary>
    /// The layout of <paramref name="graph"/> for these input shapes and specialised int64 input values <paramref name="known"/>
    /// (im2col convolutions unless cuDNN is stood in for).
    /// </summary>
    public static CudaLayout Layout(
        LayerGraph graph, IReadOnlyDictionary<string, TensorShape> inputs, GpuMath math = default,
        Func<ConvolutionShape, CudnnMathType, IReadOnlyList<ConvolutionAlgorithmChoice>>? proposeConvolutions = null,
        IReadOnlyDictionary<string, Tensor>? known = null)
    {
        var schedule = ExecutionSchedule.Build(graph, ShapeInference.Infer(graph, inputs, known));
        return CudaLayout.Create(schedule, math, shape => ConvolutionAlgorithmRule.Choose(
            math, ulong.MaxValue, new ConvolutionCandidates(proposeConvolutions?.Invoke(shape, math.ConvolutionMathType) ?? [])).Cudnn);
    }

    /// <summary>Runs <paramref name="graph"/> as given (not rewritten) on <see cref="CudaHostExecutor"/>, every convolution as im2col.</summary>
    public static IReadOnlyDictionary<string, Tensor> Run(LayerGraph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var host = new CudaHostExecutor(graph, new CudaExecutorOptions { Optimize = false, UseCudnn = false });
        return host.Run(inputs);
    }
}
