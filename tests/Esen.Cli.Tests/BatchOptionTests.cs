using System.Globalization;
using Esen.Kernels.Cpu;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.TestUtilities;

namespace Esen.Cli.Tests;

/// <summary>
/// <c>--batch N</c> on models whose ONNX file fixes the batch at 1: SqueezeNet takes any batch,
/// MNIST hard-codes it in a Reshape and is refused with one line and exit code 2.
/// </summary>
public class BatchOptionTests
{
    [SkippableFact]
    public void Inspect_SqueezeNetAtBatch8_TableIsForThatBatch()
    {
        string model = SharedModel("squeezenet1.1-fp32");
        (int exit1, string batch1, string error1) = CliRunner.Run("inspect", model);
        (int exit8, string batch8, string error8) = CliRunner.Run("inspect", model, "--batch", "8");
        Assert.True(exit1 == ExitCodes.Ok, error1);
        Assert.True(exit8 == ExitCodes.Ok, error8);

        // The first convolution (64 filters, 3×3, stride 2 on 224×224) and the classifier output, per sample × 8.
        Assert.Contains("[1,64,111,111]", batch1, StringComparison.Ordinal);
        Assert.Contains("[8,64,111,111]", batch8, StringComparison.Ordinal);
        Assert.Contains("[8,1000,1,1]", batch8, StringComparison.Ordinal);
        Assert.Equal(8 * TotalMacs(batch1), TotalMacs(batch8));
    }

    [SkippableFact]
    public void Inspect_MnistAtBatch8_OneLineNamingTheReshape()
    {
        (int exit, string output, string error) = CliRunner.Run("inspect", SharedModel("mnist-cntk"), "--batch", "8");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Empty(output);
        Assert.StartsWith("esen inspect: Reshape node '", error, StringComparison.Ordinal);
        Assert.Contains("= [1,256]", error, StringComparison.Ordinal);
        Assert.Contains("batch 8", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [SkippableTheory]
    [InlineData("0")]
    [InlineData("-3")]
    public void Inspect_BatchBelowOne_OneLineExit2(string batch)
    {
        (int exit, string output, string error) = CliRunner.Run("inspect", SharedModel("squeezenet1.1-fp32"), "--batch", batch);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Empty(output);
        Assert.Equal("esen inspect: --batch must be at least 1", error.TrimEnd());
    }

    [SkippableFact]
    public void Profile_SqueezeNetFileAtBatch8_NamesTheMemberAtThatBatch()
    {
        (int exit, string output, string error) = CliRunner.Run("profile", SharedModel("squeezenet1.1-fp32"), "--device", "V100", "--batch", "8", "--shares", "100");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("model-b8-fp32 ms", output, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("mnist-cntk", "8", "Reshape node '")]
    [InlineData("squeezenet1.1-fp32", "0", "--batch must be in 1..65536")]
    public void Profile_BatchTheModelCannotTake_OneLineExit2(string folder, string batch, string reason)
    {
        (int exit, _, string error) = CliRunner.Run("profile", SharedModel(folder), "--device", "cpu", "--batch", batch, "--shares", "100");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith("esen profile: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [SkippableFact]
    public void Run_EnsembleOfAFileThatFixesBatch1_BatchesRequestsAndMatchesOneByOneRuns()
    {
        string model = SharedModel("squeezenet1.1-fp32");
        string folder = Directory.CreateTempSubdirectory("esen-batch-").FullName;
        try
        {
            string spec = Path.Combine(folder, "spec.json");
            File.WriteAllText(spec, $$"""
                {"format": "esen-ensemble/1", "kind": "ensemble", "combine": "mean", "device": "cpu",
                 "batching": {"max_batch": 3, "max_delay_ms": 2000},
                 "members": [{"name": "a", "model": "{{model}}"}, {"name": "b", "model": "{{model}}"}]}
                """);
            Tensor images = Tensor.FromFloats(new TensorShape(3, 3, 224, 224), Tensor.SeededRandom(new TensorShape(3, 3, 224, 224), 5, 1f).Floats);
            string input = Path.Combine(folder, "in.pb"), output = Path.Combine(folder, "out.pb");
            File.WriteAllBytes(input, OnnxModel.SerializeTensor("data_0", images));

            (int exit, string stdout, string stderr) = CliRunner.Run("run", spec, "--input", input, "--output", output);

            Assert.True(exit == ExitCodes.Ok, stderr);
            Assert.Contains("Ran 3 inputs in 1 batches", stdout, StringComparison.Ordinal);
            Tensor combined = OnnxModel.LoadTensor(output).Tensor;
            LayerGraph graph = OnnxModel.Load(model);
            using var executor = new CpuExecutor(graph);
            int rowSize = (int)(combined.ElementCount / 3), imageSize = 3 * 224 * 224;
            for (int row = 0; row < 3; row++)
            {
                // Both members are the same model, so their mean is that model's output for the image alone.
                var image = Tensor.FromFloats(new TensorShape(1, 3, 224, 224), images.Floats.AsSpan(row * imageSize, imageSize).ToArray());
                float[] expected = executor.Run(new Dictionary<string, Tensor> { ["data_0"] = image })[graph.Outputs[0].Name].Floats;
                float[] actual = combined.Floats.AsSpan(row * rowSize, rowSize).ToArray();
                for (int i = 0; i < rowSize; i++)
                {
                    Assert.Equal(expected[i], actual[i], 1e-5f);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string SharedModel(string folder) => Path.Combine(Requires.SharedDirectory($"models/{folder}"), "model.onnx");

    // The MACs column of the "total" row (the first number on it).
    private static long TotalMacs(string output)
    {
        string total = output.Split('\n').Single(line => line.StartsWith("total", StringComparison.Ordinal));
        string macs = total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return long.Parse(macs, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }
}
