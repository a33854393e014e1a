using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;

namespace Esen.Kernels.Tests.Conformance;

/// <summary>An ONNX backend-test folder: model.onnx and test_data_set_*/{input,output}_*.pb.</summary>
public sealed record OnnxTestCase(string Directory)
{
    public string Name => Path.GetFileName(Directory);

    public string ModelPath => Path.Combine(Directory, "model.onnx");

    public IEnumerable<string> DataSets => System.IO.Directory.GetDirectories(Directory, "test_data_set_*").Order(StringComparer.Ordinal);

    public static IReadOnlyList<Tensor> ReadTensors(string dataSet, string prefix) =>
        System.IO.Directory.GetFiles(dataSet, $"{prefix}_*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[(prefix.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .Select(f => OnnxModel.LoadTensor(f).Tensor)
            .ToArray();

    public override string ToString() => Name;
}
