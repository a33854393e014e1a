namespace Esen.Solver.Devices;

/// <summary>
/// The devices Esen knows by name: the built-in GPUs (gpu-facts §3), the local CPU (measured on first
/// use) and any devices a user adds from a JSON file (<see cref="DeviceFile"/>).
/// </summary>
public sealed class DeviceCatalog
{
    /// <summary>The name of the measured local CPU entry.</summary>
    public const string LocalCpuName = "cpu";

    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;

    // Source notes, one per row of gpu-facts.md §3 ("[recalled]" there = from NVIDIA datasheets, not re-read).
    private const string V100Source =
        "V100 SXM2 16 GB: 80 SMs, 15.7 FP32 / 125 FP16 TC TFLOPS, 900 GB/s, 6 MB L2, 300 W; peaks and bandwidth from cli99/llm-analysis gpu_configs (gpu-facts §3)";
    private const string T4Source =
        "T4: 40 SMs, 8.1 FP32 TFLOPS, 320 GB/s, 70 W from pcpartcomparison.com; 65 FP16 / 130 INT8 and 4 MB L2 recalled from the NVIDIA datasheet (gpu-facts §3)";
    private const string A10Source =
        "A10: 72 SMs, 24 GB GDDR6, 600 GB/s, 150 W; 31.2 FP32 / 125 FP16 / 250 INT8 and 6 MB L2 recalled from the NVIDIA datasheet (gpu-facts §3)";
    private const string L4Source =
        "L4: 58 SMs (7,424 cores / 128), 30.3 FP32 TFLOPS, 300 GB/s, 48 MB L2 from fpsbench.com; 121 FP16 (242 sparse), 72 W from the grokipedia L4 page (gpu-facts §3)";
    private const string A100Source =
        "A100 SXM4: 108 SMs, 19.5 FP32 / 312 FP16 / 624 INT8, 40 MB L2, 400 W; bandwidth 1555 (40 GB) / 2039 GB/s (80 GB) from cli99/llm-analysis gpu_configs (gpu-facts §3)";
    private const string H100SxmSource =
        "H100 SXM5: 132 SMs, 66.9 FP32 / 989.4 FP16 / 1979 INT8, 3350 GB/s, 50 MB L2, 700 W from glennklockwood.com/garden/processors/h100 and cli99/llm-analysis (gpu-facts §3)";
    private const string H100PcieSource =
        "H100 PCIe: 114 SMs, 756 FP16 / 1513 INT8, 2000 GB/s, 350 W from NVIDIA product brief PB-11133-001; 51 FP32 recalled from the datasheet (gpu-facts §3)";
    private const string H200Source =
        "H200 SXM: the H100 SXM die with 141 GB HBM3e at 4.8 TB/s (glennklockwood.com; diomgis.com HBM table) (gpu-facts §3)";

    // The 70 W T4 cannot hold its boost clock with the tensor cores busy: 0.55 is fitted once on
    // NVIDIA's TensorRT BERT-base seq128 FP16 T4 latencies (b1/b8/b32 = 1.95/9.09/36.63 ms,
    // NVIDIA/TensorRT demo/BERT/README.md); see docs/cost-model.md.
    private const double T4SustainedClockFraction = 0.55;

    // V100 partitions draw bandwidth in proportion to their SMs up to the whole GPU: fitted once on
    // iGniter's AlexNet b1 and ResNet-50 b1..b32 latencies at 10..100 % MPS threads (gpu-facts §2.1), where
    // weight-streaming FC layers at small shares need ~1/p scaling; see docs/cost-model.md.
    private const double V100BandwidthSaturation = 1.0;

    // MPS: 48 client contexts per device on Volta+ up to CUDA 13.0 (60 in the current doc at the default
    // CUDA_DEVICE_MAX_CONNECTIONS=2); the conservative figure is used (gpu-facts §1.2).
    private const int MpsClients = 48;

    private static readonly GpuDevice[] s_builtInGpus =
    [
        new("V100", "7.0", 80, 15.7, 125, null, 16 * GiB, 900e9, 6 * MiB, 300, MpsClients, 2, 2, 1.0, V100Source, V100BandwidthSaturation),
        new("T4", "7.5", 40, 8.1, 65, 130, 16 * GiB, 320e9, 4 * MiB, 70, MpsClients, 2, 2, T4SustainedClockFraction, T4Source),
        new("A10", "8.6", 72, 31.2, 125, 250, 24 * GiB, 600e9, 6 * MiB, 150, MpsClients, 4, 2, 1.0, A10Source),
        new("L4", "8.9", 58, 30.3, 121, 242, 24 * GiB, 300e9, 48 * MiB, 72, MpsClients, 4, 2, 1.0, L4Source),
        new("A100-40GB", "8.0", 108, 19.5, 312, 624, 40 * GiB, 1555e9, 40 * MiB, 400, MpsClients, 4, 2, 1.0, A100Source),
        new("A100-80GB", "8.0", 108, 19.5, 312, 624, 80 * GiB, 2039e9, 40 * MiB, 400, MpsClients, 4, 2, 1.0, A100Source),
        new("H100-SXM", "9.0", 132, 66.9, 989.4, 1979, 80 * GiB, 3350e9, 50 * MiB, 700, MpsClients, 8, 8, 1.0, H100SxmSource),
        new("H100-PCIe", "9.0", 114, 51, 756, 1513, 80 * GiB, 2000e9, 50 * MiB, 350, MpsClients, 8, 8, 1.0, H100PcieSource),
        new("H200", "9.0", 132, 66.9, 989.4, 1979, 141 * GiB, 4800e9, 50 * MiB, 700, MpsClients, 8, 8, 1.0, H200Source),
    ];

    private static readonly Lazy<CpuDevice> s_localCpu = new(() => LocalCpu.Measure(LocalCpuName));

    private readonly IReadOnlyList<Device> _userDevices;

    private DeviceCatalog(IReadOnlyList<Device> userDevices) => _userDevices = userDevices;

    /// <summary>The built-in catalogue (GPUs and the local CPU).</summary>
    public static DeviceCatalog BuiltIn { get; } = new([]);

    /// <summary>The built-in GPUs, in catalogue order.</summary>
    public static IReadOnlyList<GpuDevice> BuiltInGpus => s_builtInGpus;

    /// <summary>Devices added from files; they take precedence over built-ins of the same name.</summary>
    public IReadOnlyList<Device> UserDevices => _userDevices;

    /// <summary>A catalogue with the devices of <paramref name="path"/> added.</summary>
    /// <exception cref="DeviceFileException">The file is unreadable or invalid; the message names file and field.</exception>
    public DeviceCatalog WithFile(string path) => new([.. _userDevices, .. DeviceFile.Read(path)]);

    /// <summary>Every device name this catalogue resolves, without measuring the local CPU.</summary>
    public IEnumerable<string> Names =>
        _userDevices.Select(d => d.Name).Concat(s_builtInGpus.Select(g => g.Name)).Append(LocalCpuName).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>Finds a device by name; "cpu" is the local CPU, measured on first use.</summary>
    public bool TryFind(string name, out Device device)
    {
        string key = Normalize(name);
        Device? found = _userDevices.LastOrDefault(d => Normalize(d.Name) == key)
            ?? (Device?)s_builtInGpus.FirstOrDefault(g => Normalize(g.Name) == key)
            ?? (key == LocalCpuName ? s_localCpu.Value : null);
        device = found!;
        return found is not null;
    }

    /// <summary>Finds a device by name or throws with the list of known names.</summary>
    /// <exception cref="KeyNotFoundException">No device of that name.</exception>
    public Device Find(string name) =>
        TryFind(name, out Device device)
            ? device
            : throw new KeyNotFoundException($"unknown device '{name}'; known: {string.Join(", ", Names)}");

    /// <summary>Names compare case-insensitively and ignore '-', '_' and spaces ("h100 sxm" = "H100-SXM").</summary>
    internal static string Normalize(string name) =>
        new([.. name.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToLowerInvariant)]);
}
