using System.Globalization;
using System.Security.Cryptography;

namespace Esen.Solver.Profiles;

/// <summary>
/// The model part of a <see cref="MeasuredProfileKey"/>: the bytes of an ONNX file, or a built-in
/// architecture with the seed of its weights and its input shape. Names are not identities: two files
/// called model.onnx differ, and a re-exported file is a new model.
/// </summary>
public static class ModelIdentity
{
    /// <summary>"sha256:" and the lower-case hex SHA-256 of the file's bytes.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string OfFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>"arch:NAME;seed=SEED;input=CxHxW" for a built-in architecture.</summary>
    /// <param name="architecture">The built-in architecture's name ("resnet18").</param>
    /// <param name="seed">The seed its weights are generated from.</param>
    /// <param name="inputShape">One input's shape without the batch (3, 224, 224).</param>
    public static string OfArchitecture(string architecture, int seed, IReadOnlyList<int> inputShape)
    {
        if (string.IsNullOrWhiteSpace(architecture) || architecture.Contains(';', StringComparison.Ordinal))
        {
            throw new ArgumentException($"architecture name '{architecture}' is empty or contains ';'", nameof(architecture));
        }

        if (inputShape.Count == 0 || inputShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"input shape [{string.Join(", ", inputShape)}] needs positive dimensions", nameof(inputShape));
        }

        return string.Create(CultureInfo.InvariantCulture, $"arch:{architecture};seed={seed};input={string.Join('x', inputShape)}");
    }
}
