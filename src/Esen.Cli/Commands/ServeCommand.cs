using System.CommandLine;
using System.Runtime.InteropServices;
using Esen.Runtime;
using Esen.Runtime.Specs;
using Esen.Serving;

namespace Esen.Cli.Commands;

/// <summary>
/// <c>esen serve [SPEC...]</c>: loads each spec (none: the built-in ensemble on the CPU) and serves it
/// over the Open Inference Protocol's REST binding (<see cref="InferenceServer"/>) until SIGINT or
/// SIGTERM, then stops accepting, answers the requests in flight and exits 0. SIGHUP re-reads every
/// spec file and re-plans its models online, as the model repository's load does for one model.
/// </summary>
public static class ServeCommand
{
    /// <summary>The model name of the built-in ensemble.</summary>
    public const string DefaultModelName = "default";

    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        [nameof(ServerOptions.HttpPort)] = "--http",
        [nameof(ServerOptions.GrpcPort)] = "--grpc",
        [nameof(ServerOptions.MaxConnections)] = "--max-connections",
        [nameof(ServerOptions.MaxElements)] = "--max-elements",
        [nameof(ServerOptions.MaxQueuedRequests)] = "--max-queue",
        [nameof(ServerOptions.MaxBodyBytes)] = "--max-body-bytes",
        [nameof(ServerOptions.RequestTimeout)] = "--timeout",
    };

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var defaults = new ServerOptions();
        var specs = new Argument<string[]>("SPEC") { Description = "esen-ensemble/1 files (docs/ensemble-format.md), each served as the model named by its file name without the extension; none: the built-in ensemble, as 'default'.", Arity = ArgumentArity.ZeroOrMore };
        var port = new Option<int>("--http") { Description = "The HTTP port (0: a free one; the printed URL says which).", DefaultValueFactory = _ => defaults.HttpPort };
        var host = new Option<string>("--host") { Description = "The address to listen on; 0.0.0.0 exposes the server beyond this machine.", DefaultValueFactory = _ => defaults.Host };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests admitted per model at once; one more is answered 429.", DefaultValueFactory = _ => defaults.MaxQueuedRequests };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a request may take before it is answered 504.", DefaultValueFactory = _ => defaults.RequestTimeout.TotalSeconds };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body; a larger one is answered 400.", DefaultValueFactory = _ => defaults.MaxBodyBytes };
        var grpc = new Option<int?>("--grpc") { Description = "Also serve the protocol's gRPC binding (HTTP/2 without TLS) on this port (0: a free one; the printed line says which)." };
        var maxConnections = new Option<long>("--max-connections") { Description = "Open connections at once; more are refused.", DefaultValueFactory = _ => defaults.MaxConnections };
        var maxElements = new Option<long>("--max-elements") { Description = "Largest element count of one input tensor; a larger one is answered 400.", DefaultValueFactory = _ => defaults.MaxElements };
        var members = new Option<bool>("--members") { Description = "Also serve each member alone, as the model SPEC.MEMBER (loaded a second time)." };
        var drift = new ExitDriftOptions();
        var command = new Command("serve", "Serve ensembles and cascades over the Open Inference Protocol (KServe v2: REST, and gRPC with --grpc) until SIGINT or SIGTERM (docs/serving.md).");
        command.Arguments.Add(specs);
        foreach (Option option in new Option[] { port, grpc, host, maxQueue, timeout, maxBody, maxElements, maxConnections, members })
        {
            command.Options.Add(option);
        }

        drift.AddTo(command);

        // A synchronous action: the command itself answers SIGINT and SIGTERM by draining, for as long
        // as the drain timeout allows, instead of the command line's short termination grace.
        command.SetAction(parse =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            try
            {
                var options = defaults with
                {
                    HttpPort = parse.GetValue(port),
                    Host = parse.GetValue(host)!,
                    MaxQueuedRequests = parse.GetValue(maxQueue),
                    RequestTimeout = parse.GetValue(timeout) is double seconds && Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds
                        ? TimeSpan.FromSeconds(seconds)
                        : throw new ArgumentException($"--timeout {seconds} is not a number of seconds"),
                    MaxBodyBytes = parse.GetValue(maxBody),
                    MaxElements = parse.GetValue(maxElements),
                    MaxConnections = parse.GetValue(maxConnections),
                    GrpcPort = parse.GetValue(grpc),
                };
                Validate(options);
                ExitRatioDriftOptions? replanOnDrift = drift.Read(parse);
                return ServeAsync(parse.GetValue(specs) ?? [], parse.GetValue(members), replanOnDrift, options, stdout, stderr).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                return ExitCodes.Report(ex, stderr, "serve");
            }
        });
        return command;
    }

    // Before the models load (seconds), and in the flags' terms.
    private static void Validate(ServerOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName == nameof(ServerOptions.GrpcPort) && options.GrpcPort == options.HttpPort)
        {
            throw new ArgumentException($"--grpc {options.GrpcPort} must differ from --http", ex);
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName is { } property && s_flags.TryGetValue(property, out string? flag))
        {
            throw new ArgumentException($"{flag} {ex.ActualValue} is out of range: ports are 0 to 65535; limits and the timeout must be positive", ex);
        }
        catch (ArgumentException ex) when (ex.ParamName == nameof(ServerOptions.Host))
        {
            throw new ArgumentException($"--host '{options.Host}' is not an IP address or localhost", ex);
        }
    }

    /// <summary>A member alone is a one-member ensemble: the mean of one output is that output.</summary>
    private static EnsembleSpec MemberAlone(EnsembleSpec spec, string member) =>
        spec with { Kind = EnsembleKind.Ensemble, Combine = CombineRule.Mean, Exit = null, Members = [spec.Members.FirstOrDefault(m => m.Name == member)
            ?? throw new EnsembleSpecException(spec.SourceName, "$.members", $"member {member} is served alone but no longer in the spec")] };

    /// <summary>SIGHUP: every model re-reads its spec and re-plans online; a model whose spec no longer reads keeps running as it was.</summary>
    private static async Task ReloadAsync(Dictionary<string, EnsembleSession> sessions, Dictionary<string, Func<EnsembleSpec>> sources, TextWriter stderr)
    {
        foreach ((string name, EnsembleSession session) in sessions)
        {
            if (!sources.TryGetValue(name, out Func<EnsembleSpec>? read))
            {
                continue;
            }

            try
            {
                await session.ReplanAsync(new ReplanRequest { Spec = read(), Reason = "SIGHUP: spec re-read" });
            }
            catch (Exception ex) when (ExitCodes.IsReported(ex))
            {
                await stderr.WriteLineAsync($"{name}: not re-planned, it keeps running as it was: {ex.Message}");
            }
            catch (ObjectDisposedException)
            {
                // The server is stopping.
                return;
            }
        }
    }

    /// <summary>The model name of a spec file: its file name without the extension (<c>models/pair.json</c> → <c>pair</c>).</summary>
    public static string ModelNameOf(string specPath) => Path.GetFileNameWithoutExtension(specPath);

    private static async Task<int> ServeAsync(
        string[] specPaths, bool serveMembers, ExitRatioDriftOptions? drift, ServerOptions options, TextWriter stdout, TextWriter stderr)
    {
        // Re-plans log from the sessions' threads.
        stderr = TextWriter.Synchronized(stderr);
        List<(string Name, EnsembleSpec Spec)> models = [];
        var sources = new Dictionary<string, Func<EnsembleSpec>>(StringComparer.Ordinal);
        if (specPaths.Length == 0)
        {
            models.Add((DefaultModelName, RunCommand.DefaultSpec(DeviceSpec.Cpu)));
        }

        foreach (string path in specPaths)
        {
            EnsembleSpec spec = EnsembleSpecReader.ReadFile(path);
            EnsembleSession.EnsureDevices(spec);
            string name = ModelNameOf(path);
            if (models.FindIndex(m => m.Name == name) is int other and >= 0)
            {
                throw new ArgumentException($"{path}: its model name '{name}' is taken by {models[other].Spec.SourceName}; rename one of the files");
            }

            models.Add((name, spec));
            sources[name] = () => EnsembleSpecReader.ReadFile(path);
        }

        if (serveMembers)
        {
            models.AddRange([.. models.SelectMany(m => m.Spec.Members.Select(member => ($"{m.Name}.{member.Name}", MemberAlone(m.Spec, member.Name))))]);
            foreach ((string name, Func<EnsembleSpec> read) in sources.ToList())
            {
                foreach (MemberSpec member in models.First(m => m.Name == name).Spec.Members)
                {
                    sources[$"{name}.{member.Name}"] = () => MemberAlone(read(), member.Name);
                }
            }
        }

        options = options with { SpecSources = sources };

        var sessions = new Dictionary<string, EnsembleSession>(StringComparer.Ordinal);
        try
        {
            foreach ((string name, EnsembleSpec spec) in models)
            {
                await stderr.WriteLineAsync($"loading {name} ({string.Join(", ", spec.Members.Select(m => m.Name))})");
                // A server runs for days: spans feed /metrics as they happen instead of a timeline that grows.
                sessions[name] = await EnsembleSession.LoadAsync(spec, new SessionOptions
                {
                    Runtime = new RuntimeOptions { RecordTimeline = false },
                    ExitRatioDrift = drift,
                    Progress = line => stderr.WriteLine($"{name}: {line}"),
                });
                await stderr.WriteLineAsync($"{name}: plan {sessions[name].Plan.Describe(sessions[name].Spec)}");
            }

            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.TrySetResult();
            }

            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using PosixSignalRegistration hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _ = ReloadAsync(sessions, sources, stderr);
            });
            await using InferenceServer server = await InferenceServer.StartAsync(sessions, options);
            string address = options.Host.Contains(':', StringComparison.Ordinal) ? $"[{options.Host}]" : options.Host;
            await stdout.WriteLineAsync($"Serving {string.Join(", ", server.ModelNames)} on http://{address}:{server.HttpPort}/v2");
            if (server.GrpcPort is int grpcPort)
            {
                await stdout.WriteLineAsync($"gRPC inference.GRPCInferenceService on {address}:{grpcPort}");
            }

            await stdout.FlushAsync();
            await stop.Task;
            await stderr.WriteLineAsync($"stopping: answering the requests in flight (up to {options.DrainTimeout.TotalSeconds:0.#} s)");
            await server.StopAsync();
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (EnsembleSession session in sessions.Values)
            {
                await session.DisposeAsync();
            }
        }
    }
}
