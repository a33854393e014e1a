using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;

namespace Esen.Kernels.Zoo;

/// <summary>
/// Built-in architectures defined in code with seeded random weights, for planning and benchmarking
/// without downloads. Layer shapes follow the torchvision definitions (and Google's BERT-base), so
/// their MAC counts match the published figures (the tests cite each one). Weights are generated only
/// when a graph is executed: building and costing a graph allocates no weight data.
/// </summary>
public static partial class ModelZoo
{
    /// <summary>The default image side for the CNNs.</summary>
    public const int ImageSize = 224;

    /// <summary>The default BERT sequence length.</summary>
    public const int DefaultSequenceLength = 128;

    private const string ImageInput = "input";

    private static readonly Dictionary<string, Func<ZooOptions, LayerGraph>> s_builders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["alexnet"] = o => AlexNet(o.Seed),
        ["vgg16"] = o => Vgg16(o.Seed),
        ["vgg19"] = o => Vgg19(o.Seed),
        ["resnet18"] = o => ResNet18(o.Seed),
        ["resnet50"] = o => ResNet50(o.Seed),
        ["densenet121"] = o => DenseNet121(o.Seed),
        ["mobilenetv2"] = o => MobileNetV2(o.Seed),
        ["bert-base"] = o => BertBase(o.SequenceLength, o.Seed),
    };

    /// <summary>The architecture names <see cref="Build"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_builders.Keys];

    /// <summary>True if <paramref name="name"/> is a built-in architecture.</summary>
    public static bool Contains(string name) => s_builders.ContainsKey(name);

    /// <summary>Builds a built-in architecture by name (case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">Unknown name; the message lists the known ones.</exception>
    public static LayerGraph Build(string name, ZooOptions? options = null) =>
        s_builders.TryGetValue(name, out Func<ZooOptions, LayerGraph>? build)
            ? build(options ?? new ZooOptions())
            : throw new KeyNotFoundException($"unknown architecture '{name}'; built-in: {string.Join(", ", Names)}");

    /// <summary>A built-in architecture by name, otherwise the ONNX file at that path.</summary>
    /// <exception cref="KeyNotFoundException">Neither a built-in architecture nor an existing file.</exception>
    /// <exception cref="GraphException">The file is not a valid model.</exception>
    public static LayerGraph BuildOrLoad(string model) =>
        Contains(model) ? Build(model)
            : File.Exists(model) ? OnnxModel.Load(model)
            : throw new KeyNotFoundException($"'{model}' is neither a built-in architecture ({string.Join(", ", Names)}) nor an existing ONNX file");

    private static GraphBuilder ImageClassifier(string name, int seed, out string input)
    {
        var builder = new GraphBuilder(name, seed);
        input = builder.Input(ImageInput, TensorShape.Dynamic, 3, ImageSize, ImageSize);
        return builder;
    }

    /// <summary>Conv → BatchNorm → optional ReLU, the unit of ResNet and DenseNet (no conv bias).</summary>
    private static string ConvBn(GraphBuilder b, string x, int channels, int kernel, int stride, int pad, bool relu = true, int groups = 1)
    {
        string y = b.BatchNorm(b.Conv(x, channels, kernel, stride, pad, groups: groups, bias: false));
        return relu ? b.Relu(y) : y;
    }
}

/// <summary>Options of a built-in architecture.</summary>
/// <param name="Seed">Seed of the random weights.</param>
/// <param name="SequenceLength">Tokens per sequence (BERT only).</param>
public sealed record ZooOptions(int Seed = 1, int SequenceLength = ModelZoo.DefaultSequenceLength);
