using Esen.Kernels.Cuda;
using Esen.Kernels.Graph;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Specs;

public sealed class EnsembleSpecReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-spec-").FullName;

    public EnsembleSpecReaderTests()
    {
        File.WriteAllBytes(Path.Combine(_folder, "a.onnx"), [0]);
        File.WriteAllBytes(Path.Combine(_folder, "b.onnx"), [0]);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Read_IssueEnsembleExample_ResolvesModelsAndDefaultsWeights()
    {
        EnsembleSpec spec = Read("""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "weighted", "device": "cpu",
             "members": [{"name": "a", "model": "a.onnx"}, {"name": "b", "model": "b.onnx", "weight": 2}]}
            """);

        Assert.Equal(EnsembleKind.Ensemble, spec.Kind);
        Assert.Equal(CombineRule.Weighted, spec.Combine);
        Assert.Equal(DeviceSpec.Cpu, spec.Device);
        Assert.Equal(Path.Combine(_folder, "a.onnx"), spec.Members[0].ModelPath);
        Assert.Equal([1.0, 2.0], spec.Members.Select(m => m.Weight));
        Assert.Equal(BatchingSpec.Default, spec.Batching);
        Assert.Equal("search", spec.Solver);
        Assert.Null(spec.Exit);
        Assert.Equal(GpuPrecision.Fp32, spec.Precision);
        Assert.Equal(new CudaExecutorOptions(), spec.Cuda);
    }

    [Fact]
    public void Read_Cuda_SetsTheExecutorsSettings_OthersKeepTheirDefaults()
    {
        EnsembleSpec spec = Read("""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cuda:0",
             "cuda": {"cudnn": false, "cuda_graphs": false, "convolution_workspace_mib": 64},
             "members": [{"name": "a", "model": "a.onnx"}]}
            """);

        Assert.Equal(
            new CudaExecutorOptions { UseCudnn = false, UseCudaGraphs = false, ConvolutionWorkspaceLimitBytes = 64L << 20 },
            spec.Cuda);
    }

    [Theory]
    [InlineData("{\"cudnn\": 1}", "$.cuda.cudnn", "expected true or false, got the number 1")]
    [InlineData("{\"graphs\": true}", "$.cuda.graphs", "unknown field")]
    [InlineData("{\"convolution_workspace_mib\": -1}", "$.cuda.convolution_workspace_mib", "-1 is below the minimum 0")]
    [InlineData("true", "$.cuda", "expected an object")]
    public void Read_BadCuda_NamesTheField(string value, string path, string detail)
    {
        var ex = Assert.Throws<EnsembleSpecException>(() => Read($$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "cuda": {{value}},
             "members": [{"name": "a", "model": "a.onnx"}]}
            """));

        Assert.Equal(path, ex.JsonPath);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fp32", GpuPrecision.Fp32)]
    [InlineData("tf32", GpuPrecision.Tf32)]
    public void Read_Precision_OptsIntoTf32(string name, GpuPrecision precision)
    {
        EnsembleSpec spec = Read($$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cuda:0", "precision": "{{name}}",
             "members": [{"name": "a", "model": "a.onnx"}]}
            """);

        Assert.Equal(precision, spec.Precision);
    }

    [Theory]
    [InlineData("\"fp16\"", "unknown precision 'fp16' (known: fp32, tf32)")]
    [InlineData("\"TF32\"", "unknown precision 'TF32' (known: fp32, tf32)")]
    [InlineData("32", "expected a string")]
    public void Read_BadPrecision_NamesTheFileTheFieldAndTheKnownValues(string value, string detail)
    {
        var ex = Assert.Throws<EnsembleSpecException>(() => Read($$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "precision": {{value}},
             "members": [{"name": "a", "model": "a.onnx"}]}
            """));

        Assert.Equal("$.precision", ex.JsonPath);
        Assert.StartsWith("spec.json: $.precision: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_IssueCascadeExample_RepeatsTheThresholdPerStage()
    {
        EnsembleSpec spec = Read("""
            {"format": "esen-ensemble/1", "kind": "cascade", "device": "sim:h100",
             "exit": {"rule": "max_softmax", "threshold": 0.9},
             "members": [{"name": "small", "model": "a.onnx"}, {"name": "big", "model": "b.onnx"}]}
            """);

        Assert.Equal(EnsembleKind.Cascade, spec.Kind);
        Assert.Equal([0.9], spec.Exit!.Thresholds);
        Assert.Equal(new DeviceSpec(DeviceKind.Simulated, 0, "h100"), spec.Device);
    }

    [Fact]
    public void Read_BuiltInMembersWithInputAndBatching()
    {
        EnsembleSpec spec = Read("""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "vote", "solver": "milp",
             "input": {"name": "x", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": 4, "max_delay_ms": 0.5},
             "members": [{"name": "r", "architecture": "resnet18", "seed": 3, "device": "cuda:1"}]}
            """);

        Assert.Equal("resnet18", spec.Members[0].Architecture);
        Assert.Equal(3, spec.Members[0].Seed);
        Assert.Equal(new DeviceSpec(DeviceKind.Cuda, 1), spec.DeviceOf(0));
        Assert.Equal(new TensorShape(TensorShape.Dynamic, 3, 32, 32), spec.Input!.Shape);
        Assert.Equal(new BatchingSpec(4, 0.5), spec.Batching);
        Assert.Equal("milp", spec.Solver);
    }

    [Fact]
    public void Read_MemberShares_FixThePlan()
    {
        EnsembleSpec spec = Read("""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean",
             "members": [{"name": "a", "model": "a.onnx", "share": 40}, {"name": "b", "model": "b.onnx", "share": 60}]}
            """);

        Assert.Equal([40, 60], spec.Members.Select(m => m.Share));
        Assert.True(spec.FixesShares);
    }

    [Theory]
    [InlineData("""[{"name": "a", "model": "a.onnx", "share": 0}, {"name": "b", "model": "b.onnx", "share": 50}]""", "", "$.members[0].share: 0 is below the minimum 1")]
    [InlineData("""[{"name": "a", "model": "a.onnx", "share": 101}, {"name": "b", "model": "b.onnx", "share": 50}]""", "", "$.members[0].share: share 101 is outside 1..100 (percent of the member's device)")]
    [InlineData("""[{"name": "a", "model": "a.onnx", "share": 0.5}, {"name": "b", "model": "b.onnx", "share": 50}]""", "", "$.members[0].share: expected an integer, got the number 0.5")]
    [InlineData("""[{"name": "a", "model": "a.onnx", "share": 50}, {"name": "b", "model": "b.onnx"}]""", "", "$.members[1].share: member 'b' has no share while 'a' fixes its own; fix every member's share or none")]
    [InlineData("""[{"name": "a", "model": "a.onnx", "share": 50}, {"name": "b", "model": "b.onnx", "share": 60}]""", "", "$.members[1].share: the members on cpu (a, b) are given 110 % (at most 100)")]
    [InlineData("""[{"name": "a", "model": "a.onnx", "share": 50}, {"name": "b", "model": "b.onnx", "share": 50}]""", "\"solver\": \"milp\",", "$.solver: the members' shares fix the plan, so no solver plans it; remove 'solver' or the shares")]
    public void Read_BadShares_OneLineNamingTheField(string members, string extra, string message)
    {
        var ex = Assert.Throws<EnsembleSpecException>(() => Read($$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", {{extra}} "members": {{members}}}
            """));

        Assert.Equal($"spec.json: {message}", ex.Message);
    }

    [Theory]
    [InlineData("""{"format": "esen-ensemble/2", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "a.onnx"}]}""", "$.format")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "bag", "members": []}""", "$.kind")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "members": [{"name": "a", "model": "a.onnx"}]}""", "$.combine")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "median", "members": [{"name": "a", "model": "a.onnx"}]}""", "$.combine")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "a.onnx", "weight": 2}]}""", "$.members[0].weight")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "weighted", "members": [{"name": "a", "model": "a.onnx", "weight": -1}]}""", "$.members[0].weight")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "missing.onnx"}]}""", "$.members[0].model")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "a.onnx", "architecture": "resnet18"}]}""", "$.members[0]")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "a.onnx"}, {"name": "a", "model": "b.onnx"}]}""", "$.members[1].name")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "a.onnx", "colour": 1}]}""", "$.members[0].colour")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "gpu0", "members": [{"name": "a", "model": "a.onnx"}]}""", "$.device")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "architecture": "alexnet"}]}""", "$.input")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "input": {"name": "x", "shape": [1, 3]}, "members": [{"name": "a", "architecture": "alexnet"}]}""", "$.input.shape[0]")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "batching": {"max_batch": 0}, "members": [{"name": "a", "model": "a.onnx"}]}""", "$.batching.max_batch")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "solver": "magic", "members": [{"name": "a", "model": "a.onnx"}]}""", "$.solver")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "exit": {"rule": "max_softmax", "threshold": 0.5}, "members": [{"name": "a", "model": "a.onnx"}]}""", "$.exit")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "cascade", "members": [{"name": "a", "model": "a.onnx"}, {"name": "b", "model": "b.onnx"}]}""", "$.exit")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "cascade", "exit": {"rule": "entropy", "threshold": 0.5}, "members": [{"name": "a", "model": "a.onnx"}, {"name": "b", "model": "b.onnx"}]}""", "$.exit.rule")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "cascade", "exit": {"rule": "max_softmax", "threshold": [0.5, 1.5]}, "members": [{"name": "a", "model": "a.onnx"}, {"name": "b", "model": "b.onnx"}]}""", "$.exit.threshold")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "cascade", "exit": {"rule": "max_softmax", "threshold": 1.5}, "members": [{"name": "a", "model": "a.onnx"}, {"name": "b", "model": "b.onnx"}]}""", "$.exit.threshold")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "cascade", "exit": {"rule": "max_softmax", "threshold": 0.5}, "members": [{"name": "a", "model": "a.onnx"}]}""", "$.members")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "cascade", "combine": "mean", "exit": {"rule": "max_softmax", "threshold": 0.5}, "members": [{"name": "a", "model": "a.onnx"}, {"name": "b", "model": "b.onnx"}]}""", "$.combine")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [] }""", "$.members")]
    [InlineData("""{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "members": [{"name": "a", "model": "a.onnx"}] """, "$")]
    public void Read_InvalidSpec_NamesFileAndPath(string json, string path)
    {
        var ex = Assert.Throws<EnsembleSpecException>(() => Read(json));

        Assert.Equal("spec.json", ex.SourceName);
        Assert.Equal(path, ex.JsonPath);
        Assert.StartsWith($"spec.json: {path}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_MissingFile_NamesTheFile()
    {
        string path = Path.Combine(_folder, "absent.json");

        var ex = Assert.Throws<EnsembleSpecException>(() => EnsembleSpecReader.ReadFile(path));

        Assert.Equal(path, ex.SourceName);
    }

    private EnsembleSpec Read(string json) => EnsembleSpecReader.Read(json, "spec.json", _folder);
}
