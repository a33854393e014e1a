namespace Esen.Kernels.Graph;

/// <summary>
/// The branches of an If node (then_branch, else_branch) as graphs of their own, for the passes that infer, run or
/// cost one: the outer values a branch reads become its inputs (typed and shaped as the enclosing inference found
/// them) or, where they are known before run time, its initializers.
/// </summary>
internal static class IfBranches
{
    /// <summary>The two branch attributes, the one taken when the condition is true first.</summary>
    public static readonly string[] Attributes = ["then_branch", "else_branch"];

    /// <summary>The branch attribute a condition known before run time picks.</summary>
    public static string Taken(Tensor condition) => Attributes[condition.Elements<bool>()[0] ? 0 : 1];

    /// <summary>The branch <paramref name="attribute"/> of the If node in <paramref name="c"/> as a graph of its own.</summary>
    /// <exception cref="GraphException">The attribute is missing, or the node does not list an outer value the branch reads.</exception>
    public static LayerGraph Standalone(InferenceContext c, string attribute)
    {
        LayerGraph branch = c.Node.GetGraph(attribute);
        var inputs = new List<ValueInfo>();
        var initializers = new Dictionary<string, Tensor>(branch.Initializers);
        foreach (string name in branch.OuterValues)
        {
            int index = IndexOf(c.Node, name);
            if (index < 0)
            {
                throw c.Fail($"{attribute} reads '{name}', which the node does not list as an input");
            }

            if (c.Constant(index) is { } constant)
            {
                initializers[name] = constant;
            }
            else
            {
                TensorInfo info = c.Input(index);
                inputs.Add(new ValueInfo(name, info.DataType, info.Shape));
            }
        }

        return new LayerGraph($"{c.Node.Name}/{attribute}", inputs, branch.Outputs, branch.Nodes, initializers, c.Opset);
    }

    /// <summary>Shape inference of <see cref="Standalone"/>.</summary>
    public static InferredShapes Infer(InferenceContext c, string attribute)
    {
        LayerGraph graph = Standalone(c, attribute);
        return ShapeInference.Infer(graph, graph.Inputs.ToDictionary(i => i.Name, i => i.Shape));
    }

    private static int IndexOf(Node node, string name)
    {
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i] == name)
            {
                return i;
            }
        }

        return -1;
    }
}
