using System.Reflection;

namespace Esen.Benchmarks.Models;

/// <summary>Pretrained models that NuGet packages ship, restored with the bench (Directory.Packages.props).</summary>
internal static class PackagedModels
{
    /// <summary>ML.NET's ResNet-18 image featurizer (ImageNet ResNet-18 up to its global pooling; Input247 [1,3,224,224] → [1,512,1,1]).</summary>
    public static string ResNet18 => Path("PackagedModel.ResNet18");

    private static string Path(string key) =>
        typeof(PackagedModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"assembly metadata {key} missing: the project must set UsesPackagedModels");
}
