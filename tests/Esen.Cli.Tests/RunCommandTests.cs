using System.Globalization;
using System.Text.RegularExpressions;
using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Runtime.Combination;
using Esen.Runtime.Execution;
using Esen.Runtime.Specs;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Run_EnsembleSpec_WritesTheCombinationOfTheMembersRunOneByOne()
    {
        string spec = Write("ens.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "weighted", "device": "cpu",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": 2, "max_delay_ms": 1},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1},
                         {"name": "b", "architecture": "mobilenetv2", "seed": 2, "weight": 3}]}
            """);
        Tensor input = SeededImages(3, 32);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", input));
        string outputPath = Path.Combine(_folder, "out.pb");

        (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", inputPath, "--output", outputPath);

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains("Ran 3 inputs", stdout, StringComparison.Ordinal);
        Tensor output = OnnxModel.LoadTensor(outputPath).Tensor;
        EnsembleSpec parsed = EnsembleSpecReader.ReadFile(spec);
        Tensor[] alone = [.. Enumerable.Range(0, 2).Select(i => RunAlone(MemberGraphs.Load(parsed, i), input))];
        Tensor expected = Combiner.Combine(CombineRule.Weighted, alone, [1, 3]);
        Assert.Equal(expected.Shape, output.Shape);
        for (int j = 0; j < expected.Floats.Length; j++)
        {
            Assert.Equal(expected.Floats[j], output.Floats[j], 1e-4f);
        }
    }

    [Fact]
    public void Run_CascadeOnASimulatedGpu_ReportsExitRatiosAndVirtualTime()
    {
        string spec = Write("cascade.json", """
            {"format": "esen-ensemble/1", "kind": "cascade", "device": "sim:h100", "solver": "search",
             "exit": {"rule": "max_softmax", "threshold": 0.5},
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "small", "architecture": "mobilenetv2", "seed": 1},
                         {"name": "big", "architecture": "resnet18", "seed": 2}]}
            """);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", SeededImages(4, 32)));

        (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", inputPath);

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains("stage small: reached 4", stdout, StringComparison.Ordinal);
        Assert.Contains("simulated device time", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CascadeWhoseExitRatioDriftsFromThePlan_ReplansWithTheObservedRatioAndSaysSo()
    {
        // Threshold 0: every input leaves at the first stage (exit ratio 1); the plan assumed none would.
        string spec = Write("drift.json", """
            {"format": "esen-ensemble/1", "kind": "cascade", "device": "cpu", "solver": "search",
             "exit": {"rule": "max_softmax", "threshold": 0},
             "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": 4, "max_delay_ms": 1},
             "members": [{"name": "small", "architecture": "mobilenetv2", "seed": 1},
                         {"name": "big", "architecture": "mobilenetv2", "seed": 2}]}
            """);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", SeededImages(12, 32)));

        (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", inputPath, "--replan-min-inputs", "8");
        (int quietExit, string quiet, _) = CliRunner.Run("run", spec, "--input", inputPath, "--replan-drift", "0");

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains("stage small: reached 12, exited 12 (exit ratio 100.0 %)", stdout, StringComparison.Ordinal);
        Assert.Contains("re-planned (exit ratios drifted: small 100.0 % observed, 0.0 % planned)", stdout, StringComparison.Ordinal);
        Assert.Contains("re-planned (exit ratios drifted", stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, quietExit);
        Assert.DoesNotContain("re-planned", quiet, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PrecisionTf32_OverridesTheSpecAndPlansTheSimulatedGpuAtTheTensorCorePeak()
    {
        string spec = Write("sim.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "sim:h100", "solver": "equal",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]}, "batching": {"max_batch": 16},
             "members": [{"name": "a", "architecture": "resnet18", "seed": 1}]}
            """);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", SeededImages(1, 32)));

        (int fp32Exit, string fp32, string fp32Error) = CliRunner.Run("run", spec, "--input", inputPath);
        (int tf32Exit, string tf32, string tf32Error) = CliRunner.Run("run", spec, "--input", inputPath, "--precision", "tf32");

        Assert.True(fp32Exit == ExitCodes.Ok, fp32Error);
        Assert.True(tf32Exit == ExitCodes.Ok, tf32Error);
        Assert.True(PredictedMs(tf32) < PredictedMs(fp32), $"tf32: {tf32}\nfp32: {fp32}");
    }

    [Fact]
    public void Run_UnknownPrecision_IsRejectedNamingTheChoices()
    {
        (int exit, _, string stderr) = CliRunner.Run("run", "spec.json", "--input", "in.pb", "--precision", "fp16");

        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("fp16", stderr, StringComparison.Ordinal);
        Assert.Contains("tf32", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SpecFixingShares_RunsThemAndSaysTheyWereFixed()
    {
        string spec = Write("fixed.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "sim:h100",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1, "share": 35},
                         {"name": "b", "architecture": "mobilenetv2", "seed": 2, "share": 55}]}
            """);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", SeededImages(2, 32)));

        (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", inputPath);

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains("Plan fixed by the spec, not solved: a 35 %, b 55 %", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SharesOverfillingTheDevice_ExitsTwoWithOneLine()
    {
        string spec = Write("over.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2", "share": 60}, {"name": "b", "architecture": "mobilenetv2", "share": 60}]}
            """);

        (int exit, _, string stderr) = CliRunner.Run("run", spec, "--input", "in.pb");

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal($"esen run: {spec}: $.members[1].share: the members on cpu (a, b) are given 120 % (at most 100)", stderr.Trim());
    }

    [Fact]
    public void Run_InvalidSpec_ExitsTwoNamingFileAndPath()
    {
        string spec = Write("bad.json", """{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "median", "members": [{"name": "a", "architecture": "alexnet"}]}""");

        (int exit, _, string stderr) = CliRunner.Run("run", spec, "--input", "in.pb");

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains($"{spec}: $.combine: unknown rule 'median'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SpecWithoutInput_ExitsTwo()
    {
        string spec = Write("no-input.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2"}, {"name": "b", "architecture": "mobilenetv2"}]}
            """);

        (int exit, _, string stderr) = CliRunner.Run("run", spec);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Equal("esen run: SPEC needs --input IN.pb (a TensorProto whose first dimension is the batch)", stderr.Trim());
    }

    [Fact]
    public void Run_InvalidSpecWithoutInput_ReportsTheSpecFirst()
    {
        string spec = Write("bad-no-input.json", """{"format": "esen-ensemble/1", "kind": "ensemble", "combine": "median", "members": [{"name": "a", "architecture": "alexnet"}]}""");

        (int exit, _, string stderr) = CliRunner.Run("run", spec);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains($"{spec}: $.combine: unknown rule 'median'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("--input", stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Run_SpecOnAMissingGpu_PrintsOneLineNamingTheDeviceAndTheReason()
    {
        Skip.If(TestEnv.Probe.HasCudaDevice, "GPU: this machine has a CUDA device, so cuda:0 is available");
        string spec = Write("gpu.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cuda:0",
             "input": {"name": "input", "shape": ["N", 3, 32, 32]},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1}]}
            """);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", SeededImages(1, 32)));

        (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", inputPath);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("cuda:0", line, StringComparison.Ordinal);
        Assert.Contains(TestEnv.Probe.CudaReason!, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnknownMechanism_ExitsTwoNamingTheOption()
    {
        (int exit, _, string stderr) = CliRunner.Run("run", "spec.json", "--input", "in.pb", "--mechanism", "mig");

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--mechanism 'mig'", stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    [Trait("Category", "Gpu")]
    public void Run_SpecOnCuda0_PlansFromMeasurementsAndMatchesTheCpuExecutor()
    {
        Requires.CudaDevice();
        string spec = Write("gpu.json", """
            {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cuda:0",
             "input": {"name": "input", "shape": ["N", 3, 64, 64]}, "batching": {"max_batch": 4, "max_delay_ms": 2},
             "members": [{"name": "a", "architecture": "mobilenetv2", "seed": 1}, {"name": "b", "architecture": "resnet18", "seed": 2}]}
            """);
        string inputPath = Path.Combine(_folder, "in.pb");
        File.WriteAllBytes(inputPath, OnnxModel.SerializeTensor("input", SeededImages(8, 64)));
        string store = Path.Combine(_folder, "store");

        (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", inputPath, "--store", store);

        Assert.True(exit == ExitCodes.Ok, stdout + stderr);
        Assert.Contains("no partitions: measured", stdout, StringComparison.Ordinal);
        Assert.Contains("Check against the CPU executor", stdout, StringComparison.Ordinal);
        Assert.Contains("EQUAL", stdout, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(store, "*.json"));

        // The second run reads every curve from the store.
        (exit, stdout, stderr) = CliRunner.Run("run", spec, "--input", inputPath, "--store", store);
        Assert.True(exit == ExitCodes.Ok, stdout + stderr);
        Assert.DoesNotMatch(@"on \d+ SMs \([a-z-]+, \d+/\d+\)", stderr);
        Assert.Contains("stored", stdout, StringComparison.Ordinal);
    }

    // "Plan (equal, optimal) on sim:h100: a 100 %; predicted 0.27 ms per batch of 16".
    private static double PredictedMs(string stdout)
    {
        Match match = Regex.Match(stdout, @"predicted (\d+\.\d+) ms");
        Assert.True(match.Success, stdout);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private string Write(string name, string json)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static Tensor SeededImages(int count, int size)
    {
        var random = new Random(99);
        return Tensor.FromFloats(new TensorShape(count, 3, size, size), [.. Enumerable.Range(0, count * 3 * size * size).Select(_ => random.NextSingle())]);
    }

    private static Tensor RunAlone(LayerGraph graph, Tensor batch)
    {
        using var executor = new CpuExecutor(graph, new CpuExecutorOptions { Threads = 1 });
        return executor.Run(new Dictionary<string, Tensor> { [graph.Inputs[0].Name] = batch })[graph.Outputs[0].Name];
    }
}
