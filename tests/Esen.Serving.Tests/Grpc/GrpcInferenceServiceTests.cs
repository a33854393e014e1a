using Esen.Kernels.Graph;
using Esen.Serving.Grpc;
using Esen.TestUtilities;
using Google.Protobuf;
using Grpc.Core;

namespace Esen.Serving.Tests.Grpc;

public sealed class GrpcInferenceServiceTests(GrpcServedEnsemble served) : IClassFixture<GrpcServedEnsemble>
{
    // Rows batched with other requests sum in another order than alone: float rounding only.
    private const double Tolerance = 1e-5;

    [Fact]
    public async Task ServerLive_IsLive()
    {
        ServerLiveResponse answer = await served.Client.ServerLiveAsync(new ServerLiveRequest());

        Assert.True(answer.Live);
    }

    [Fact]
    public async Task ServerReady_IsReady()
    {
        ServerReadyResponse answer = await served.Client.ServerReadyAsync(new ServerReadyRequest());

        Assert.True(answer.Ready);
    }

    [Fact]
    public async Task ServerMetadata_NamesTheServerAndItsExtensions()
    {
        ServerMetadataResponse answer = await served.Client.ServerMetadataAsync(new ServerMetadataRequest());

        Assert.Equal("esen", answer.Name);
        Assert.False(string.IsNullOrEmpty(answer.Version));
        Assert.Equal(["binary_tensor_data"], answer.Extensions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    public async Task ModelReady_ServedModel_IsReady(string version)
    {
        ModelReadyResponse answer = await served.Client.ModelReadyAsync(new ModelReadyRequest { Name = GrpcServedEnsemble.ModelName, Version = version });

        Assert.True(answer.Ready);
    }

    [Fact]
    public async Task ModelReady_UnknownModel_IsNotFoundNamingIt()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await served.Client.ModelReadyAsync(new ModelReadyRequest { Name = "nope" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'nope'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(GrpcServedEnsemble.ModelName, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelMetadata_GivesTheSessionsInputAndOutputWithAnyBatch()
    {
        ModelMetadataResponse answer = await served.Client.ModelMetadataAsync(new ModelMetadataRequest { Name = GrpcServedEnsemble.ModelName });

        Assert.Equal(GrpcServedEnsemble.ModelName, answer.Name);
        Assert.Equal(["1"], answer.Versions);
        Assert.Equal("esen", answer.Platform);
        var input = Assert.Single(answer.Inputs);
        Assert.Equal(GrpcServedEnsemble.InputName, input.Name);
        Assert.Equal("FP32", input.Datatype);
        Assert.Equal([-1L, 3, 32, 32], input.Shape);
        var output = Assert.Single(answer.Outputs);
        Assert.Equal("output", output.Name);
        Assert.Equal([-1L, .. served.Session.OutputShape.Dimensions[1..].ToArray()], output.Shape);
    }

    [Fact]
    public async Task ModelMetadata_UnknownVersion_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await served.Client.ModelMetadataAsync(new ModelMetadataRequest { Name = GrpcServedEnsemble.ModelName, Version = "7" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("version '7'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfer_TypedContents_AnswersAsTheSessionDoes()
    {
        Tensor images = GrpcServedEnsemble.Images(3, seed: 31);
        ModelInferRequest request = Request(images);
        request.Id = "typed-3";
        request.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { images.Floats.ToArray() } };

        ModelInferResponse answer = await served.Client.ModelInferAsync(request);

        Assert.Equal("typed-3", answer.Id);
        Assert.Equal(GrpcServedEnsemble.ModelName, answer.ModelName);
        await AssertAnswersAsTheSession(images, answer);
    }

    [Fact]
    public async Task ModelInfer_RawContents_AnswersAsTheSessionDoes()
    {
        Tensor images = GrpcServedEnsemble.Images(2, seed: 32);
        ModelInferRequest request = Request(images);
        request.RawInputContents.Add(ByteString.CopyFrom(InferenceProtocol.LittleEndianBytes(images.Floats)));

        ModelInferResponse answer = await served.Client.ModelInferAsync(request);

        Assert.Equal("", answer.Id);
        await AssertAnswersAsTheSession(images, answer);
    }

    [Fact]
    public async Task ModelInfer_UnknownModel_IsNotFound()
    {
        ModelInferRequest request = Raw(GrpcServedEnsemble.Images(1, seed: 33));
        request.ModelName = "nope";

        var error = await Assert.ThrowsAsync<RpcException>(async () => await served.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'nope'", error.Status.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "name", "input 'pixels' is unknown; the model's input is 'images'" },
        { "datatype", "input 'images': datatype FP64; expected FP32" },
        { "shape", "input 'images': shape [1, 3, 32, 31]; expected [rows, 3, 32, 32]" },
        { "rank", "input 'images': \"shape\" must list 4 dimensions" },
        { "zero rows", "input 'images': shape dimension 0 is 0; expected a positive integer" },
        { "raw size", "input 'images': 12284 bytes in raw_input_contents; the shape holds 3072 FP32 elements (12288 bytes)" },
        { "typed count", "input 'images': 3071 data elements; the shape holds 3072" },
        { "two inputs", "the model takes one input, 'images'; the request has 2" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task ModelInfer_BadInput_IsInvalidArgumentNamingTheInput(string fault, string message)
    {
        Tensor image = GrpcServedEnsemble.Images(1, seed: 34);
        ModelInferRequest request = Raw(image);
        ModelInferRequest.Types.InferInputTensor input = request.Inputs[0];
        switch (fault)
        {
            case "name": input.Name = "pixels"; break;
            case "datatype": input.Datatype = "FP64"; break;
            case "shape": input.Shape[3] = 31; break;
            case "rank": input.Shape.RemoveAt(0); break;
            case "zero rows": input.Shape[0] = 0; break;
            case "raw size": request.RawInputContents[0] = ByteString.CopyFrom(request.RawInputContents[0].Span[4..]); break;
            case "typed count":
                request.RawInputContents.Clear();
                input.Contents = new InferTensorContents { Fp32Contents = { image.Floats[1..].ToArray() } };
                break;
            case "two inputs": request.Inputs.Add(input.Clone()); break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () => await served.Client.ModelInferAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(message, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfer_ModelFull_IsResourceExhaustedAtOnce()
    {
        var full = new GrpcServedEnsemble(new ServerOptions { HttpPort = 0, GrpcPort = 0, MaxQueuedRequests = 1 });
        await full.InitializeAsync();
        try
        {
            Assert.Null(full.Server.Lookup(GrpcServedEnsemble.ModelName, null, out ServedModel? model));
            Assert.True(model!.TryAdmit());
            var error = await Assert.ThrowsAsync<RpcException>(async () => await full.Client.ModelInferAsync(Raw(GrpcServedEnsemble.Images(1, seed: 35))));
            model.Release();

            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.Contains("holds 1 requests already", error.Status.Detail, StringComparison.Ordinal);
            // The slot freed, the same request is answered.
            Assert.Single((await full.Client.ModelInferAsync(Raw(GrpcServedEnsemble.Images(1, seed: 35)))).RawOutputContents);
        }
        finally
        {
            await full.DisposeAsync();
        }
    }

    [Fact]
    public async Task ModelInfer_PastTheRequestTimeout_IsDeadlineExceeded()
    {
        // A timeout shorter than any inference: the request is cut at once and its slot freed.
        var hasty = new GrpcServedEnsemble(new ServerOptions { HttpPort = 0, GrpcPort = 0, RequestTimeout = TimeSpan.FromTicks(1) });
        await hasty.InitializeAsync();
        try
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () => await hasty.Client.ModelInferAsync(Raw(GrpcServedEnsemble.Images(1, seed: 36))));

            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
            Assert.Contains("took longer than", error.Status.Detail, StringComparison.Ordinal);
            Assert.Null(hasty.Server.Lookup(GrpcServedEnsemble.ModelName, null, out ServedModel? model));
            Assert.Equal(0, model!.InFlight);
        }
        finally
        {
            await hasty.DisposeAsync();
        }
    }

    [Fact]
    public async Task RepositoryIndex_NotServed_IsUnimplemented()
    {
        // An RPC of Triton's fuller service that Esen's .proto leaves out.
        var method = new Method<byte[], byte[]>(MethodType.Unary, "inference.GRPCInferenceService", "RepositoryIndex",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await served.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), []));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private async Task AssertAnswersAsTheSession(Tensor images, ModelInferResponse answer)
    {
        Tensor expected = await served.Session.InferAsync(images);
        var output = Assert.Single(answer.Outputs);
        Assert.Equal("output", output.Name);
        Assert.Equal("FP32", output.Datatype);
        Assert.Equal(expected.Shape.Dimensions.ToArray(), output.Shape);
        float[] actual = InferenceProtocol.LittleEndianFloats(Assert.Single(answer.RawOutputContents).Span, "output", expected.Floats.Length, "bytes");
        RelativeL2.AssertAtMost(expected.Floats, actual, Tolerance, "gRPC answer vs the session's");
    }

    private static ModelInferRequest Request(Tensor images) => new()
    {
        ModelName = GrpcServedEnsemble.ModelName,
        Inputs =
        {
            new ModelInferRequest.Types.InferInputTensor
            {
                Name = GrpcServedEnsemble.InputName,
                Datatype = "FP32",
                Shape = { images.Shape.Dimensions.ToArray() },
            },
        },
    };

    private static ModelInferRequest Raw(Tensor images)
    {
        ModelInferRequest request = Request(images);
        request.RawInputContents.Add(ByteString.CopyFrom(InferenceProtocol.LittleEndianBytes(images.Floats)));
        return request;
    }
}
