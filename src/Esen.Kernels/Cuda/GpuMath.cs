using Esen.Native.Cublas;
using Esen.Native.Cudnn;

namespace Esen.Kernels.Cuda;

/// <summary>The arithmetic the CUDA executor's convolutions and GEMMs run float32 graphs in.</summary>
public enum GpuPrecision
{
    /// <summary>
    /// IEEE single precision, as the CPU executor computes: cuDNN and cuBLAS may use CUDA-core FMA only.
    /// The default.
    /// </summary>
    Fp32,

    /// <summary>
    /// TF32 tensor cores (compute capability 8.0 and later) for convolutions and GEMMs: operands rounded
    /// to a 10-bit mantissa, products summed in fp32. Every other kernel stays fp32.
    /// </summary>
    Tf32,
}

/// <summary>The names of <see cref="GpuPrecision"/> in specs and on the command line.</summary>
public static class GpuPrecisions
{
    /// <summary>"fp32", "tf32".</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<GpuPrecision>().Select(ToName)];

    /// <summary>The lower-case name ("fp32", "tf32").</summary>
    public static string ToName(this GpuPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>Parses a name of <see cref="Names"/> (exact, lower case).</summary>
    public static bool TryParse(string text, out GpuPrecision precision)
    {
        foreach (GpuPrecision candidate in Enum.GetValues<GpuPrecision>())
        {
            if (text == candidate.ToName())
            {
                precision = candidate;
                return true;
            }
        }

        precision = default;
        return false;
    }
}

/// <summary>
/// The one rule from a <see cref="GpuPrecision"/> to what cuDNN and cuBLAS are told. Both libraries
/// default to TF32 on Ampere and later (cuDNN's <c>CUDNN_DEFAULT_MATH</c> permits tensor cores), so
/// fp32 has to be asked for: FMA math on every convolution descriptor, only algorithms the heuristic
/// reports with FMA math, and the default cuBLAS math mode with the plain 32F compute type.
/// </summary>
/// <param name="Precision">The executor's precision.</param>
public readonly record struct GpuMath(GpuPrecision Precision)
{
    /// <summary>Whether tensor cores (TF32) may be used.</summary>
    public bool AllowsTensorCores => Precision == GpuPrecision.Tf32;

    /// <summary>The math type set on every convolution descriptor before cuDNN proposes algorithms.</summary>
    public CudnnMathType ConvolutionMathType => AllowsTensorCores ? CudnnMathType.TensorOp : CudnnMathType.Fma;

    /// <summary>The cuBLAS handle's math mode (it decides <c>cublasSgemm</c>'s precision).</summary>
    public CublasMath BlasMathMode => AllowsTensorCores ? CublasMath.Tf32TensorOp : CublasMath.Default;

    /// <summary>The compute type of <c>cublasGemmEx</c>-style calls.</summary>
    public CublasComputeType BlasComputeType => AllowsTensorCores ? CublasComputeType.Compute32FFastTf32 : CublasComputeType.Compute32F;

    /// <summary>
    /// How far outputs may be from the CPU executor's, as the relative L2 error ‖gpu − cpu‖₂ / ‖cpu‖₂.
    /// fp32: 1e-4, since only the order of the sums differs (whole CNNs on the im2col + cuBLAS path
    /// measured 3e-7 to 4e-6 on an H200). tf32: 1e-2, since every convolution and GEMM rounds its
    /// operands to a 10-bit mantissa (unit roundoff 2⁻¹¹ ≈ 4.9e-4, about 5e-4 relative per product);
    /// MobileNetV2 measured 6.5e-3.
    /// </summary>
    public double CpuRelativeL2Tolerance => AllowsTensorCores ? 1e-2 : 1e-4;

    /// <summary>
    /// Whether a convolution algorithm cuDNN reports with <paramref name="mathType"/> computes in this
    /// precision: with fp32 only <see cref="CudnnMathType.Fma"/> (any other may run TF32); with tf32
    /// anything but <see cref="CudnnMathType.TensorOpAllowConversion"/>, which rounds operands to fp16.
    /// </summary>
    public bool Admits(CudnnMathType mathType) =>
        mathType == CudnnMathType.Fma || (AllowsTensorCores && mathType != CudnnMathType.TensorOpAllowConversion);

    /// <summary>
    /// The first of cuDNN's proposals (best first) that <see cref="Admits"/> its math type; null when
    /// none does, and the convolution then runs as im2col + cuBLAS.
    /// </summary>
    public ConvolutionAlgorithmChoice? ChooseConvolution(IEnumerable<ConvolutionAlgorithmChoice> proposals)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        GpuMath math = this;
        return proposals.FirstOrDefault(p => math.Admits(p.MathType));
    }
}
