using System.Security.Cryptography;
using System.Text.Json;

namespace Esen.Solver.Profiles;

/// <summary>
/// What a measured latency profile depends on: the GPU, its driver, the partitioning mechanism, the
/// arithmetic, the batch and the exact model. A profile is reused only for an equal key, so a new
/// driver, another GPU or an edited model file is measured afresh.
/// </summary>
public sealed record MeasuredProfileKey
{
    /// <summary>Creates a key; every text must be non-blank and every count positive.</summary>
    /// <param name="gpu">The device name as CUDA reports it ("NVIDIA H200").</param>
    /// <param name="sms">The SMs of the whole device.</param>
    /// <param name="driverVersion">The driver's CUDA version as CUDA reports it (13000 for 13.0).</param>
    /// <param name="mechanism">How partitions were made: "green", "mps-affinity" or "none".</param>
    /// <param name="precision">The arithmetic: "fp32" or "tf32".</param>
    /// <param name="batch">Inputs per run.</param>
    /// <param name="model">The model's identity (see <see cref="ModelIdentity"/>).</param>
    public MeasuredProfileKey(string gpu, int sms, int driverVersion, string mechanism, string precision, int batch, string model)
    {
        Gpu = NonBlank(gpu, "GPU name");
        Sms = Positive(sms, "SM count");
        DriverVersion = Positive(driverVersion, "driver version");
        Mechanism = NonBlank(mechanism, "mechanism");
        Precision = NonBlank(precision, "precision");
        Batch = Positive(batch, "batch");
        Model = NonBlank(model, "model identity");
    }

    /// <summary>The device name as CUDA reports it.</summary>
    public string Gpu { get; }

    /// <summary>The SMs of the whole device.</summary>
    public int Sms { get; }

    /// <summary>The driver's CUDA version as CUDA reports it (13000 for 13.0).</summary>
    public int DriverVersion { get; }

    /// <summary>The partitioning mechanism ("green", "mps-affinity", "none").</summary>
    public string Mechanism { get; }

    /// <summary>The arithmetic ("fp32", "tf32").</summary>
    public string Precision { get; }

    /// <summary>Inputs per run.</summary>
    public int Batch { get; }

    /// <summary>The model's identity (see <see cref="ModelIdentity"/>).</summary>
    public string Model { get; }

    /// <summary>The key on one line, for messages.</summary>
    public override string ToString() =>
        $"{Gpu} ({Sms} SMs, driver {DriverVersion}), {Mechanism}, {Precision}, batch {Batch}, {Model}";

    /// <summary>
    /// The store's file name for this key: a hash of the key's canonical JSON (fixed field order,
    /// compact), so any text in a name, a ';' included, is safe and distinct keys get distinct names.
    /// </summary>
    internal string EntryFileName()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteTo(json);
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()), 0, 16) + ".json";
    }

    /// <summary>Writes the key as one JSON object, the form stored inside each entry.</summary>
    internal void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("gpu", Gpu);
        json.WriteNumber("sms", Sms);
        json.WriteNumber("driver_version", DriverVersion);
        json.WriteString("mechanism", Mechanism);
        json.WriteString("precision", Precision);
        json.WriteNumber("batch", Batch);
        json.WriteString("model", Model);
        json.WriteEndObject();
    }

    private static string NonBlank(string value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"the {what} is empty") : value;

    private static int Positive(int value, string what) =>
        value > 0 ? value : throw new ArgumentException($"the {what} must be positive, got {value}");
}
