using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Esen.Kernels.Graph;
using Esen.Runtime;
using Esen.Runtime.Specs;
using Esen.Serving.Grpc;
using Esen.Serving.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using HttpProtocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;

namespace Esen.Serving;

/// <summary>
/// Serves loaded sessions over the Open Inference Protocol's REST binding (KServe v2): health,
/// server and model metadata, and inference with JSON or binary tensor data. Requests from every
/// connection go into the model's session, so they batch together; a model that already holds
/// <see cref="ServerOptions.MaxQueuedRequests"/> answers 429 at once; a request past its timeout is
/// answered 504 and a client that goes away frees its slot. <see cref="StopAsync"/> stops accepting,
/// answers what is in flight (bounded by <see cref="ServerOptions.DrainTimeout"/>) and returns.
/// The server does not own the sessions and does not listen to process signals: its host does both.
/// </summary>
public sealed partial class InferenceServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, ServedModel> _models;
    private readonly ServerOptions _options;
    private int _stopping;

    private InferenceServer(WebApplication app, Dictionary<string, ServedModel> models, ServerOptions options)
    {
        _app = app;
        _models = models;
        _options = options;
        Metrics = new ServingMetrics(models.Values);
    }

    /// <summary>The port the REST protocol listens on (the one chosen when <see cref="ServerOptions.HttpPort"/> is 0).</summary>
    public int HttpPort { get; private set; }

    /// <summary>The port the gRPC binding listens on (the one chosen when <see cref="ServerOptions.GrpcPort"/> is 0); null without gRPC.</summary>
    public int? GrpcPort { get; private set; }

    /// <summary>The names of the models served, as clients address them.</summary>
    public IReadOnlyList<string> ModelNames => [.. _models.Keys];

    /// <summary>Requests admitted by <paramref name="model"/> and not answered yet.</summary>
    internal int InFlight(string model) => _models[model].InFlight;

    /// <summary>Starts listening.</summary>
    /// <param name="models">Model name → its session. Names are letters, digits, '.', '_' and '-'; clients can only address these.</param>
    /// <param name="options">Address and limits; the defaults listen on 127.0.0.1:8000.</param>
    /// <exception cref="ArgumentException">No model, or a name outside the allowed characters.</exception>
    /// <exception cref="IOException">The address is in use or cannot be bound.</exception>
    public static async Task<InferenceServer> StartAsync(IReadOnlyDictionary<string, EnsembleSession> models, ServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        options ??= new ServerOptions();
        options.Validate();
        if (models.Count == 0)
        {
            throw new ArgumentException("no model to serve", nameof(models));
        }

        foreach (string name in models.Keys)
        {
            if (!ModelName().IsMatch(name))
            {
                throw new ArgumentException($"model name '{name}' may hold only letters, digits, '.', '_' and '-'", nameof(models));
            }
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, OwnerLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
            Listen(kestrel, options.Host, options.HttpPort, HttpProtocols.Http1AndHttp2);
            if (options.GrpcPort is { } grpcPort)
            {
                // gRPC needs HTTP/2; without TLS there is no protocol negotiation, so the port speaks HTTP/2 only.
                Listen(kestrel, options.Host, grpcPort, HttpProtocols.Http2);
            }
        });
        InferenceServer? server = null;
        builder.Services.AddSingleton(_ => server!);
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = (int)Math.Min(options.MaxBodyBytes, int.MaxValue));

        WebApplication app = builder.Build();
        var served = models.ToDictionary(m => m.Key, m => new ServedModel(m.Key, m.Value, options.MaxQueuedRequests), StringComparer.Ordinal);
        server = new InferenceServer(app, served, options);
        server.MapRoutes();
        await app.StartAsync(cancellationToken);
        // One address per listener in listen order (localhost binds two addresses on one port).
        int[] ports = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).Distinct()];
        server.HttpPort = ports[0];
        server.GrpcPort = options.GrpcPort is null ? null : ports[1];
        return server;
    }

    /// <summary>Stops accepting requests, answers those in flight (bounded by <see cref="ServerOptions.DrainTimeout"/>) and stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <summary>Stops (see <see cref="StopAsync"/>) and releases the listener.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        Metrics.Dispose();
        foreach (ServedModel model in _models.Values)
        {
            model.Dispose();
        }
    }

    /// <summary>The server's Prometheus metrics, exposed at /metrics.</summary>
    internal ServingMetrics Metrics { get; }

    /// <summary>Whether a stop has begun: new inference requests are refused and readiness is false.</summary>
    internal bool IsStopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>Address and limits.</summary>
    internal ServerOptions Options => _options;

    /// <summary>The answer of an inference refused because the model is full.</summary>
    internal string Busy(string name) => $"model '{name}' holds {_options.MaxQueuedRequests} requests already; retry later";

    /// <summary>The answer of an inference past <see cref="ServerOptions.RequestTimeout"/>.</summary>
    internal string TookTooLong() => string.Create(CultureInfo.InvariantCulture, $"the request took longer than {_options.RequestTimeout.TotalSeconds:0.###} s");

    /// <summary>The answer of an inference that arrives while the server stops.</summary>
    internal const string Stopping = "the server is stopping";

    /// <summary>Finds a served model; <paramref name="version"/> null or empty is any (each model has version "1").</summary>
    /// <returns>Null when found, else the message naming what is missing.</returns>
    internal string? Lookup(string name, string? version, out ServedModel? model)
    {
        if (!_models.TryGetValue(name, out model))
        {
            return $"unknown model '{name}'; served: {string.Join(", ", _models.Keys.Order(StringComparer.Ordinal))}";
        }

        return string.IsNullOrEmpty(version) || version == "1" ? null : $"model '{name}' has no version '{version}'; it has version 1";
    }

    private static void Listen(KestrelServerOptions kestrel, string host, int port, HttpProtocols protocols)
    {
        if (host == "localhost")
        {
            kestrel.ListenLocalhost(port, listen => listen.Protocols = protocols);
        }
        else
        {
            // ServerOptions.Validate has checked it is an address.
            kestrel.Listen(IPAddress.Parse(host), port, listen => listen.Protocols = protocols);
        }
    }

    private void MapRoutes()
    {
        _app.Use(CountRestInference);
        _app.MapMetrics("/metrics", Metrics.Registry);
        if (_options.GrpcPort is not null)
        {
            _app.MapGrpcService<GrpcInferenceService>();
        }

        _app.MapGet("/v2/health/live", () => Results.Json(new JsonObject { ["live"] = true }));
        _app.MapGet("/v2/health/ready", () => Volatile.Read(ref _stopping) == 0
            ? Results.Json(new JsonObject { ["ready"] = true })
            : Results.Json(new JsonObject { ["ready"] = false }, statusCode: StatusCodes.Status503ServiceUnavailable));
        _app.MapGet("/v2", () => Results.Json(new JsonObject
        {
            ["name"] = InferenceProtocol.ServerName,
            ["version"] = InferenceProtocol.ServerVersion,
            ["extensions"] = new JsonArray([.. InferenceProtocol.Extensions.Append(ModelRepository.Extension).Select(e => JsonValue.Create(e))]),
        }));
        _app.MapPost("/v2/repository/index", () => Results.Json(ModelRepository.Index(_models.Keys)));
        _app.MapPost("/v2/repository/models/{name}/load", (string name, HttpContext context) => LoadAsync(name, context));
        foreach (string prefix in new[] { "/v2/models/{name}", "/v2/models/{name}/versions/{version}" })
        {
            _app.MapGet(prefix, (string name, string? version) => WithModel(name, version, model =>
                Results.Json(InferenceProtocol.ModelMetadata(model.Name, model.Session.Input.Name, model.Session.Input.Shape, model.Session.OutputShape))));
            _app.MapGet(prefix + "/ready", (string name, string? version) => WithModel(name, version, model =>
                Results.Json(new JsonObject { ["name"] = model.Name, ["ready"] = Volatile.Read(ref _stopping) == 0 })));
            _app.MapPost(prefix + "/infer", (string name, string? version, HttpContext context) => InferAsync(name, version, context)).WithMetadata(RestInference);
        }

        _app.MapFallback(() => Error(StatusCodes.Status404NotFound, "no such route; the protocol's routes start with /v2"));
    }

    private IResult WithModel(string name, string? version, Func<ServedModel, IResult> answer) =>
        Find(name, version, out ServedModel? model, out IResult? missing) ? answer(model!) : missing!;

    private bool Find(string name, string? version, out ServedModel? model, out IResult? missing)
    {
        string? message = Lookup(name, version, out model);
        missing = message is null ? null : Error(StatusCodes.Status404NotFound, message);
        return message is null;
    }

    private async Task CountRestInference(HttpContext context, RequestDelegate next)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        await next(context);
        if (context.GetEndpoint()?.Metadata.Contains(RestInference) == true)
        {
            string? name = context.Request.RouteValues["name"] as string;
            Metrics.Answered(name is not null && _models.ContainsKey(name) ? name : null, ServingMetrics.Rest,
                context.Response.StatusCode.ToString(CultureInfo.InvariantCulture), start);
        }
    }

    private async Task<IResult> InferAsync(string name, string? version, HttpContext context)
    {
        if (!Find(name, version, out ServedModel? model, out IResult? missing))
        {
            return missing!;
        }

        if (Volatile.Read(ref _stopping) != 0)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, Stopping);
        }

        if (!model!.TryAdmit())
        {
            return Error(StatusCodes.Status429TooManyRequests, Busy(name));
        }

        try
        {
            return await AdmittedAsync(model, context);
        }
        finally
        {
            model.Release();
        }
    }

    /// <summary>The model repository's load: re-plans a served model online (<see cref="ModelRepository"/>); inference goes on meanwhile.</summary>
    private async Task<IResult> LoadAsync(string name, HttpContext context)
    {
        if (!Find(name, null, out ServedModel? model, out IResult? missing))
        {
            return missing!;
        }

        if (Volatile.Read(ref _stopping) != 0)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, Stopping);
        }

        try
        {
            byte[] body = await ReadBodyAsync(context.Request, context.RequestAborted);
            Func<EnsembleSpec>? reread = _options.SpecSources?.GetValueOrDefault(name);
            ReplanRequest request = ModelRepository.DecodeLoad(body, name, model!.Session.Spec, reread);
            Replan replan = await model.Session.ReplanAsync(request, context.RequestAborted);
            return Results.Json(ModelRepository.Loaded(name, model.Session, replan));
        }
        catch (ProtocolException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (EsenException ex)
        {
            return Error(ex.Kind == EsenErrorKind.Unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status400BadRequest, $"model '{name}' was not re-planned: {ex.Message}");
        }
        catch (ObjectDisposedException)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, Stopping);
        }
    }

    private async Task<IResult> AdmittedAsync(ServedModel model, HttpContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(_options.RequestTimeout);
        DecodedRequest request;
        try
        {
            byte[] received = await ReadBodyAsync(context.Request, deadline.Token);
            long? headerLength = context.Request.Headers.TryGetValue(InferenceProtocol.HeaderLengthHeader, out var header)
                ? long.TryParse(header.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed
                    : throw new ProtocolException($"{InferenceProtocol.HeaderLengthHeader} '{header}' is not a length")
                : null;
            request = InferenceProtocol.Decode(received, headerLength, model.Session.Input.Name, model.SampleShape, _options.MaxElements);
        }
        catch (ProtocolException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            return Error(StatusCodes.Status400BadRequest, $"the request body cannot be read: {ex.Message}");
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return Error(StatusCodes.Status504GatewayTimeout, TookTooLong());
        }

        Tensor output;
        try
        {
            output = await model.Session.InferAsync(request.Input, deadline.Token);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return Error(StatusCodes.Status504GatewayTimeout, TookTooLong());
        }
        catch (EsenException ex)
        {
            return Error(ex.Kind == EsenErrorKind.BadInput ? StatusCodes.Status400BadRequest : StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, Stopping);
        }

        (byte[] body, int jsonLength) = InferenceProtocol.Encode(model.Name, request, output);
        if (!request.BinaryOutput)
        {
            return Results.Bytes(body, "application/json");
        }

        context.Response.Headers[InferenceProtocol.HeaderLengthHeader] = InferenceProtocol.Length(jsonLength);
        return Results.Bytes(body, "application/octet-stream");
    }

    private async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _options.MaxBodyBytes)
        {
            throw new ProtocolException($"the body is {request.ContentLength} bytes, more than the server's limit of {_options.MaxBodyBytes}");
        }

        if (request.ContentLength is { } length)
        {
            // Kestrel ends the body at Content-Length, so the body is read straight into its final array.
            byte[] whole = new byte[length];
            int filled = await request.Body.ReadAtLeastAsync(whole, whole.Length, throwOnEndOfStream: false, cancellationToken);
            return filled == whole.Length ? whole
                : throw new ProtocolException($"the body ended after {filled} of its {length} bytes");
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > _options.MaxBodyBytes)
            {
                throw new ProtocolException($"the body is more than the server's limit of {_options.MaxBodyBytes} bytes");
            }

            await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }

        return buffer.ToArray();
    }

    private static IResult Error(int status, string message) => Results.Json(InferenceProtocol.Error(message), statusCode: status);

    // Marks the REST inference endpoints, whose answers the metrics count.
    private static readonly object RestInference = new();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex ModelName();

    /// <summary>The server's owner starts and stops it; no process signal does.</summary>
    private sealed class OwnerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
