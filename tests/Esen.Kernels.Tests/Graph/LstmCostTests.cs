using Esen.Kernels.Graph;

namespace Esen.Kernels.Tests.Graph;

/// <summary>The cost rule of LSTM: its gate GEMMs per step and direction, and the element-wise work of each hidden value.</summary>
public class LstmCostTests
{
    [Fact]
    public void Cost_CountsTheGateGemmsAndTheStateUpdates()
    {
        const int sequence = 5, batch = 2, input = 3, hidden = 4, directions = 2;
        var node = new Node("lstm", "LSTM", ["x", "w", "r"], ["y"], new Dictionary<string, AttributeValue>
        {
            ["hidden_size"] = AttributeValue.Int(hidden), ["direction"] = AttributeValue.String("bidirectional"),
        });
        var graph = new LayerGraph(
            "lstm", [new ValueInfo("x", DataType.Float32, new TensorShape(sequence, batch, input))],
            [new ValueInfo("y", DataType.Float32, new TensorShape(sequence, directions, batch, hidden))], [node],
            new Dictionary<string, Tensor>
            {
                ["w"] = Tensor.Zeros(DataType.Float32, new TensorShape(directions, 4 * hidden, input)),
                ["r"] = Tensor.Zeros(DataType.Float32, new TensorShape(directions, 4 * hidden, hidden)),
            });
        NodeCost cost = GraphCostAnalyzer.Analyze(graph).Nodes.Single();
        long macs = (long)sequence * directions * batch * 4 * hidden * (input + hidden);
        Assert.Equal(macs, cost.Macs);
        Assert.Equal((2 * macs) + (10L * sequence * directions * batch * hidden), cost.Flops);
        Assert.Equal(new GemmView(batch, 4 * hidden, input + hidden, sequence * directions), cost.Gemm);
    }
}
