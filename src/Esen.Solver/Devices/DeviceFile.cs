using System.Text.Json;

namespace Esen.Solver.Devices;

/// <summary>
/// Reads user devices from an <c>esen-devices/1</c> JSON file (format in docs/cost-model.md). Every
/// field is checked; an unknown field, a missing one or a value out of range is an error naming the
/// file and the field.
/// </summary>
public static class DeviceFile
{
    /// <summary>The format tag of device files.</summary>
    public const string Format = "esen-devices/1";

    private const double GiB = 1024.0 * 1024 * 1024;
    private const double MiB = 1024.0 * 1024;

    private static readonly string[] s_gpuFields =
    [
        "kind", "name", "compute_capability", "sms", "fp32_tflops", "fp16_tflops", "int8_tops", "memory_gb",
        "bandwidth_gbps", "l2_mb", "tdp_w", "mps_clients", "green_min_sms", "green_sm_multiple",
        "sustained_clock_fraction", "bandwidth_saturation_fraction", "source",
    ];

    private static readonly string[] s_cpuFields =
        ["kind", "name", "cores", "gflops_per_core", "memory_gb", "bandwidth_gbps", "source"];

    /// <summary>Reads the devices of a file.</summary>
    /// <exception cref="DeviceFileException">Unreadable file, malformed JSON or an invalid field.</exception>
    public static IReadOnlyList<Device> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceFileException(path, "(file)", e.Message, e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses device-file text; <paramref name="file"/> only names the source in errors.</summary>
    /// <exception cref="DeviceFileException">Malformed JSON or an invalid field.</exception>
    public static IReadOnlyList<Device> Parse(string json, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new DeviceFileException(file, $"(json, line {e.LineNumber + 1})", e.Message, e);
        }

        using (document)
        {
            var reader = new FieldReader(file);
            JsonElement root = document.RootElement;
            reader.ExpectObject(root, "(root)", ["format", "devices"]);
            string format = reader.String(root, "format", "format");
            if (format != Format)
            {
                throw new DeviceFileException(file, "format", $"expected \"{Format}\", got \"{format}\"");
            }

            JsonElement list = reader.Required(root, "devices", "devices");
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw new DeviceFileException(file, "devices", "must be an array");
            }

            var devices = new List<Device>();
            int index = 0;
            foreach (JsonElement entry in list.EnumerateArray())
            {
                string at = $"devices[{index++}]";
                Device device = ReadDevice(reader, entry, at);
                if (devices.Any(d => DeviceCatalog.Normalize(d.Name) == DeviceCatalog.Normalize(device.Name)))
                {
                    throw new DeviceFileException(file, $"{at}.name", $"duplicate device name '{device.Name}'");
                }

                devices.Add(device);
            }

            return devices;
        }
    }

    private static Device ReadDevice(FieldReader reader, JsonElement entry, string at)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new DeviceFileException(reader.File, at, "must be an object");
        }

        string kind = reader.String(entry, "kind", $"{at}.kind");
        switch (kind)
        {
            case "gpu":
                reader.ExpectObject(entry, at, s_gpuFields);
                int sms = reader.Int(entry, "sms", at, 1, 1024);
                int greenMultiple = reader.OptionalInt(entry, "green_sm_multiple", at, 1, sms) ?? GpuDevice.SmsPerTpc;
                return new GpuDevice(
                    Name: reader.Name(entry, at),
                    ComputeCapability: reader.OptionalString(entry, "compute_capability", $"{at}.compute_capability") ?? "unknown",
                    Sms: sms,
                    Fp32Tflops: reader.Positive(entry, "fp32_tflops", at),
                    Fp16Tflops: reader.Positive(entry, "fp16_tflops", at),
                    Int8Tops: reader.OptionalPositive(entry, "int8_tops", at),
                    MemoryBytes: (long)(reader.Positive(entry, "memory_gb", at) * GiB),
                    BandwidthBytesPerSecond: reader.Positive(entry, "bandwidth_gbps", at) * 1e9,
                    L2Bytes: (long)(reader.Positive(entry, "l2_mb", at) * MiB),
                    TdpWatts: reader.Positive(entry, "tdp_w", at),
                    MpsClientLimit: reader.OptionalInt(entry, "mps_clients", at, 1, 1024) ?? 48,
                    GreenContextMinSms: reader.OptionalInt(entry, "green_min_sms", at, 1, sms) ?? GpuDevice.SmsPerTpc,
                    GreenContextSmMultiple: greenMultiple,
                    SustainedClockFraction: reader.OptionalFraction(entry, "sustained_clock_fraction", at) ?? 1.0,
                    Source: reader.OptionalString(entry, "source", $"{at}.source") ?? $"user device file {reader.File}",
                    BandwidthSaturationFraction: reader.OptionalFraction(entry, "bandwidth_saturation_fraction", at));
            case "cpu":
                reader.ExpectObject(entry, at, s_cpuFields);
                return new CpuDevice(
                    Name: reader.Name(entry, at),
                    Cores: reader.Int(entry, "cores", at, 1, 4096),
                    GflopsPerCore: reader.Positive(entry, "gflops_per_core", at),
                    MemoryBytes: (long)(reader.Positive(entry, "memory_gb", at) * GiB),
                    BandwidthBytesPerSecond: reader.Positive(entry, "bandwidth_gbps", at) * 1e9,
                    Source: reader.OptionalString(entry, "source", $"{at}.source") ?? $"user device file {reader.File}");
            default:
                throw new DeviceFileException(reader.File, $"{at}.kind", $"must be \"gpu\" or \"cpu\", got \"{kind}\"");
        }
    }

    /// <summary>Typed field access that reports the file and the JSON path on every failure.</summary>
    private sealed class FieldReader(string file)
    {
        public string File { get; } = file;

        public void ExpectObject(JsonElement element, string at, string[] allowed)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new DeviceFileException(File, at, "must be an object");
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (!allowed.Contains(property.Name))
                {
                    string path = at == "(root)" ? property.Name : $"{at}.{property.Name}";
                    throw new DeviceFileException(File, path, $"unknown field; allowed: {string.Join(", ", allowed)}");
                }
            }
        }

        public JsonElement Required(JsonElement element, string name, string path) =>
            element.TryGetProperty(name, out JsonElement value) ? value : throw new DeviceFileException(File, path, "missing");

        public string String(JsonElement element, string name, string path) =>
            OptionalString(element, name, path) ?? throw new DeviceFileException(File, path, "missing");

        public string? OptionalString(JsonElement element, string name, string path)
        {
            if (!element.TryGetProperty(name, out JsonElement value))
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new DeviceFileException(File, path, $"must be a string, got {value.ValueKind}");
        }

        public string Name(JsonElement element, string at)
        {
            string name = String(element, "name", $"{at}.name");
            return DeviceCatalog.Normalize(name).Length > 0
                ? name
                : throw new DeviceFileException(File, $"{at}.name", "must not be empty");
        }

        public double Positive(JsonElement element, string name, string at) =>
            OptionalPositive(element, name, at) ?? throw new DeviceFileException(File, $"{at}.{name}", "missing");

        public double? OptionalPositive(JsonElement element, string name, string at)
        {
            double? value = Number(element, name, at);
            return value is null or (> 0 and < 1e12)
                ? value
                : throw new DeviceFileException(File, $"{at}.{name}", $"must be a positive number, got {value}");
        }

        public double? OptionalFraction(JsonElement element, string name, string at)
        {
            double? value = Number(element, name, at);
            return value is null or (> 0 and <= 1)
                ? value
                : throw new DeviceFileException(File, $"{at}.{name}", $"must be in (0, 1], got {value}");
        }

        public int Int(JsonElement element, string name, string at, int min, int max) =>
            OptionalInt(element, name, at, min, max) ?? throw new DeviceFileException(File, $"{at}.{name}", "missing");

        public int? OptionalInt(JsonElement element, string name, string at, int min, int max)
        {
            double? value = Number(element, name, at);
            if (value is null)
            {
                return null;
            }

            return value == Math.Floor(value.Value) && value >= min && value <= max
                ? (int)value.Value
                : throw new DeviceFileException(File, $"{at}.{name}", $"must be an integer in [{min}, {max}], got {value}");
        }

        private double? Number(JsonElement element, string name, string at)
        {
            if (!element.TryGetProperty(name, out JsonElement value))
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) && double.IsFinite(number)
                ? number
                : throw new DeviceFileException(File, $"{at}.{name}", $"must be a number, got {value.ValueKind}");
        }
    }
}
