using Esen.Kernels.Cpu;

namespace Esen.Kernels.Graph;

/// <summary>
/// The one constant folder: evaluates a node whose inputs are all known before run time, for shape
/// inference (shape arithmetic), the constant-folding rewrite and the execution schedule of both
/// executors. It computes with the CPU kernels, the reference implementation of every op; this is the
/// only place the graph layer reaches them.
/// </summary>
internal static class ConstantEvaluator
{
    /// <summary>True when every present input of <paramref name="node"/> is in <paramref name="constants"/>.</summary>
    public static bool InputsKnown(Node node, IReadOnlyDictionary<string, Tensor> constants) =>
        node.Inputs.All(i => i.Length == 0 || constants.ContainsKey(i));

    /// <summary>
    /// Evaluates <paramref name="node"/> (its inputs must be known) and adds its present outputs to
    /// <paramref name="constants"/>.
    /// </summary>
    /// <param name="infoOf">Type and shape of an output value, from shape inference.</param>
    /// <exception cref="GraphException">The node fails on these inputs.</exception>
    public static void Fold(int opset, Node node, Dictionary<string, Tensor> constants, Func<string, TensorInfo> infoOf)
    {
        Tensor?[] outputs = CpuNodeCompiler.Evaluate(
            opset, node, [.. node.Inputs.Select(i => i.Length == 0 ? null : constants[i])], [.. node.Outputs.Select(o => o.Length == 0 ? null : infoOf(o))]);
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is { } tensor)
            {
                constants[node.Outputs[i]] = tensor;
            }
        }
    }
}
