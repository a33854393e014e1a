using Esen.Solver.Devices;

namespace Esen.Solver.CostModel;

/// <summary>
/// One published latency the cost model is validated against: a model at a batch, precision and
/// share of one GPU, and the measured time.
/// </summary>
/// <param name="Model">Built-in architecture name.</param>
/// <param name="SequenceLength">Tokens per sequence for BERT; 0 for CNNs.</param>
/// <param name="Device">Catalogue device name.</param>
/// <param name="Precision">Arithmetic of the measured engine.</param>
/// <param name="Batch">Inputs per inference.</param>
/// <param name="SharePercent">MPS active-thread percentage (100 = the whole GPU).</param>
/// <param name="MeasuredMs">Published latency.</param>
/// <param name="Source">Where it was published.</param>
public sealed record PublishedMeasurement(
    string Model, int SequenceLength, string Device, Precision Precision, int Batch, int SharePercent, double MeasuredMs, string Source)
{
    private const string IgniterSource =
        "iGniter (Xu et al., IEEE TPDS 2023) trtexec data, icloud-ecnu/igniter i-Gniter/Profile/data at 9901e6b; TensorRT 8.0 FP32, V100-16GB (gpu-facts §2.1)";

    private const string TensorRtBertSource =
        "NVIDIA/TensorRT demo/BERT/README.md, TensorRT BERT-base inference latencies (gpu-facts §4.2)";

    private static readonly int[] s_igniterShares = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    private static readonly int[] s_bertBatches = [1, 8, 32];

    /// <summary>
    /// Every measurement of gpu-facts §2.1 and §4.2 that the cost model can reproduce: pure GPU time
    /// (TensorRT) of a built-in architecture on a catalogue GPU. Left out: the A30 rows (not in the
    /// catalogue), Triton end-to-end times (client and serialisation included), PyTorch eager times
    /// (host-bound), MLPerf throughputs (multi-stream INT8 with per-submission tuning), and the §4.2
    /// ResNet-50 V100 rows, which are the 100 % points of §2.1.
    /// </summary>
    public static IReadOnlyList<PublishedMeasurement> All { get; } =
    [
        .. Igniter("resnet50", 1, [7.69, 4.20, 3.61, 2.90, 2.85, 2.85, 2.64, 2.42, 2.40, 2.39]),
        .. Igniter("resnet50", 4, [24.66, 12.93, 9.66, 6.96, 6.16, 5.73, 4.84, 4.15, 3.93, 3.77]),
        .. Igniter("resnet50", 8, [47.62, 24.63, 17.44, 13.10, 11.14, 9.78, 8.51, 7.19, 6.68, 6.42]),
        .. Igniter("resnet50", 16, [92.01, 47.25, 32.38, 24.66, 20.11, 17.50, 14.82, 13.42, 12.32, 11.71]),
        .. Igniter("resnet50", 32, [180.67, 92.06, 62.72, 47.48, 38.44, 32.77, 28.48, 25.40, 22.97, 21.25]),
        .. Igniter("alexnet", 1, [3.60, 1.98, 1.47, 1.29, 0.94, 0.91, 0.80, 0.80, 0.80, 0.70]),
        .. Bert(128, "A100-40GB", Precision.Fp16, [0.67, 1.38, 4.10]),
        .. Bert(128, "A100-40GB", Precision.Int8, [0.58, 0.95, 2.27]),
        .. Bert(384, "A100-40GB", Precision.Fp16, [1.31, 3.62, 13.51]),
        .. Bert(128, "T4", Precision.Fp16, [1.95, 9.09, 36.63]),
    ];

    /// <summary>A short label: "resnet50 b8 fp32 V100 @40%".</summary>
    public string Label =>
        $"{Model}{(SequenceLength > 0 ? $"-s{SequenceLength}" : "")} b{Batch} {Precision.ToName()} {Device} @{SharePercent}%";

    private static IEnumerable<PublishedMeasurement> Igniter(string model, int batch, double[] ms) =>
        s_igniterShares.Select((share, i) => new PublishedMeasurement(model, 0, "V100", Precision.Fp32, batch, share, ms[i], IgniterSource));

    private static IEnumerable<PublishedMeasurement> Bert(int sequence, string device, Precision precision, double[] ms) =>
        s_bertBatches.Select((batch, i) => new PublishedMeasurement("bert-base", sequence, device, precision, batch, 100, ms[i], TensorRtBertSource));
}
