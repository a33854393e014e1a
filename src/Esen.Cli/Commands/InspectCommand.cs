using System.CommandLine;
using System.Globalization;
using Esen.Cli.Output;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Zoo;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen inspect MODEL</c>: the layer graph of an ONNX model or a built-in architecture as a table, one row per node with its
/// output shape, MACs, FLOPs (a multiply-add = 2), bytes read and written, parameter bytes and GEMM
/// view, then the totals, at <c>--batch N</c> (a model whose file fixes another batch is made
/// batch-dynamic with <see cref="LayerGraph.ForBatch"/>); <c>--onnx FILE</c> also writes the model as ONNX
/// (<see cref="OnnxModel.Save"/>). A malformed or unknown model, an unwritable file, or one that cannot run at
/// that batch, gives a one-line message and exit code 2.
/// </summary>
public static class InspectCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = $"An ONNX model file, or a built-in architecture ({string.Join(", ", ModelZoo.Names)})." };
        var batch = new Option<long>("--batch") { Description = "The batch to analyse at; a model whose file fixes another batch is made batch-dynamic.", DefaultValueFactory = _ => 1 };
        var onnx = new Option<string?>("--onnx") { Description = "Also write the model, as loaded (the built-in architectures with a dynamic batch), to this ONNX file." };
        var command = new Command("inspect", "Print a model's layer graph with per-node shapes, FLOPs and bytes, and the totals.");
        command.Arguments.Add(model);
        command.Options.Add(batch);
        command.Options.Add(onnx);
        command.SetAction(parse => Run(
            parse.GetValue(model)!, parse.GetValue(batch), parse.GetValue(onnx), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Loads, analyses and prints; returns the exit code.</summary>
    public static int Run(string path, long batch, string? onnx, TextWriter output, TextWriter error)
    {
        if (batch < 1)
        {
            error.WriteLine("esen inspect: --batch must be at least 1");
            return ExitCodes.BadInput;
        }

        GraphCost cost;
        try
        {
            LayerGraph graph = ModelZoo.BuildOrLoad(path);
            cost = GraphCostAnalyzer.Analyze(graph.ForBatch(batch), batch);
            if (onnx is not null)
            {
                OnnxModel.Save(graph, onnx);
            }
        }
        catch (Exception e) when (e is GraphException or KeyNotFoundException)
        {
            error.WriteLine($"esen inspect: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }

        Write(cost, output);
        if (onnx is not null)
        {
            output.WriteLine($"wrote {onnx}");
        }

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
