using System.Diagnostics;
using Esen.Runtime;
using Esen.Runtime.Execution;
using Esen.Runtime.Specs;
using Esen.Runtime.Timing;
using Prometheus;

namespace Esen.Serving.Metrics;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (two servers in one process keep apart).
/// Requests are counted as they are answered and member spans as each session records them; queue
/// depth and batch counts are read from the served sessions when a scrape asks for them.
/// </summary>
internal sealed class ServingMetrics : IDisposable
{
    /// <summary>The protocol label of the REST binding.</summary>
    public const string Rest = "rest";

    /// <summary>The protocol label of the gRPC binding.</summary>
    public const string Grpc = "grpc";

    private readonly Counter _requests;
    private readonly Histogram _requestSeconds;
    private readonly Gauge _queued;
    private readonly Counter _batches;
    private readonly Counter _rows;
    private readonly Histogram _batchRows;
    private readonly Histogram _memberSeconds;
    private readonly Gauge _share;
    private readonly Gauge _units;
    private readonly Counter _reallocations;
    private readonly Histogram _pauseSeconds;
    private readonly Dictionary<string, HashSet<string[]>> _partitionLabels;
    private readonly Dictionary<string, int> _reallocationsSeen;
    private readonly Lock _scrapeGate = new();
    private readonly IReadOnlyCollection<ServedModel> _models;
    private readonly List<(EnsembleSession Session, EventHandler<SpansRecordedEventArgs> Observer)> _subscriptions = [];

    public ServingMetrics(IReadOnlyCollection<ServedModel> models)
    {
        _models = models;
        _partitionLabels = models.ToDictionary(m => m.Name, _ => new HashSet<string[]>(StringArrayComparer.Instance), StringComparer.Ordinal);
        _reallocationsSeen = models.ToDictionary(m => m.Name, _ => 0, StringComparer.Ordinal);
        Registry = Prometheus.Metrics.NewCustomRegistry();
        MetricFactory factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter("esen_inference_requests_total",
            "Inference requests answered, by model, protocol and status (HTTP status code for rest, gRPC status name for grpc); model is empty for an unknown one.",
            ["model", "protocol", "status"]);
        _requestSeconds = factory.CreateHistogram("esen_inference_request_duration_seconds",
            "Time from a served model's inference request arriving to its answer, by model and protocol.",
            new HistogramConfiguration { LabelNames = ["model", "protocol"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        _queued = factory.CreateGauge("esen_model_queued_requests",
            "Inference requests admitted to a model and not answered yet (queued or running).", ["model"]);
        _batches = factory.CreateCounter("esen_batches_total", "Batches the model's runtime formed.", ["model"]);
        _rows = factory.CreateCounter("esen_batch_rows_total", "Input rows in those batches.", ["model"]);
        _batchRows = factory.CreateHistogram("esen_batch_size",
            "Rows per batch, by model.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(1, 2, 10) });
        _memberSeconds = factory.CreateHistogram("esen_member_batch_duration_seconds",
            "Time one member took for one batch, by model and member (simulated devices report predicted spans).",
            new HistogramConfiguration { LabelNames = ["model", "member"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });
        _share = factory.CreateGauge("esen_partition_share_percent",
            "The share of its device each member's partition holds, in percent.", ["model", "member", "device"]);
        _units = factory.CreateGauge("esen_partition_units",
            "Cores (CPU) or SMs (GPU, simulated GPU) each member's partition holds.", ["model", "member", "device", "unit"]);
        _reallocations = factory.CreateCounter("esen_reallocations_total",
            "Times the model's members moved to new partitions while serving (a re-plan: model repository load, SIGHUP, exit-ratio drift).", ["model"]);
        _pauseSeconds = factory.CreateHistogram("esen_reallocation_pause_seconds",
            "Time no batch could be dispatched during a reallocation: the batches on the old partitions finishing.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });
        foreach (ServedModel model in models)
        {
            ObservePartitions(model, model.Session.Statistics);
            Observe(model);
        }

        Registry.AddBeforeCollectCallback(Refresh);
    }

    /// <summary>The registry /metrics exposes.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Counts one answered inference request.</summary>
    /// <param name="model">The served model's name, or null when the request named none served.</param>
    /// <param name="status">The answer's status as the protocol spells it ("200", "RESOURCE_EXHAUSTED").</param>
    /// <param name="startTimestamp">When it arrived (<see cref="Stopwatch.GetTimestamp"/>).</param>
    public void Answered(string? model, string protocol, string status, long startTimestamp)
    {
        _requests.WithLabels(model ?? "", protocol, status).Inc();
        if (model is not null)
        {
            _requestSeconds.WithLabels(model, protocol).Observe(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
        }
    }

    /// <summary>Stops observing the sessions, which may outlive the server.</summary>
    public void Dispose()
    {
        foreach ((EnsembleSession session, EventHandler<SpansRecordedEventArgs> observer) in _subscriptions)
        {
            session.SpansRecorded -= observer;
        }

        _subscriptions.Clear();
    }

    private void Refresh()
    {
        foreach (ServedModel model in _models)
        {
            _queued.WithLabels(model.Name).Set(model.InFlight);
            Runtime.RuntimeStatistics statistics = model.Session.Statistics;
            _batches.WithLabels(model.Name).IncTo(statistics.Batches);
            _rows.WithLabels(model.Name).IncTo(statistics.Rows);
            ObservePartitions(model, statistics);
        }
    }

    // A re-plan may move, add or remove members: the gauges follow, and a removed member's series go.
    private void ObservePartitions(ServedModel model, Runtime.RuntimeStatistics statistics)
    {
        // Scrapes may overlap; each reallocation's pause must be observed once.
        lock (_scrapeGate)
        {
            EnsembleSpec spec = model.Session.Spec;
            IReadOnlyList<PartitionGrant> grants = model.Session.Grants;
            HashSet<string[]> labels = _partitionLabels[model.Name];
            var now = new HashSet<string[]>(StringArrayComparer.Instance);
            for (int i = 0; i < spec.Members.Count && i < grants.Count; i++)
            {
                PartitionGrant grant = grants[i];
                string device = grant.Device.ToString();
                string[] shareLabels = [model.Name, spec.Members[i].Name, device];
                string[] unitLabels = [model.Name, spec.Members[i].Name, device, grant.Device.Kind == DeviceKind.Cpu ? "cores" : "sms"];
                _share.WithLabels(shareLabels).Set(grant.SharePercent);
                _units.WithLabels(unitLabels).Set(grant.Units);
                now.Add(shareLabels);
                now.Add(unitLabels);
            }

            foreach (string[] gone in labels.Where(l => !now.Contains(l)))
            {
                (gone.Length == 3 ? _share : _units).RemoveLabelled(gone);
            }

            labels.Clear();
            labels.UnionWith(now);
            IReadOnlyList<Runtime.Reallocation> reallocations = statistics.Reallocations;
            for (int r = _reallocationsSeen[model.Name]; r < reallocations.Count; r++)
            {
                _pauseSeconds.WithLabels(model.Name).Observe(reallocations[r].Pause.TotalSeconds);
            }

            _reallocationsSeen[model.Name] = reallocations.Count;
            _reallocations.WithLabels(model.Name).IncTo(reallocations.Count);
        }
    }

    private void Observe(ServedModel model)
    {
        void Observer(object? sender, SpansRecordedEventArgs recorded)
        {
            // The first member sees every row of a batch (a cascade's later stages see only those that did not
            // exit); read per batch, since a re-plan may remove it.
            string first = model.Session.Spec.Members[0].Name;
            foreach (TimelineEntry span in recorded.Spans)
            {
                _memberSeconds.WithLabels(model.Name, span.Member).Observe(span.FinishSeconds - span.StartSeconds);
                if (span.Member == first)
                {
                    _batchRows.WithLabels(model.Name).Observe(span.Rows);
                }
            }
        }

        model.Session.SpansRecorded += Observer;
        _subscriptions.Add((model.Session, Observer));
    }
}

/// <summary>Label sets compared by their values.</summary>
internal sealed class StringArrayComparer : IEqualityComparer<string[]>
{
    public static StringArrayComparer Instance { get; } = new();

    public bool Equals(string[]? x, string[]? y) => x is null ? y is null : y is not null && x.SequenceEqual(y, StringComparer.Ordinal);

    public int GetHashCode(string[] obj) => obj.Aggregate(0, (hash, label) => HashCode.Combine(hash, StringComparer.Ordinal.GetHashCode(label)));
}
