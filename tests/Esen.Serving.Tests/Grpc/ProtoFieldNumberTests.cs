using Esen.Serving.Grpc;
using Google.Protobuf.Reflection;

namespace Esen.Serving.Tests.Grpc;

/// <summary>
/// Our grpc_service.proto against the protocol's published definition: any v2 client encodes by these
/// numbers, so one wrong number silently swaps or drops a field on the wire.
/// </summary>
public sealed class ProtoFieldNumberTests
{
    // Message, field, number: from the Open Inference Protocol's gRPC definition as KServe publishes it
    // (kserve/kserve, docs/predict-api/v2/grpc_predict_v2.proto), which Triton's
    // triton-inference-server/common protobuf/grpc_service.proto shares for these messages.
    private static readonly (string Message, string Field, int Number)[] Published =
    [
        ("ServerLiveResponse", "live", 1),
        ("ServerReadyResponse", "ready", 1),
        ("ModelReadyRequest", "name", 1),
        ("ModelReadyRequest", "version", 2),
        ("ModelReadyResponse", "ready", 1),
        ("ServerMetadataResponse", "name", 1),
        ("ServerMetadataResponse", "version", 2),
        ("ServerMetadataResponse", "extensions", 3),
        ("ModelMetadataRequest", "name", 1),
        ("ModelMetadataRequest", "version", 2),
        ("ModelMetadataResponse.TensorMetadata", "name", 1),
        ("ModelMetadataResponse.TensorMetadata", "datatype", 2),
        ("ModelMetadataResponse.TensorMetadata", "shape", 3),
        ("ModelMetadataResponse", "name", 1),
        ("ModelMetadataResponse", "versions", 2),
        ("ModelMetadataResponse", "platform", 3),
        ("ModelMetadataResponse", "inputs", 4),
        ("ModelMetadataResponse", "outputs", 5),
        ("ModelInferRequest.InferInputTensor", "name", 1),
        ("ModelInferRequest.InferInputTensor", "datatype", 2),
        ("ModelInferRequest.InferInputTensor", "shape", 3),
        ("ModelInferRequest.InferInputTensor", "parameters", 4),
        ("ModelInferRequest.InferInputTensor", "contents", 5),
        ("ModelInferRequest.InferRequestedOutputTensor", "name", 1),
        ("ModelInferRequest.InferRequestedOutputTensor", "parameters", 2),
        ("ModelInferRequest", "model_name", 1),
        ("ModelInferRequest", "model_version", 2),
        ("ModelInferRequest", "id", 3),
        ("ModelInferRequest", "parameters", 4),
        ("ModelInferRequest", "inputs", 5),
        ("ModelInferRequest", "outputs", 6),
        ("ModelInferRequest", "raw_input_contents", 7),
        ("ModelInferResponse.InferOutputTensor", "name", 1),
        ("ModelInferResponse.InferOutputTensor", "datatype", 2),
        ("ModelInferResponse.InferOutputTensor", "shape", 3),
        ("ModelInferResponse.InferOutputTensor", "parameters", 4),
        ("ModelInferResponse.InferOutputTensor", "contents", 5),
        ("ModelInferResponse", "model_name", 1),
        ("ModelInferResponse", "model_version", 2),
        ("ModelInferResponse", "id", 3),
        ("ModelInferResponse", "parameters", 4),
        ("ModelInferResponse", "outputs", 5),
        ("ModelInferResponse", "raw_output_contents", 6),
        ("InferParameter", "bool_param", 1),
        ("InferParameter", "int64_param", 2),
        ("InferParameter", "string_param", 3),
        ("InferTensorContents", "bool_contents", 1),
        ("InferTensorContents", "int_contents", 2),
        ("InferTensorContents", "int64_contents", 3),
        ("InferTensorContents", "uint_contents", 4),
        ("InferTensorContents", "uint64_contents", 5),
        ("InferTensorContents", "fp32_contents", 6),
        ("InferTensorContents", "fp64_contents", 7),
        ("InferTensorContents", "bytes_contents", 8),
    ];

    [Fact]
    public void EveryField_HasThePublishedNumber_AndNoFieldIsOurOwn()
    {
        var ours = Messages(GrpcServiceReflection.Descriptor.MessageTypes)
            .SelectMany(m => m.Fields.InFieldNumberOrder().Select(f => (Message: m.FullName["inference.".Length..], Field: f.Name, Number: f.FieldNumber)))
            .ToHashSet();

        Assert.Equal(Published.ToHashSet(), ours);
    }

    [Fact]
    public void TheService_HasTheProtocolsNameAndMethods()
    {
        ServiceDescriptor service = Assert.Single(GrpcServiceReflection.Descriptor.Services);

        Assert.Equal("inference.GRPCInferenceService", service.FullName);
        Assert.Equal(
            ["ServerLive:ServerLiveRequest>ServerLiveResponse", "ServerReady:ServerReadyRequest>ServerReadyResponse",
             "ModelReady:ModelReadyRequest>ModelReadyResponse", "ServerMetadata:ServerMetadataRequest>ServerMetadataResponse",
             "ModelMetadata:ModelMetadataRequest>ModelMetadataResponse", "ModelInfer:ModelInferRequest>ModelInferResponse"],
            service.Methods.Select(m => $"{m.Name}:{m.InputType.Name}>{m.OutputType.Name}"));
    }

    // Map fields' entry messages are the compiler's, not the protocol's.
    private static IEnumerable<MessageDescriptor> Messages(IEnumerable<MessageDescriptor> messages) =>
        messages.Where(m => !m.GetOptions()?.MapEntry ?? true).SelectMany(m => Messages(m.NestedTypes).Prepend(m));
}
