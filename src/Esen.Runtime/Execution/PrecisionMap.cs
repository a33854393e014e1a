using Esen.Kernels.Cuda;
using Esen.Solver.Devices;

namespace Esen.Runtime.Execution;

/// <summary>
/// How the CUDA executor's <see cref="GpuPrecision"/> and the cost model's <see cref="Precision"/>
/// correspond, for planning a spec and for measuring a profile.
/// </summary>
public static class PrecisionMap
{
    /// <summary>The cost-model precision of members computing in <paramref name="precision"/>: TF32 at the tensor-core peak, fp32 on the SIMT cores.</summary>
    public static Precision CostModel(GpuPrecision precision) => precision == GpuPrecision.Tf32 ? Precision.Tf32 : Precision.Fp32;

    /// <summary>The CUDA executor's precision for <paramref name="precision"/>; null for fp16 and int8, which it does not compute in.</summary>
    public static GpuPrecision? CudaExecutor(Precision precision) => precision switch
    {
        Precision.Fp32 => GpuPrecision.Fp32,
        Precision.Tf32 => GpuPrecision.Tf32,
        _ => null,
    };
}
