using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Runtime.Combination;
using Esen.Runtime.Specs;

namespace Esen.Runtime.Tests.Pipeline;

public sealed class EnsembleSessionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-session-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task LoadAsync_SpecFile_AnswersEveryRowAsTheMembersRunAloneAndCombined()
    {
        string path = Write("ens.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "weighted", "device": "cpu",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": 2, "max_delay_ms": 1},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1},
                         {"name": "b", "architecture": "mobilenetv2", "seed": 2, "weight": 3}]}
            """);
        Tensor batch = SeededImages(3, 32);

        await using EnsembleSession session = await EnsembleSession.LoadAsync(path);
        Tensor answers = await session.InferRowsAsync(batch);

        // The oracle: each member's graph run alone on the whole batch, combined by the weighted rule.
        Tensor[] alone = [.. session.Models.Graphs.Select(g => RunAlone(g, batch))];
        Tensor expected = Combiner.Combine(CombineRule.Weighted, alone, [1, 3]);
        Assert.Equal(expected.Shape, answers.Shape);
        for (int j = 0; j < expected.Floats.Length; j++)
        {
            Assert.Equal(expected.Floats[j], answers.Floats[j], 1e-4f);
        }

        Assert.Equal(3, session.Statistics.Rows);
        Assert.Equal(2, session.Plan.Shares.Length);
        Assert.Single(session.DevicePlans);
        Assert.Null(session.Measured);
        Assert.True(session.CheckAgainstCpu(batch, answers).Passed);
    }

    [Fact]
    public async Task LoadAsync_MalformedSpec_IsBadInputNamingTheFile()
    {
        string path = Write("broken.json", """{"format": "esen-ensemble/1", "kind": "ensemble", "members": []}""");

        var error = await Assert.ThrowsAsync<EsenException>(() => EnsembleSession.LoadAsync(path));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Contains("broken.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_UnknownArchitecture_IsBadInputNamingIt()
    {
        string path = Write("zoo.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "resnet9000"}]}
            """);

        var error = await Assert.ThrowsAsync<EsenException>(() => EnsembleSession.LoadAsync(path));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Contains("resnet9000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MissingCudaDevice_IsUnavailableNamingIt()
    {
        // No machine Esen runs on has eight GPUs, so cuda:7 is missing with or without a GPU.
        string path = Write("gpu.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cuda:7",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2"}]}
            """);

        var error = await Assert.ThrowsAsync<EsenException>(() => EnsembleSession.LoadAsync(path));

        Assert.Equal(EsenErrorKind.Unavailable, error.Kind);
        Assert.Contains("cuda:7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InferAsync_WrongSampleShape_IsBadInputAndTheSessionKeepsAnswering()
    {
        string path = Write("ens.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1}]}
            """);
        await using EnsembleSession session = await EnsembleSession.LoadAsync(path);

        var error = await Assert.ThrowsAsync<EsenException>(() => session.InferAsync(SeededImages(1, 16)));
        Tensor answer = await session.InferAsync(SeededImages(1, 32));

        Assert.Equal(EsenErrorKind.BadInput, error.Kind);
        Assert.Equal(1, answer.Shape[0]);
    }

    [Fact]
    public async Task InferAsync_AfterDispose_IsObjectDisposed()
    {
        string path = Write("ens.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1}]}
            """);
        EnsembleSession session = await EnsembleSession.LoadAsync(path);
        await session.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.InferAsync(SeededImages(1, 32)));
    }

    [Fact]
    public void KindOf_ClassifiesTheLayersExceptionsAndLeavesBugsAlone()
    {
        Assert.Equal(EsenErrorKind.BadInput, EsenException.KindOf(new GraphException("Conv node 'c': bad pads")));
        Assert.Equal(EsenErrorKind.BadInput, EsenException.KindOf(new FileNotFoundException("x.onnx")));
        Assert.Equal(EsenErrorKind.Unavailable, EsenException.KindOf(new NotSupportedException("no CUDA device cuda:0")));
        Assert.Equal(EsenErrorKind.Infeasible, EsenException.KindOf(new EsenException(EsenErrorKind.Infeasible, "no plan")));
        Assert.Null(EsenException.KindOf(new InvalidCastException()));
        Assert.Null(EsenException.From(new InvalidOperationException()));
    }

    private string Write(string name, string json)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static Tensor SeededImages(int rows, int size)
    {
        var random = new Random(17);
        return Tensor.FromFloats(new TensorShape(rows, 3, size, size), [.. Enumerable.Range(0, rows * 3 * size * size).Select(_ => random.NextSingle())]);
    }

    private static Tensor RunAlone(LayerGraph graph, Tensor batch)
    {
        using var executor = new CpuExecutor(graph.ForBatch(batch.Shape[0]));
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = batch })[graph.Outputs[0].Name];
    }
}
