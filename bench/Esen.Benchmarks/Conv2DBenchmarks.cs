using BenchmarkDotNet.Attributes;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Ops;

namespace Esen.Benchmarks;

/// <summary>
/// Conv2D with bias and fused ReLU on layer shapes from SqueezeNet 1.1 (sqz), ResNet-50 (r50) and MobileNetV2
/// (mbv2), batch 1. Names stay within BenchmarkDotNet's 20-character parameter column.
/// </summary>
[Config(typeof(KernelBenchmarkConfig))]
public class Conv2DBenchmarks
{
    private float[] _input = [], _weights = [], _bias = [], _output = [];

    public static IEnumerable<ConvLayer> Layers() =>
    [
        new("sqz conv1 3x3/2", new Conv2DShape(1, 3, 224, 224, 64, 3, 3, StrideH: 2, StrideW: 2)),
        new("sqz fire2 squeeze", new Conv2DShape(1, 64, 55, 55, 16, 1, 1)),
        new("sqz fire2 e1x1", new Conv2DShape(1, 16, 55, 55, 64, 1, 1)),
        new("sqz fire2 e3x3", new Conv2DShape(1, 16, 55, 55, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1)),
        new("sqz fire9 e3x3", new Conv2DShape(1, 64, 13, 13, 256, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1)),
        new("sqz conv10 1x1", new Conv2DShape(1, 512, 13, 13, 1000, 1, 1)),
        new("r50 conv1 7x7/2", new Conv2DShape(1, 3, 224, 224, 64, 7, 7, StrideH: 2, StrideW: 2, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3)),
        new("r50 conv2 3x3", new Conv2DShape(1, 64, 56, 56, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1)),
        new("r50 conv4 1x1", new Conv2DShape(1, 1024, 14, 14, 256, 1, 1)),
        new("mbv2 dw3x3 144@56", new Conv2DShape(1, 144, 56, 56, 144, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: 144)),
    ];

    [ParamsSource(nameof(Layers))]
    public ConvLayer Layer { get; set; } = new("none", new Conv2DShape(1, 1, 1, 1, 1, 1, 1));

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        Conv2DShape s = Layer.Shape;
        _input = Enumerable.Range(0, (int)s.InputLength).Select(_ => random.NextSingle()).ToArray();
        _weights = Enumerable.Range(0, (int)s.WeightLength).Select(_ => random.NextSingle() - 0.5f).ToArray();
        _bias = Enumerable.Range(0, s.OutChannels).Select(_ => random.NextSingle() - 0.5f).ToArray();
        _output = new float[s.OutputLength];
    }

    [Benchmark]
    public void Conv2D() =>
        CpuKernels.Conv2D(Layer.Shape, _input, _weights, _bias, _output, new FusedActivation(ActivationKind.Relu), Threads);

    /// <summary>A named layer; FLOPs = 2 · output elements · (input channels per group · kh · kw).</summary>
    public sealed record ConvLayer(string Name, Conv2DShape Shape) : IFlopCount
    {
        public double Flops => 2.0 * Shape.OutputLength * Shape.InChannelsPerGroup * Shape.KernelHeight * Shape.KernelWidth;

        public override string ToString() => Name;
    }
}
