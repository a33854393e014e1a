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
    private readonly IReadOnlyCollection<ServedModel> _models;
    private readonly List<(EnsembleSession Session, EventHandler<SpansRecordedEventArgs> Observer)> _subscriptions = [];

    public ServingMetrics(IReadOnlyCollection<ServedModel> models)
    {
        _models = models;
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
        Gauge share = factory.CreateGauge("esen_partition_share_percent",
            "The share of its device each member's partition holds, in percent.", ["model", "member", "device"]);
        Gauge units = factory.CreateGauge("esen_partition_units",
            "Cores (CPU) or SMs (GPU, simulated GPU) each member's partition holds.", ["model", "member", "device", "unit"]);
        foreach (ServedModel model in models)
        {
            EnsembleSpec spec = model.Session.Spec;
            for (int i = 0; i < spec.Members.Count; i++)
            {
                PartitionGrant grant = model.Session.Grants[i];
                string device = grant.Device.ToString();
                share.WithLabels(model.Name, spec.Members[i].Name, device).Set(grant.SharePercent);
                units.WithLabels(model.Name, spec.Members[i].Name, device, grant.Device.Kind == DeviceKind.Cpu ? "cores" : "sms").Set(grant.Units);
            }
        }

        foreach (ServedModel model in models)
        {
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
        }
    }

    private void Observe(ServedModel model)
    {
        // The first member sees every row of a batch (a cascade's later stages see only those that did not exit).
        string first = model.Session.Spec.Members[0].Name;
        void Observer(object? sender, SpansRecordedEventArgs recorded)
        {
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
