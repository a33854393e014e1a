using Esen.Kernels.Graph;

namespace Esen.Kernels.Ops;

/// <summary>
/// The ops whose kernels compute in float32 whatever their element types, and which of their values are converted for
/// it: the one rule both executors follow. The CPU executor converts into buffers of its own, the CUDA plan into its
/// workspace, both with the Cast op's conversion.
/// </summary>
internal static class Float32Computation
{
    /// <summary>
    /// True for the ops that compute in float32 only: every op but arithmetic and logic (which run in the stored type), If (its branches decide), data
    /// movement, views, Cast, plan-time values, and float64 MatMul and Gemm with no fused activation (which have double
    /// kernels), plus Max of float16, which has no float16 kernel (the maximum of float16 values is exact in float32).
    /// <paramref name="outputType"/> is the element type of the node's first output.
    /// </summary>
    public static bool Applies(Node node, DataType outputType) =>
        (OpCatalog.FamilyOf(node) is not (OpFamily.Arithmetic or OpFamily.View or OpFamily.DataMovement or OpFamily.Cast or OpFamily.PlanTimeValue or OpFamily.Logic or OpFamily.ControlFlow)
            && !(node.OpType is "MatMul" or "Gemm" && outputType == DataType.Float64
                && (node.OpType == "MatMul" || Activations.FusedInto(node).Kind == ActivationKind.None))
            && !(node.OpType == "LSTM" && outputType == DataType.Float32)) // its int32 sequence_lens is read as it is
        || (node.OpType == "Max" && outputType == DataType.Float16);

    /// <summary>
    /// True for a value of such an op that a float32 kernel cannot read or write as it is: every type but float32 and
    /// int64 (MaxPool's indices, which the kernel writes as int64). Inputs are converted to float32 before the kernel,
    /// outputs from float32 after it.
    /// </summary>
    public static bool IsConverted(DataType type) => type is not (DataType.Float32 or DataType.Int64);
}
