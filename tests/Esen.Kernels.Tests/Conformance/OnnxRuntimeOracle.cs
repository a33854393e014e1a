using Esen.Kernels.Graph;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Esen.Kernels.Graph.Tensor;

namespace Esen.Kernels.Tests.Conformance;

/// <summary>
/// ONNX Runtime 1.32.0 (NuGet, C# API, CPU) as an independent oracle: runs an ONNX file on Esen tensors and returns
/// Esen tensors. One intra-op thread and no graph optimisation, so that each node runs by its own kernel and the
/// result does not depend on ORT's fusions. Element types map by number: ORT's <see cref="TensorElementType"/> and
/// Esen's <see cref="DataType"/> both use ONNX's TensorProto.DataType values, and both store elements little-endian
/// in the same widths, so tensors cross as bytes.
/// </summary>
internal sealed class OnnxRuntimeOracle : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;

    public OnnxRuntimeOracle(string modelPath)
    {
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(modelPath, _options);
    }

    /// <summary>The graph's outputs by name, for the inputs by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (Tensor tensor in inputs.Values)
            {
                values.Add(ToOrt(tensor));
            }

            string[] outputNames = [.. _session.OutputNames];
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions, [.. inputs.Keys], values, outputNames);
            return outputNames.Zip(outputs).ToDictionary(p => p.First, p => FromOrt(p.Second));
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }

    private static OrtValue ToOrt(Tensor tensor)
    {
        OrtValue value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.DataType, tensor.Shape.ToArray());
        tensor.AsBytes().CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static Tensor FromOrt(OrtValue value)
    {
        OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
        Tensor tensor = Tensor.Zeros((DataType)(int)info.ElementDataType, new TensorShape(info.Shape));
        value.GetTensorMutableRawData().CopyTo(tensor.AsBytes());
        return tensor;
    }
}
