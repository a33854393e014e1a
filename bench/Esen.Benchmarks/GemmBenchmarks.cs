using BenchmarkDotNet.Attributes;
using Esen.Kernels.Cpu.Kernels;

namespace Esen.Benchmarks;

/// <summary>
/// Row-major SGEMM, C = A·B (beta 0): square sizes, a batch-1 and a batch-8 fully connected layer (m×n×k =
/// 1×1000×512 and 8×4096×9216) and ResNet-50's conv2 3×3 as a GEMM (56·56 × 64 × 9·64).
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(256, 256, 256),
        new(512, 512, 512),
        new(1024, 1024, 1024),
        new(1, 1000, 512, "fc 1x1000x512"),
        new(8, 4096, 9216, "alexnet fc6 b8"),
        new(3136, 64, 576, "r50 conv2 as gemm"),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = new(256, 256, 256);

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = Enumerable.Range(0, Shape.M * Shape.K).Select(_ => random.NextSingle() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Shape.K * Shape.N).Select(_ => random.NextSingle() - 0.5f).ToArray();
        _c = new float[Shape.M * Shape.N];
    }

    [Benchmark]
    public void Gemm() =>
        CpuKernels.Gemm(false, false, Shape.M, Shape.N, Shape.K, 1f, _a, Shape.K, _b, Shape.N, 0f, _c, Shape.N, Threads);

    /// <summary>An m×k by k×n product.</summary>
    public sealed record GemmShape(int M, int N, int K, string? Name = null) : IFlopCount
    {
        public double Flops => 2.0 * M * N * K;

        public override string ToString() => Name ?? $"{M}x{N}x{K}";
    }
}
