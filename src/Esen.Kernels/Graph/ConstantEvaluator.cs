using Esen.Kernels.Cpu;

namespace Esen.Kernels.Graph;

/// <summary>Evaluates a node whose inputs are all known, during shape inference and constant folding.</summary>
internal static class ConstantEvaluator
{
    /// <summary>Runs the node on the CPU kernels; the outputs are new tensors (null for omitted outputs).</summary>
    public static bool TryEvaluate(int opset, Node node, Tensor?[] inputs, TensorInfo?[] outputInfos, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor?[]? outputs)
    {
        outputs = CpuNodeCompiler.Evaluate(opset, node, inputs, outputInfos);
        return true;
    }
}
