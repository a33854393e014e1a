using System.Globalization;
using System.Text.RegularExpressions;
using Esen.Kernels.Graph;
using Esen.Kernels.Onnx;
using Esen.Kernels.Zoo;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;

namespace Esen.Runtime.Profiling;

/// <summary>
/// What a profiled member is: a built-in architecture or an ONNX file, at a batch, precision and (for
/// BERT) sequence length. <c>esen profile</c> names problem members <c>ARCH-bB[-sS]-PRECISION</c>
/// (e.g. <c>resnet50-b8-fp32</c>, <c>bert-base-b1-s384-fp16</c>, a <c>-2</c> suffix for repeats), so
/// <c>esen simulate</c> can rebuild the kernels of built-in members from the name alone.
/// </summary>
/// <param name="Model">Architecture name or ONNX path.</param>
public sealed partial record ProfiledMember(string Model, int Batch, Precision Precision, int SequenceLength = ModelZoo.DefaultSequenceLength)
{
    /// <summary>True for a built-in architecture, false for an ONNX file.</summary>
    public bool IsBuiltIn => ModelZoo.Contains(Model);

    /// <summary>The short model name: the architecture, or the ONNX file's name without extension.</summary>
    public string ModelName => IsBuiltIn ? Model.ToLowerInvariant() : Path.GetFileNameWithoutExtension(Model);

    /// <summary>The member name <c>esen profile</c> writes.</summary>
    public string MemberName =>
        $"{ModelName}-b{Batch}{(IsBuiltIn && IsSequenceModel ? $"-s{SequenceLength}" : "")}-{Precision.ToName()}";

    private bool IsSequenceModel => Model.StartsWith("bert", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a member name written by <c>esen profile</c>; null if it does not name a built-in architecture.</summary>
    public static ProfiledMember? TryParseMemberName(string name)
    {
        Match match = MemberNamePattern().Match(name);
        if (!match.Success || !ModelZoo.Contains(match.Groups["model"].Value)
            || !PrecisionInfo.TryParse(match.Groups["precision"].Value, out Precision precision))
        {
            return null;
        }

        int batch = int.Parse(match.Groups["batch"].Value, CultureInfo.InvariantCulture);
        int sequence = match.Groups["seq"].Success ? int.Parse(match.Groups["seq"].Value, CultureInfo.InvariantCulture) : ModelZoo.DefaultSequenceLength;
        return batch > 0 ? new ProfiledMember(match.Groups["model"].Value, batch, precision, sequence) : null;
    }

    /// <summary>Builds the graph and its kernel list.</summary>
    /// <exception cref="KeyNotFoundException">Neither a built-in architecture nor an existing file.</exception>
    /// <exception cref="GraphException">The graph is invalid at this batch (an ONNX file that fixes another batch is made batch-dynamic first).</exception>
    public ModelWork BuildWork() => IsBuiltIn
        ? ZooWorkloads.Build(Model, Batch, Precision, SequenceLength)
        : GraphWorkload.Build(BuildGraph(), Batch, Precision, ModelName);

    /// <summary>The member's graph at its batch: the architecture with its default seed, or the ONNX file.</summary>
    /// <exception cref="KeyNotFoundException">Neither a built-in architecture nor an existing file.</exception>
    /// <exception cref="GraphException">The file cannot run at this batch.</exception>
    public LayerGraph BuildGraph()
    {
        if (IsBuiltIn)
        {
            return ModelZoo.Build(Model, new ZooOptions(SequenceLength: SequenceLength));
        }

        return File.Exists(Model)
            ? OnnxModel.Load(Model).ForBatch(Batch)
            : throw new KeyNotFoundException($"'{Model}' is neither a built-in architecture ({string.Join(", ", ModelZoo.Names)}) nor an existing ONNX file");
    }

    [GeneratedRegex(@"^(?<model>[a-z0-9]+(?:-base)?)-b(?<batch>\d{1,6})(?:-s(?<seq>\d{1,4}))?-(?<precision>fp32|fp16|int8|tf32)(?:-\d+)?$")]
    private static partial Regex MemberNamePattern();
}
