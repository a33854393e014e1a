using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen inspect MODEL</c>: the layer graph of an ONNX model as a table, one row per node with its
/// output shape, MACs, FLOPs (a multiply-add = 2), bytes read and written, parameter bytes and GEMM
/// view, then the totals, at <c>--batch N</c> (a model whose file fixes another batch is made
/// batch-dynamic with <see cref="LayerGraph.ForBatch"/>). A malformed model, or one that cannot run at
/// that batch, gives a one-line message and exit code 2.
/// </summary>
public static class InspectCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An ONNX model file." };
        var batch = new Option<long>("--batch") { Description = "The batch to analyse at; a model whose file fixes another batch is made batch-dynamic.", DefaultValueFactory = _ => 1 };
        var command = new Command("inspect", "Print a model's layer graph with per-node shapes, FLOPs and bytes, and the totals.");
        command.Arguments.Add(model);
        command.Options.Add(batch);
        command.SetAction(parse => Run(
            parse.GetValue(model)!, parse.GetValue(batch), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Loads, analyses and prints; returns the exit code.</summary>
    public static int Run(string path, long batch, TextWriter output, TextWriter error)
    {
        if (batch < 1)
        {
            error.WriteLine("esen inspect: --batch must be at least 1");
            return ExitCodes.BadInput;
        }

        GraphCost cost;
        try
        {
            cost = GraphCostAnalyzer.Analyze(OnnxModel.Load(path).ForBatch(batch), batch);
        }
        catch (GraphException e)
        {
            error.WriteLine($"esen inspect: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }

        Write(cost, output);
        return ExitCodes.Ok;
    }

    /// <summary>Writes the per-node table and the totals.</summary>
    public static void Write(GraphCost cost, TextWriter output)
    {
        LayerGraph graph = cost.Shapes.Graph;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(graph.Name.Length > 0 ? graph.Name : "(unnamed graph)")}: {graph.Nodes.Count} nodes, opset {graph.Opset}, inputs {string.Join(", ", graph.Inputs)}"));
        var table = new TextTable("node", "op", "output", ">MACs", ">FLOPs", ">read B", ">written B", ">params B", "GEMM M×N×K (×count)");
        foreach (NodeCost node in cost.Nodes)
        {
            string outputs = string.Join(' ', node.Node.Outputs.Where(o => o.Length > 0).Select(o => cost.Shapes[o].Shape.ToString()));
            table.AddRow(
                node.Node.Name, node.Node.OpType, outputs, Number(node.Macs), Number(node.Flops), Number(node.BytesRead), Number(node.BytesWritten),
                Number(node.ParameterBytes), node.Gemm is { } g ? Gemm(g) : "-");
        }

        table.AddRow("total", string.Empty, string.Empty, Number(cost.Macs), Number(cost.Flops), Number(cost.BytesRead), Number(cost.BytesWritten), Number(cost.ParameterBytes), string.Empty);
        table.WriteTo(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parameters: {graph.ParameterCount:N0} ({cost.ParameterBytes:N0} B); activations: {cost.ActivationBytes:N0} B; GFLOPs: {cost.Flops / 1e9:F3}"));
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Gemm(GemmView g) =>
        string.Create(CultureInfo.InvariantCulture, $"{g.M}×{g.N}×{g.K}{(g.Count > 1 ? $" ×{g.Count}" : string.Empty)}");

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
