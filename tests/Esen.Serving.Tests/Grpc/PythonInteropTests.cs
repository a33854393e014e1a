using System.Text.Json;
using Esen.Kernels.Graph;
using Esen.TestUtilities;

namespace Esen.Serving.Tests.Grpc;

/// <summary>
/// An independent client: Python's grpcio (Debian's python3-grpcio, python3-grpc-tools) builds its stubs
/// from our grpc_service.proto and calls the in-process server, so the .proto and the server agree with
/// another implementation of gRPC and protobuf, not only with the C# stubs generated beside the server.
/// </summary>
public sealed class PythonInteropTests(GrpcServedEnsemble served) : IClassFixture<GrpcServedEnsemble>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-grpc-python-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact]
    public async Task PythonGrpcio_LiveMetadataAndInfer_AgreeWithTheSession()
    {
        string? python = await ExternalTools.PythonWithModulesAsync("grpc, grpc_tools.protoc");
        Requires.Installed(python is not null, "no python3 imports grpc and grpc_tools; scripts/bootstrap.sh installs python3-grpcio and python3-grpc-tools");
        Tensor images = GrpcServedEnsemble.Images(2, seed: 41);
        string input = Path.Combine(_folder, "input.bin");
        await File.WriteAllBytesAsync(input, InferenceProtocol.LittleEndianBytes(images.Floats));
        string proto = Path.Combine(TestEnv.RepositoryRoot, "src", "Esen.Serving", "Protos", "grpc_service.proto");

        (int exit, string stdout, string stderr) = await ExternalTools.RunAsync(python!,
            [Path.Combine(AppContext.BaseDirectory, "Grpc", "interop_client.py"), proto, _folder, $"{served.Server.GrpcPort}",
             GrpcServedEnsemble.ModelName, GrpcServedEnsemble.InputName, input, .. images.Shape.Dimensions.ToArray().Select(d => $"{d}")]);

        Assert.True(exit == 0, $"the Python client failed ({exit}): {stderr}");
        using JsonDocument got = JsonDocument.Parse(stdout);
        JsonElement root = got.RootElement;
        Assert.True(root.GetProperty("live").GetBoolean());
        Assert.Equal(GrpcServedEnsemble.ModelName, root.GetProperty("metadata_name").GetString());
        Assert.Equal("""[["images","FP32",[-1,3,32,32]]]""", root.GetProperty("metadata_inputs").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("python", root.GetProperty("id").GetString());
        Assert.Equal("output", root.GetProperty("output_name").GetString());
        Tensor expected = await served.Session.InferAsync(images);
        Assert.Equal(expected.Shape.Dimensions.ToArray(), root.GetProperty("output_shape").EnumerateArray().Select(d => d.GetInt64()));
        byte[] raw = await File.ReadAllBytesAsync(Path.Combine(_folder, "output.bin"));
        float[] actual = InferenceProtocol.LittleEndianFloats(raw, "output", expected.Floats.Length, "bytes");
        RelativeL2.AssertAtMost(expected.Floats, actual, 1e-5, "Python client's answer vs the session's");
    }
}
