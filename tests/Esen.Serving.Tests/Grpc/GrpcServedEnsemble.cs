using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Serving.Grpc;
using Grpc.Net.Client;

namespace Esen.Serving.Tests.Grpc;

/// <summary>
/// A served two-member CPU ensemble (seeded MobileNetV2s on 3×32×32 images) with the gRPC binding on,
/// a gRPC client for it, and its session for computing the expected answers in-process.
/// </summary>
public sealed class GrpcServedEnsemble : IAsyncLifetime
{
    public const string ModelName = "pair";
    public const string InputName = "images";
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-grpc-").FullName;
    private readonly ServerOptions _options;
    private GrpcChannel? _channel;

    public GrpcServedEnsemble()
        : this(new ServerOptions { HttpPort = 0, GrpcPort = 0 })
    {
    }

    internal GrpcServedEnsemble(ServerOptions options) => _options = options;

    public EnsembleSession Session { get; private set; } = null!;

    internal InferenceServer Server { get; private set; } = null!;

    internal GRPCInferenceService.GRPCInferenceServiceClient Client { get; private set; } = null!;

    internal GrpcChannel Channel => _channel!;

    public async Task InitializeAsync()
    {
        string spec = Path.Combine(_folder, "pair.json");
        await File.WriteAllTextAsync(spec, $$"""
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
             "input": {"name": "{{InputName}}", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": 4, "max_delay_ms": 1},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1},
                         {"name": "b", "architecture": "mobilenetv2", "seed": 2}]}
            """);
        // As `esen serve` loads it: spans reach /metrics without a timeline kept.
        Session = await EnsembleSession.LoadAsync(spec, new SessionOptions { Runtime = new RuntimeOptions { RecordTimeline = false } });
        Server = await InferenceServer.StartAsync(new Dictionary<string, EnsembleSession> { [ModelName] = Session }, _options);
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{Server.GrpcPort}");
        Client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        await Server.DisposeAsync();
        await Session.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Seeded images, [rows, 3, 32, 32].</summary>
    public static Tensor Images(int rows, int seed)
    {
        var random = new Random(seed);
        return Tensor.FromFloats(new TensorShape(rows, 3, 32, 32), [.. Enumerable.Range(0, rows * 3 * 32 * 32).Select(_ => random.NextSingle())]);
    }
}
