using Esen.TestUtilities;

namespace Esen.Cli.Tests;

public class GraphCommandsTests
{
    [SkippableFact]
    public void Inspect_Mnist_PrintsNodesAndTotals()
    {
        string model = Path.Combine(Requires.SharedDirectory("models/mnist-cntk"), "model.onnx");
        (int exit, string output, _) = CliRunner.Run("inspect", model);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Convolution28", output, StringComparison.Ordinal);
        Assert.Contains("total", output, StringComparison.Ordinal);

        // MNIST: conv1 5x5x1x8 on 28x28 (SAME) + conv2 5x5x8x16 on 14x14 + 256x10 dense = 627,200 + 313,600... MACs.
        long macs = (28L * 28 * 8 * 25) + (14L * 14 * 16 * 8 * 25) + (256L * 10);
        Assert.Contains(macs.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_CorruptModel_OneLineExit2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-corrupt-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, [0x08, 0x07, 0x3a, 0xff, 0xff, 0x01]);
        try
        {
            (int exit, string output, string error) = CliRunner.Run("inspect", path);
            Assert.Equal(ExitCodes.BadInput, exit);
            Assert.Empty(output);
            Assert.Contains(path, error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Inspect_MissingFile_Exit2()
    {
        (int exit, _, string error) = CliRunner.Run("inspect", "/nonexistent/model.onnx");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("/nonexistent/model.onnx", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_BuiltInArchitecture_WritesItAsOnnx()
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-inspect-{Environment.ProcessId}.onnx");
        try
        {
            (int exit, string output, _) = CliRunner.Run("inspect", "mobilenetv2", "--onnx", path);
            Assert.Equal(ExitCodes.Ok, exit);
            Assert.Contains($"wrote {path}", output, StringComparison.Ordinal);

            // The file is the built-in graph, dynamic batch included.
            Kernels.Graph.LayerGraph written = Kernels.Onnx.OnnxModel.Load(path), built = Kernels.Zoo.ModelZoo.Build("mobilenetv2");
            Assert.Equal(built.Nodes.Select(n => n.OpType), written.Nodes.Select(n => n.OpType));
            Assert.Equal(built.Inputs, written.Inputs);
            Assert.Equal(built.ParameterCount, written.ParameterCount);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Inspect_UnknownModel_NamesTheBuiltInsExit2()
    {
        (int exit, _, string error) = CliRunner.Run("inspect", "resnet51");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("'resnet51' is neither a built-in architecture (", error, StringComparison.Ordinal);
        Assert.Contains("resnet50", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void OnnxTest_SharedCases_PrintsLinePerTestAndSummary()
    {
        // A copy of test_relu whose node is an operator Esen lacks (Selu) is the case to skip.
        string root = Requires.SharedDirectory("onnx-node");
        string unsupported = Path.Combine(Path.GetTempPath(), $"esen-onnxtest-{Environment.ProcessId}-skip", "test_selu_copy");
        Directory.CreateDirectory(unsupported);
        try
        {
            // NodeProto.op_type is field 4, length-delimited: tag 0x22, length 4, then the name; a name of the same
            // length leaves every enclosing length as it is.
            byte[] model = File.ReadAllBytes(Path.Combine(root, "test_relu", "model.onnx"));
            int at = model.AsSpan().IndexOf("\"\u0004Relu"u8);
            Assert.True(at >= 0, "test_relu's op_type not found");
            "Selu"u8.CopyTo(model.AsSpan(at + 2));
            File.WriteAllBytes(Path.Combine(unsupported, "model.onnx"), model);
            Directory.CreateDirectory(Path.Combine(unsupported, "test_data_set_0"));
            foreach (string tensor in new[] { "input_0.pb", "output_0.pb" })
            {
                File.Copy(Path.Combine(root, "test_relu", "test_data_set_0", tensor), Path.Combine(unsupported, "test_data_set_0", tensor));
            }

            string[] cases = [Path.Combine(root, "test_relu"), Path.Combine(root, "test_add_bcast"), unsupported];
            (int exit, string output, _) = CliRunner.Run(["onnx-test", .. cases]);
            string[] lines = output.TrimEnd().Split('\n');
            Assert.Equal(ExitCodes.Ok, exit);
            Assert.Equal(["PASS test_relu", "PASS test_add_bcast"], lines[..2]);
            Assert.StartsWith("SKIP test_selu_copy: ", lines[2], StringComparison.Ordinal);
            Assert.Equal("2 passed, 0 failed, 1 skipped on cpu (operator 'Selu' is not supported)", lines[3]);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(unsupported)!, recursive: true);
        }
    }

    [SkippableFact]
    public void OnnxTest_WrongExpectedOutput_Fails()
    {
        string source = Path.Combine(Requires.SharedDirectory("onnx-node"), "test_relu");
        string copy = Path.Combine(Path.GetTempPath(), $"esen-onnxtest-{Environment.ProcessId}", "test_relu_broken");
        Directory.CreateDirectory(Path.Combine(copy, "test_data_set_0"));
        try
        {
            File.Copy(Path.Combine(source, "model.onnx"), Path.Combine(copy, "model.onnx"));
            File.Copy(Path.Combine(source, "test_data_set_0", "input_0.pb"), Path.Combine(copy, "test_data_set_0", "input_0.pb"));
            File.Copy(Path.Combine(source, "test_data_set_0", "input_0.pb"), Path.Combine(copy, "test_data_set_0", "output_0.pb"));
            (int exit, string output, _) = CliRunner.Run("onnx-test", copy, "--rtol", "0", "--atol", "0");
            Assert.Equal(ExitCodes.Failure, exit);
            Assert.StartsWith("FAIL test_relu_broken: ", output, StringComparison.Ordinal);
            Assert.Contains("output 'y': element ", output, StringComparison.Ordinal);
            Assert.Contains("; relative L2 ", output, StringComparison.Ordinal);
            Assert.Contains(", max |error| ", output, StringComparison.Ordinal);
            Assert.EndsWith("0 passed, 1 failed on cpu", output.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    [Fact]
    public void OnnxTest_MissingDirectory_Exit2()
    {
        (int exit, _, string error) = CliRunner.Run("onnx-test", "/nonexistent/cases");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("/nonexistent/cases", error, StringComparison.Ordinal);
    }
}
