using Esen.Kernels.Cpu;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Tests.DeviceKernels;
using Esen.Kernels.Tests.Execution;

namespace Esen.Kernels.Tests.Graph;

/// <summary>
/// If in the layer graph: its then_branch multiplies the outer x by the outer weights w, its else_branch takes Relu(x);
/// checked against brute force on the CPU executor, through the constant-folding rewrite, shape inference and the cost rule.
/// </summary>
public class IfTests
{
    private static readonly Tensor s_x = Tensor.FromFloats(new TensorShape(2, 3), Reference.Random(new Random(51), 6));
    private static readonly Tensor s_w = Tensor.FromFloats(new TensorShape(3, 3), Reference.Random(new Random(52), 9));

    private static LayerGraph IfGraph(Tensor? constantCondition = null, Node? elseNode = null)
    {
        var then = new LayerGraph("then", [], [new ValueInfo("t", DataType.Float32, new TensorShape(2, 3))], [new Node("mm", "MatMul", ["x", "w"], ["t"])],
            new Dictionary<string, Tensor>(), outerValues: ["x", "w"]);
        var other = new LayerGraph("else", [], [new ValueInfo("e", DataType.Float32, TensorShape.Scalar)], [elseNode ?? new Node("relu", "Relu", ["x"], ["e"])],
            new Dictionary<string, Tensor>(), outerValues: ["x"]);
        var node = new Node("if", "If", ["c", "x", "w"], ["y"], new Dictionary<string, AttributeValue>
        {
            ["then_branch"] = AttributeValue.Subgraph(then), ["else_branch"] = AttributeValue.Subgraph(other),
        });
        var initializers = new Dictionary<string, Tensor> { ["w"] = s_w };
        ValueInfo[] inputs = [new("x", DataType.Float32, s_x.Shape)];
        if (constantCondition is null)
        {
            inputs = [.. inputs, new ValueInfo("c", DataType.Bool, TensorShape.Scalar)];
        }
        else
        {
            initializers["c"] = constantCondition;
        }

        return new LayerGraph("if-graph", inputs, [new ValueInfo("y", DataType.Float32, new TensorShape(2, 3))], [node], initializers);
    }

    private static float[] Product() =>
        [.. Enumerable.Range(0, 6).Select(o => Enumerable.Range(0, 3).Sum(k => s_x.Floats[(o / 3 * 3) + k] * s_w.Floats[(k * 3) + (o % 3)]))];

    private static Tensor Condition(bool value) => Tensor.FromArray(TensorShape.Scalar, new[] { value });

    [Fact]
    public void CpuExecutor_RunsTheBranchTheConditionPicks()
    {
        using var executor = new CpuExecutor(IfGraph(), new CpuExecutorOptions { Threads = 1 });
        Tensor then = executor.Run(new Dictionary<string, Tensor> { ["x"] = s_x, ["c"] = Condition(true) })["y"];
        TensorAssert.Close(Product(), then.Floats, 1e-5, 1e-6, "then_branch");
        Tensor other = executor.Run(new Dictionary<string, Tensor> { ["x"] = s_x, ["c"] = Condition(false) })["y"];
        Assert.Equal(s_x.Floats.Select(v => Math.Max(v, 0f)), other.Floats);
    }

    [Fact]
    public void FoldConstants_InlinesTheBranchOfAConstantCondition()
    {
        LayerGraph folded = GraphRewrites.FoldConstants(IfGraph(Condition(false)));
        Assert.DoesNotContain(folded.Nodes, n => n.OpType == "If");
        Assert.Equal(["if/relu", "if/y"], folded.Nodes.Select(n => n.Name));
        using var executor = new CpuExecutor(folded, new CpuExecutorOptions { Threads = 1 });
        Assert.Equal(s_x.Floats.Select(v => Math.Max(v, 0f)), executor.Run(new Dictionary<string, Tensor> { ["x"] = s_x })["y"].Floats);
    }

    [Fact]
    public void BranchesOfDifferentShapes_FailInOneLineNamingTheNode()
    {
        LayerGraph graph = IfGraph(elseNode: new Node("transpose", "Transpose", ["x"], ["e"]));
        GraphException e = Assert.Throws<GraphException>(() => ShapeInference.Infer(graph));
        Assert.StartsWith("If node 'if': output 0 ('y') is float[2,3] from then_branch but float[3,2] from else_branch", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A condition known before run time picks the branch: its shapes count, the other's may differ.</summary>
    [Fact]
    public void ConstantCondition_TakesTheShapesOfItsBranch()
    {
        LayerGraph graph = IfGraph(Condition(true), elseNode: new Node("transpose", "Transpose", ["x"], ["e"]));
        Assert.Equal(new TensorShape(2, 3), ShapeInference.Infer(graph)["y"].Shape);
    }

    /// <summary>A constant false condition charges the Relu branch only, not the costlier MatMul.</summary>
    [Fact]
    public void Cost_ChargesTheBranchAConstantConditionPicks()
    {
        NodeCost cost = GraphCostAnalyzer.Analyze(IfGraph(Condition(false))).Nodes.Single();
        Assert.Equal(0, cost.Macs);
        Assert.Equal(6, cost.Flops);
    }

    [Fact]
    public void Cost_ChargesTheCostlierBranch()
    {
        NodeCost cost = GraphCostAnalyzer.Analyze(IfGraph()).Nodes.Single();
        Assert.Equal(2 * 3 * 3, cost.Macs);
        Assert.Equal(2 * 2 * 3 * 3, cost.Flops);
    }

    /// <summary>The CUDA plan (run on the host) refuses a run-time condition naming the node, and runs a constant one inlined.</summary>
    [SkippableFact]
    public void CudaPlan_RefusesARunTimeCondition_AndRunsAConstantOne()
    {
        KernelToolchain.RequireClangPlusPlus();
        using (var plan = new CudaHostExecutor(IfGraph()))
        {
            UnsupportedModelException e = Assert.Throws<UnsupportedModelException>(() => plan.Run(new Dictionary<string, Tensor> { ["x"] = s_x, ["c"] = Condition(true) }));
            Assert.StartsWith("If node 'if': ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }

        using var inlined = new CudaHostExecutor(IfGraph(Condition(true)));
        TensorAssert.Close(Product(), inlined.Run(new Dictionary<string, Tensor> { ["x"] = s_x })["y"].Floats, 1e-5, 1e-6, "then_branch inlined on the CUDA plan");
    }
}
