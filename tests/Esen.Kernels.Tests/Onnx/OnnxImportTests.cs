using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Onnx.Proto;
using Esen.TestUtilities;
using Google.Protobuf;

namespace Esen.Kernels.Tests.Onnx;

public class OnnxImportTests
{
    private static string Model(string folder) => Path.Combine(Requires.SharedDirectory($"models/{folder}"), "model.onnx");

    [SkippableFact]
    public void SqueezeNet_Imports_WithPublishedParameterCountAndShapes()
    {
        LayerGraph graph = OnnxModel.Load(Model("squeezenet1.1-fp32"));
        Assert.Equal(7, graph.Opset);
        Assert.Equal(1_235_496, graph.ParameterCount);  // models/SOURCE.md
        GraphCost cost = GraphCostAnalyzer.Analyze(graph);
        Assert.Equal(new TensorShape(1, 1000, 1, 1), cost.Shapes[graph.Outputs[0].Name].Shape);
        Assert.Equal(26, cost.Nodes.Count(n => n.Node.OpType == "Conv"));

        // SqueezeNet 1.1 is quoted at about 0.35 GMACs at 224x224 (Iandola et al. 2016, v1.1 release notes: 2.4x less than 1.0's 0.86).
        Assert.InRange(cost.Macs, 340_000_000, 360_000_000);
    }

    [SkippableFact]
    public void Mnist_Imports_WithConstantShapeInputs()
    {
        LayerGraph graph = OnnxModel.Load(Model("mnist-cntk"));
        InferredShapes shapes = ShapeInference.Infer(graph);
        Assert.Equal(new TensorShape(1, 10), shapes[graph.Outputs[0].Name].Shape);
        Assert.Equal(5_998, graph.Initializers.Values.Sum(t => t.ElementCount));  // models/SOURCE.md counts the int64 shapes too
    }

    [SkippableFact]
    public void Cifar_DynamicBatch_BindsToRequestedBatch()
    {
        LayerGraph graph = OnnxModel.Load(Model("cifar10-cnn"));
        Assert.Equal(TensorShape.Dynamic, graph.Inputs[0].Shape[0]);
        Assert.Equal(new TensorShape(4, 10), ShapeInference.Infer(graph, batch: 4)[graph.Outputs[0].Name].Shape);
    }

    [SkippableFact]
    public void TruncatedModel_NamesTheFile()
    {
        byte[] bytes = File.ReadAllBytes(Model("mnist-cntk"));
        for (int cut = 1; cut < bytes.Length; cut += bytes.Length / 37)
        {
            var e = Record.Exception(() => OnnxModel.Parse(bytes[..cut], "mnist.onnx"));
            Assert.IsType<GraphException>(e, exactMatch: false);
            Assert.Contains("mnist.onnx", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RandomBytes_GiveGraphException_NeverCrash()
    {
        var random = new Random(20231122);
        for (int i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            var e = Record.Exception(() => OnnxModel.Parse(bytes, "noise.onnx"));
            Assert.IsType<GraphException>(e, exactMatch: false);
        }
    }

    [Fact]
    public void TensorRoundTrip_RawData()
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-tensor-{Environment.ProcessId}.pb");
        try
        {
            Tensor t = Tensor.FromFloats(new TensorShape(2, 3), [1, -2, 3.5f, float.MaxValue, 0, -0.25f]);
            File.WriteAllBytes(path, OnnxModel.SerializeTensor("x", t));
            (string name, Tensor back) = OnnxModel.LoadTensor(path);
            Assert.Equal("x", name);
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(t.Floats, back.Floats);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Float64Tensor_ReadsDoubleDataAndRawData()
    {
        // double_data (onnx.proto field 10) and raw_data (little-endian IEEE 754 doubles) give the same tensor.
        double[] values = [0.1, -1e300, double.Epsilon, double.NaN, -0.0, 1.0 / 3];
        var typed = new TensorProto { Name = "x", DataType = 11 };
        typed.Dims.AddRange([2, 3]);
        typed.DoubleData.AddRange(values);

        Tensor fromTyped = LoadTensorBytes(typed.ToByteArray());
        Tensor fromRaw = LoadTensorBytes(OnnxModel.SerializeTensor("x", Tensor.FromArray(new TensorShape(2, 3), values)));

        foreach (Tensor t in new[] { fromTyped, fromRaw })
        {
            Assert.Equal(DataType.Float64, t.DataType);
            Assert.Equal(new TensorShape(2, 3), t.Shape);
            Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), t.Elements<double>().Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Fact]
    public void Float64Tensor_ShortDoubleData_NamesTheTensor()
    {
        var typed = new TensorProto { Name = "x", DataType = 11 };
        typed.Dims.AddRange([3]);
        typed.DoubleData.AddRange([1.0, 2.0]);

        var error = Assert.Throws<GraphException>(() => LoadTensorBytes(typed.ToByteArray()));

        Assert.EndsWith("2 stored elements do not fill shape [3] (3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SixteenAndUnsignedIntegerTensors_ReadTheirTypedFields()
    {
        // onnx.proto, TensorProto: int16 and uint16 are stored widened in int32_data, uint32 and uint64 in uint64_data.
        static TensorProto Typed(DataType type, long[] dims)
        {
            var proto = new TensorProto { Name = "x", DataType = (int)type };
            proto.Dims.AddRange(dims);
            return proto;
        }

        TensorProto int16 = Typed(DataType.Int16, [3]), uint16 = Typed(DataType.UInt16, [3]);
        int16.Int32Data.AddRange([-2, short.MaxValue, short.MinValue]);
        uint16.Int32Data.AddRange([0, 1, ushort.MaxValue]);
        TensorProto uint32 = Typed(DataType.UInt32, [2]), uint64 = Typed(DataType.UInt64, [2]);
        uint32.Uint64Data.AddRange([uint.MaxValue, 7]);
        uint64.Uint64Data.AddRange([ulong.MaxValue, 1UL << 63]);

        Assert.Equal([(short)-2, short.MaxValue, short.MinValue], LoadTensorBytes(int16.ToByteArray()).Elements<short>());
        Assert.Equal([(ushort)0, 1, ushort.MaxValue], LoadTensorBytes(uint16.ToByteArray()).Elements<ushort>());
        Assert.Equal([uint.MaxValue, 7u], LoadTensorBytes(uint32.ToByteArray()).Elements<uint>());
        Assert.Equal([ulong.MaxValue, 1UL << 63], LoadTensorBytes(uint64.ToByteArray()).Elements<ulong>());
    }

    private static Tensor LoadTensorBytes(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"esen-tensor-{Environment.ProcessId}-{Guid.NewGuid():N}.pb");
        try
        {
            File.WriteAllBytes(path, bytes);
            return OnnxModel.LoadTensor(path).Tensor;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
