using System.Text;
using System.Text.Json;
using Esen.Kernels.Cuda;
using Esen.Runtime.Profiling;
using Esen.Solver.Formats;

namespace Esen.Runtime.Benchmarking;

/// <summary>One member alone on all SMs at one batch.</summary>
/// <param name="Batch">Inputs per run.</param>
/// <param name="Member">The member's name.</param>
/// <param name="Alone">Its batch time: median and spread of the timed runs.</param>
/// <param name="MemoryBytes">Device memory it took.</param>
/// <param name="FirstRunMs">Its first run (plan, convolution measurements, PTX loading, weight upload, run), host wall clock; null when not taken.</param>
public sealed record BenchMember(int Batch, string Member, TimingSummary Alone, long MemoryBytes, double? FirstRunMs = null);

/// <summary>The ensemble under one mechanism and split at one batch.</summary>
/// <param name="Batch">The runtime's largest batch (and the batch of the batch-time measurement).</param>
/// <param name="Mechanism">How the members shared the GPU.</param>
/// <param name="Split">Which shares they got.</param>
/// <param name="SharesPercent">Each member's share, in spec order.</param>
/// <param name="GrantedSms">SMs each member's partition really got (all SMs without partitions).</param>
/// <param name="BatchMs">
/// Median time from launching every member's batch together to the last one finishing; for
/// <see cref="BenchMechanism.Sequential"/> the sum of the members' medians alone.
/// </param>
/// <param name="Load">The closed loop through the runtime; null for sequential, which is derived.</param>
public sealed record BenchRow(
    int Batch,
    BenchMechanism Mechanism,
    BenchSplit Split,
    IReadOnlyList<int> SharesPercent,
    IReadOnlyList<int> GrantedSms,
    double BatchMs,
    ClosedLoopResult? Load)
{
    /// <summary>Inputs per second: the closed loop's, or for sequential one batch per <see cref="BatchMs"/>.</summary>
    public double ThroughputPerSecond => Load?.ThroughputPerSecond ?? Batch * 1000 / BatchMs;
}

/// <summary>A mechanism, or one of its splits, that was not measured, and why.</summary>
/// <param name="Mechanism">The mechanism.</param>
/// <param name="Split">The split; null when the whole mechanism is unavailable.</param>
/// <param name="Batch">The batch; null when it holds for every batch.</param>
/// <param name="Reason">Why.</param>
public sealed record BenchOmission(BenchMechanism Mechanism, BenchSplit? Split, int? Batch, string Reason);

/// <summary>
/// What <c>esen bench</c> measured on one GPU: each member alone, and the ensemble under each mechanism
/// and split at each batch. <see cref="ToJson"/> writes it as <c>esen-bench/1</c> (docs/gpu-performance.md).
/// </summary>
/// <param name="Gpu">The GPU.</param>
/// <param name="Ensemble">The spec's name.</param>
/// <param name="Members">The members' names, in spec order (the order of every share list).</param>
/// <param name="Precision">The math of the members' convolutions and GEMMs.</param>
/// <param name="Executor">The CUDA executor's settings the members ran with (the spec's <c>cuda</c> object and the command's overrides).</param>
/// <param name="Batches">The batches, in the order measured.</param>
/// <param name="Alone">Each member alone at each batch.</param>
/// <param name="Rows">The ensemble's rows, by batch, then mechanism, then split.</param>
/// <param name="NotMeasured">What was left out, and why.</param>
public sealed record BenchReport(
    GpuIdentity Gpu,
    string Ensemble,
    IReadOnlyList<string> Members,
    GpuPrecision Precision,
    CudaExecutorOptions Executor,
    IReadOnlyList<int> Batches,
    IReadOnlyList<BenchMember> Alone,
    IReadOnlyList<BenchRow> Rows,
    IReadOnlyList<BenchOmission> NotMeasured)
{
    /// <summary>The format tag of bench reports.</summary>
    public const string Format = "esen-bench/1";

    /// <summary>The row with the highest throughput at <paramref name="batch"/>; null when none was measured.</summary>
    public BenchRow? Best(int batch) => Rows.Where(r => r.Batch == batch).MaxBy(r => r.ThroughputPerSecond);

    /// <summary>The report as indented <c>esen-bench/1</c> JSON; times in milliseconds.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteStartObject("gpu");
            json.WriteNumber("ordinal", Gpu.Ordinal);
            json.WriteString("name", Gpu.Name);
            json.WriteNumber("sms", Gpu.Sms);
            json.WriteNumber("compute_major", Gpu.ComputeMajor);
            json.WriteNumber("driver_version", Gpu.DriverVersion);
            json.WriteNumber("memory_bytes", Gpu.MemoryBytes);
            json.WriteEndObject();
            json.WriteString("ensemble", Ensemble);
            WriteArray(json, "members", Members, json.WriteStringValue);
            json.WriteString("precision", Precision.ToName());
            json.WriteStartObject("cuda");
            json.WriteBoolean("cudnn", Executor.UseCudnn);
            json.WriteBoolean("measure_convolutions", Executor.MeasureConvolutions);
            json.WriteBoolean("cuda_graphs", Executor.UseCudaGraphs);
            json.WriteBoolean("rewrites", Executor.Optimize);
            json.WriteNumber("convolution_workspace_mib", Executor.ConvolutionWorkspaceLimitBytes >> 20);
            json.WriteEndObject();
            WriteArray(json, "batches", Batches, json.WriteNumberValue);
            json.WriteStartArray("alone");
            foreach (BenchMember member in Alone)
            {
                json.WriteStartObject();
                json.WriteNumber("batch", member.Batch);
                json.WriteString("member", member.Member);
                json.WriteNumber("median_ms", member.Alone.MedianMs);
                json.WriteNumber("p10_ms", member.Alone.P10Ms);
                json.WriteNumber("p90_ms", member.Alone.P90Ms);
                json.WriteNumber("runs", member.Alone.Runs);
                json.WriteNumber("memory_bytes", member.MemoryBytes);
                if (member.FirstRunMs is { } firstRun)
                {
                    json.WriteNumber("first_run_ms", firstRun);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("rows");
            foreach (BenchRow row in Rows)
            {
                json.WriteStartObject();
                json.WriteNumber("batch", row.Batch);
                json.WriteString("mechanism", row.Mechanism.Name);
                json.WriteString("split", row.Split.ToName());
                WriteArray(json, "shares", row.SharesPercent, json.WriteNumberValue);
                WriteArray(json, "granted_sms", row.GrantedSms, json.WriteNumberValue);
                json.WriteNumber("throughput_per_s", row.ThroughputPerSecond);
                WriteNumberOrNull(json, "p50_ms", row.Load?.P50Ms);
                WriteNumberOrNull(json, "p99_ms", row.Load?.P99Ms);
                json.WriteNumber("batch_ms", row.BatchMs);
                WriteNumberOrNull(json, "clients", row.Load?.Clients);
                WriteNumberOrNull(json, "requests", row.Load?.Requests);
                json.WriteBoolean("best", ReferenceEquals(row, Best(row.Batch)));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("not_measured");
            foreach (BenchOmission omission in NotMeasured)
            {
                json.WriteStartObject();
                json.WriteString("mechanism", omission.Mechanism.Name);
                if (omission.Split is BenchSplit split)
                {
                    json.WriteString("split", split.ToName());
                }
                else
                {
                    json.WriteNull("split");
                }

                WriteNumberOrNull(json, "batch", omission.Batch);
                json.WriteString("reason", omission.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteArray<T>(Utf8JsonWriter json, string name, IEnumerable<T> values, Action<T> write)
    {
        json.WriteStartArray(name);
        foreach (T value in values)
        {
            write(value);
        }

        json.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
