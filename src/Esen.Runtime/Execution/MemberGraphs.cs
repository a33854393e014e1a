using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Zoo;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Execution;

/// <summary>Loads members' graphs: ONNX files or built-in architectures, with the spec's input shape.</summary>
public static class MemberGraphs
{
    /// <summary>
    /// The graph of member <paramref name="index"/>. A built-in architecture takes the spec's input
    /// shape (its CNNs end in global pooling, so they accept other image sizes; AlexNet and VGG need
    /// 224×224); an ONNX model keeps its own and must agree with the spec's, with its batch made dynamic
    /// (<see cref="LayerGraph.WithDynamicBatch"/>: exporters often fix it at 1, and requests are batched).
    /// </summary>
    /// <exception cref="EnsembleSpecException">The model cannot be loaded or does not fit the spec; the message names the member.</exception>
    public static LayerGraph Load(EnsembleSpec spec, int index)
    {
        MemberSpec member = spec.Members[index];
        string path = $"$.members[{index}]";
        LayerGraph graph;
        try
        {
            graph = member.ModelPath is { } file
                ? OnnxModel.Load(file).WithDynamicBatch()
                : ModelZoo.Build(member.Architecture!, new ZooOptions(Seed: member.Seed));
        }
        catch (KeyNotFoundException ex)
        {
            throw new EnsembleSpecException(spec.SourceName, $"{path}.architecture", ex.Message, ex);
        }
        catch (GraphException ex)
        {
            throw new EnsembleSpecException(spec.SourceName, $"{path}.model", ex.Message, ex);
        }

        if (graph.Inputs.Count != 1 || graph.Outputs.Count < 1)
        {
            throw new EnsembleSpecException(spec.SourceName, path, $"member {member.Name}: the model has {graph.Inputs.Count} inputs and {graph.Outputs.Count} outputs; a member needs one input and an output");
        }

        ValueInfo input = graph.Inputs[0];
        if (spec.Input is not { } shared)
        {
            return graph;
        }

        if (member.ModelPath is not null)
        {
            if (!Compatible(input.Shape, shared.Shape))
            {
                throw new EnsembleSpecException(spec.SourceName, "$.input.shape", $"member {member.Name} ({member.ModelPath}) takes {input.Shape}, the spec says {shared.Shape}");
            }

            return graph;
        }

        var resized = new LayerGraph(graph.Name, [input with { Shape = shared.Shape }], graph.Outputs, graph.Nodes, graph.Initializers, graph.Opset);
        try
        {
            _ = ShapeInference.Infer(resized, 1);
        }
        catch (GraphException ex)
        {
            throw new EnsembleSpecException(spec.SourceName, "$.input.shape", $"member {member.Name} ({member.Architecture}) cannot take input {shared.Shape}: {ex.Message}", ex);
        }

        return resized;
    }

    private static bool Compatible(TensorShape model, TensorShape spec) =>
        model.Rank == spec.Rank && model.Dimensions[1..].SequenceEqual(spec.Dimensions[1..]);
}
