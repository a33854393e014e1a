using System.Diagnostics;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Serving.Metrics;
using Google.Protobuf;
using Grpc.Core;

namespace Esen.Serving.Grpc;

/// <summary>
/// The Open Inference Protocol's gRPC binding over the same models, admission and checks as the REST
/// binding: an unknown model or version is NOT_FOUND, a bad input INVALID_ARGUMENT naming the input, a
/// full model RESOURCE_EXHAUSTED, a request past <see cref="ServerOptions.RequestTimeout"/>
/// DEADLINE_EXCEEDED, and a stopping server UNAVAILABLE. Input data may come typed (fp32_contents) or
/// raw (raw_input_contents); the answer's data is raw, as Triton answers.
/// </summary>
internal sealed class GrpcInferenceService(InferenceServer server) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = !server.IsStopping });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        Find(request.Name, request.Version);
        return Task.FromResult(new ModelReadyResponse { Ready = !server.IsStopping });
    }

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse
        {
            Name = InferenceProtocol.ServerName,
            Version = InferenceProtocol.ServerVersion,
            Extensions = { InferenceProtocol.Extensions },
        });

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        ServedModel model = Find(request.Name, request.Version);
        return Task.FromResult(new ModelMetadataResponse
        {
            Name = model.Name,
            Versions = { "1" },
            Platform = InferenceProtocol.Platform,
            Inputs = { TensorMetadata(model.Session.Input.Name, model.Session.Input.Shape) },
            Outputs = { TensorMetadata(InferenceProtocol.OutputName, model.Session.OutputShape) },
        });
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        long start = Stopwatch.GetTimestamp();
        string? counted = null;
        StatusCode status = StatusCode.OK;
        try
        {
            ServedModel model = Find(request.ModelName, request.ModelVersion);
            counted = model.Name;
            return await InferAsync(model, request, context.CancellationToken);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        catch (OperationCanceledException)
        {
            status = StatusCode.Cancelled;
            throw;
        }
        finally
        {
            server.Metrics.Answered(counted, ServingMetrics.Grpc, CanonicalName(status), start);
        }
    }

    private async Task<ModelInferResponse> InferAsync(ServedModel model, ModelInferRequest request, CancellationToken aborted)
    {
        if (server.IsStopping)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, InferenceServer.Stopping));
        }

        if (!model.TryAdmit())
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, server.Busy(model.Name)));
        }

        try
        {
            Tensor input = Decode(model, request);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            deadline.CancelAfter(server.Options.RequestTimeout);
            Tensor output = await model.Session.InferAsync(input, deadline.Token);
            return new ModelInferResponse
            {
                ModelName = model.Name,
                ModelVersion = "1",
                Id = request.Id,
                Outputs =
                {
                    new ModelInferResponse.Types.InferOutputTensor
                    {
                        Name = InferenceProtocol.OutputName,
                        Datatype = InferenceProtocol.Fp32,
                        Shape = { output.Shape.Dimensions.ToArray() },
                    },
                },
                RawOutputContents = { UnsafeByteOperations.UnsafeWrap(InferenceProtocol.LittleEndianBytes(output.Floats)) },
            };
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, server.TookTooLong()));
        }
        catch (EsenException ex)
        {
            throw new RpcException(new Status(ex.Kind == EsenErrorKind.BadInput ? StatusCode.InvalidArgument : StatusCode.Unavailable, ex.Message));
        }
        catch (ObjectDisposedException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, InferenceServer.Stopping));
        }
        finally
        {
            model.Release();
        }
    }

    // The checks are the REST binding's (InferenceProtocol); only reading the fields differs.
    private Tensor Decode(ServedModel model, ModelInferRequest request)
    {
        string inputName = model.Session.Input.Name;
        try
        {
            if (request.Inputs.Count != 1)
            {
                throw InferenceProtocol.WrongInputCount(inputName, request.Inputs.Count);
            }

            ModelInferRequest.Types.InferInputTensor input = request.Inputs[0];
            InferenceProtocol.CheckInput(input.Name, input.Datatype, inputName);
            TensorShape shape = InferenceProtocol.Shape(input.Shape, inputName, model.SampleShape, server.Options.MaxElements);
            long elements = shape.Product(0, shape.Rank);
            float[] data;
            if (request.RawInputContents.Count > 0)
            {
                if (request.RawInputContents.Count != 1 || input.Contents is not null)
                {
                    throw new ProtocolException($"input '{inputName}': raw_input_contents must hold one entry per input, and contents must then be empty");
                }

                data = InferenceProtocol.LittleEndianFloats(request.RawInputContents[0].Span, inputName, elements, "bytes in raw_input_contents");
            }
            else
            {
                data = input.Contents is null ? [] : [.. input.Contents.Fp32Contents];
                InferenceProtocol.CheckElementCount(data.Length, inputName, elements);
            }

            return Tensor.FromFloats(shape, data);
        }
        catch (ProtocolException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
    }

    private ServedModel Find(string name, string version) =>
        server.Lookup(name, version, out ServedModel? model) is { } missing
            ? throw new RpcException(new Status(StatusCode.NotFound, missing))
            : model!;

    // "DeadlineExceeded" → "DEADLINE_EXCEEDED": the spelling of the gRPC status code table (grpc/grpc doc/statuscodes.md).
    private static string CanonicalName(StatusCode status)
    {
        string name = status.ToString();
        return string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(name[i - 1]) ? $"_{c}" : c.ToString())).ToUpperInvariant();
    }

    private static ModelMetadataResponse.Types.TensorMetadata TensorMetadata(string name, TensorShape shape) => new()
    {
        Name = name,
        Datatype = InferenceProtocol.Fp32,
        Shape = { InferenceProtocol.MetadataShape(shape) },
    };
}
