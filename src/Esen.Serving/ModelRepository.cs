using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Esen.Runtime;
using Esen.Runtime.Specs;

namespace Esen.Serving;

/// <summary>
/// The Open Inference Protocol's model repository extension as Esen serves it (kserve.github.io, "Model
/// Repository Extension": <c>POST v2/repository/index</c> and <c>POST v2/repository/models/${MODEL}/load</c>
/// with an optional <c>{"parameters": {...}}</c> body). Loading a model that is served re-plans it online
/// (<see cref="EnsembleSession.ReplanAsync"/>): the spec in the <c>config</c> parameter (an
/// <c>esen-ensemble/1</c> document, as Triton takes a model's configuration there), else the spec
/// re-read from where it came from, else the same spec; <c>request_rate</c> re-plans for that rate.
/// </summary>
internal static class ModelRepository
{
    /// <summary>The extension's name in the server metadata (Triton's spelling).</summary>
    public const string Extension = "model_repository";

    /// <summary>The load parameter that carries a new spec.</summary>
    public const string ConfigParameter = "config";

    /// <summary>The Esen load parameter that carries a request rate (one-input requests per second) to plan for.</summary>
    public const string RequestRateParameter = "request_rate";

    /// <summary>The index: every model with its version and state.</summary>
    public static JsonArray Index(IEnumerable<string> models) =>
        [.. models.Order(StringComparer.Ordinal).Select(name => (JsonNode)new JsonObject { ["name"] = name, ["version"] = "1", ["state"] = "READY" })];

    /// <summary>Decodes a load request's body into a re-plan of <paramref name="model"/>.</summary>
    /// <param name="body">The body; empty is no parameters.</param>
    /// <param name="model">The model's name.</param>
    /// <param name="current">The spec it runs now (its folder resolves the config's relative model paths).</param>
    /// <param name="reread">Reads the model's spec again from its source; null when it has none.</param>
    /// <exception cref="ProtocolException">Malformed JSON, a parameter of the wrong type, or a spec the reader rejects (the message names the field).</exception>
    public static ReplanRequest DecodeLoad(ReadOnlyMemory<byte> body, string model, EnsembleSpec current, Func<EnsembleSpec>? reread)
    {
        JsonObject? parameters = null;
        if (!body.IsEmpty)
        {
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(body.Span);
            }
            catch (JsonException ex)
            {
                throw new ProtocolException($"the load request is not JSON: {ex.Message}");
            }

            parameters = (root as JsonObject ?? throw new ProtocolException("the load request must be a JSON object"))["parameters"] switch
            {
                null => null,
                JsonObject given => given,
                _ => throw new ProtocolException("the load request's 'parameters' must be an object"),
            };
        }

        double? rate = parameters?[RequestRateParameter] switch
        {
            null => null,
            JsonValue value when value.TryGetValue(out double number) => number,
            _ => throw new ProtocolException($"parameter '{RequestRateParameter}' must be a number (requests per second)"),
        };
        try
        {
            (EnsembleSpec? spec, string reason) = parameters?[ConfigParameter] switch
            {
                null => reread is null ? (null, "load request") : (reread(), "load request: spec re-read"),
                JsonValue value when value.TryGetValue(out string? config) => (
                    EnsembleSpecReader.Read(config, $"model {model}: parameter '{ConfigParameter}'", ConfigFolder(current)),
                    "load request with a config"),
                _ => throw new ProtocolException($"parameter '{ConfigParameter}' must be a string holding an {EnsembleSpec.FormatTag} document"),
            };
            return new ReplanRequest
            {
                Spec = spec,
                RequestRate = rate,
                Reason = rate is double r ? string.Create(CultureInfo.InvariantCulture, $"{reason}, request rate {r}/s") : reason,
            };
        }
        catch (EnsembleSpecException ex)
        {
            throw new ProtocolException(ex.Message);
        }
    }

    /// <summary>The answer to a load: what runs now and what the move cost.</summary>
    public static JsonObject Loaded(string model, EnsembleSession session, Replan replan) => new()
    {
        ["name"] = model,
        ["reason"] = replan.Reason,
        ["members"] = new JsonArray([.. session.Spec.Members.Select(m => JsonValue.Create(m.Name))]),
        ["shares"] = new JsonArray([.. replan.After.Shares.Select(s => JsonValue.Create(s))]),
        ["moved"] = replan.Reallocation is not null,
        ["build_ms"] = replan.Reallocation?.Build.TotalMilliseconds ?? 0,
        ["pause_ms"] = replan.Reallocation?.Pause.TotalMilliseconds ?? 0,
        ["batches_drained"] = replan.Reallocation?.BatchesDrained ?? 0,
    };

    // A config's relative model paths are relative to the served spec's folder when it came from a file.
    private static string ConfigFolder(EnsembleSpec current) =>
        File.Exists(current.SourceName) ? Path.GetDirectoryName(Path.GetFullPath(current.SourceName)) ?? "." : Directory.GetCurrentDirectory();
}
