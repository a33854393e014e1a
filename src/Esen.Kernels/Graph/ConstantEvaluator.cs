namespace Esen.Kernels.Graph;

/// <summary>Evaluates a node whose inputs are all known, during shape inference and constant folding.</summary>
internal static class ConstantEvaluator
{
    /// <summary>Runs the node on the reference CPU kernels; false when the op cannot be evaluated here.</summary>
    public static bool TryEvaluate(int opset, Node node, Tensor?[] inputs, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor[]? outputs)
    {
        _ = opset;
        _ = node;
        _ = inputs;
        outputs = null;
        return false;
    }
}
