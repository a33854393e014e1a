using System.Net;
using Esen.Runtime.Specs;

namespace Esen.Serving;

/// <summary>Where <see cref="InferenceServer"/> listens and the limits that keep one client from hurting the others.</summary>
public sealed record ServerOptions
{
    /// <summary>The address to listen on; loopback unless a deployment says otherwise (a container passes 0.0.0.0).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The HTTP port of the REST protocol; 0 picks a free one (<see cref="InferenceServer.HttpPort"/> tells which).</summary>
    public int HttpPort { get; init; } = 8000;

    /// <summary>The port of the gRPC binding (HTTP/2 without TLS); 0 picks a free one (<see cref="InferenceServer.GrpcPort"/> tells which), null serves no gRPC.</summary>
    public int? GrpcPort { get; init; }

    /// <summary>Largest request body in bytes (JSON and binary tensor data together).</summary>
    public long MaxBodyBytes { get; init; } = 64L << 20;

    /// <summary>Largest element count of one input tensor.</summary>
    public long MaxElements { get; init; } = 16L << 20;

    /// <summary>Open connections at once; Kestrel refuses more.</summary>
    public long MaxConnections { get; init; } = 1024;

    /// <summary>Requests admitted per model at once (queued or running); one more is answered 429 at once.</summary>
    public int MaxQueuedRequests { get; init; } = 1024;

    /// <summary>How long a request may take before it is answered 504 and its slot freed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a stop waits for requests in flight to be answered.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Model name → reads its spec again from where it came from (a file, say): what the model repository's
    /// load re-plans with when the request carries no config. A model without an entry re-plans its current spec.
    /// </summary>
    public IReadOnlyDictionary<string, Func<EnsembleSpec>>? SpecSources { get; init; }

    /// <summary>Checks the limits (<see cref="InferenceServer.StartAsync"/> does too); a host calls it to fail before loading models.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive, a port is outside 0–65535, or both protocols name one port (its <see cref="ArgumentException.ParamName"/> names the property).</exception>
    /// <exception cref="ArgumentException"><see cref="Host"/> is neither an IP address nor <c>localhost</c>.</exception>
    public void Validate()
    {
        // Kestrel binds addresses, not names: a name would need resolving, and resolving could expose more than asked.
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _))
        {
            throw new ArgumentException($"host '{Host}' is not an IP address or localhost", nameof(Host));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(HttpPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HttpPort, 65535);
        if (GrpcPort is { } grpcPort)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(grpcPort, nameof(GrpcPort));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(grpcPort, 65535, nameof(GrpcPort));
            if (grpcPort != 0 && grpcPort == HttpPort)
            {
                throw new ArgumentOutOfRangeException(nameof(GrpcPort), grpcPort, "the gRPC port must differ from the HTTP port");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBodyBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxElements, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedRequests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
    }
}
