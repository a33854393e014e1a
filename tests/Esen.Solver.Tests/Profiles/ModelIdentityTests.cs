using Esen.Solver.Profiles;

namespace Esen.Solver.Tests.Profiles;

public sealed class ModelIdentityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-identity-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void OfFile_IsTheSha256OfTheBytes_AndChangesWithOneByte()
    {
        string first = Path.Combine(_folder, "a.onnx");
        string copy = Path.Combine(_folder, "b.onnx");
        byte[] bytes = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];
        File.WriteAllBytes(first, bytes);
        File.WriteAllBytes(copy, bytes);

        string identity = ModelIdentity.OfFile(first);
        bytes[1234] ^= 1;
        File.WriteAllBytes(copy, bytes);

        Assert.Matches("^sha256:[0-9a-f]{64}$", identity);
        Assert.Equal(identity, ModelIdentity.OfFile(first));
        Assert.NotEqual(identity, ModelIdentity.OfFile(copy));
    }

    [Fact]
    public void OfFile_SameBytesUnderAnotherName_IsTheSameModel()
    {
        string first = Path.Combine(_folder, "a.onnx");
        string second = Path.Combine(_folder, "renamed.onnx");
        File.WriteAllBytes(first, [1, 2, 3]);
        File.Copy(first, second);

        Assert.Equal(ModelIdentity.OfFile(first), ModelIdentity.OfFile(second));
        Assert.Equal("sha256:039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81", ModelIdentity.OfFile(first));
    }

    [Fact]
    public void OfArchitecture_NamesArchitectureSeedAndInputShape()
    {
        Assert.Equal("arch:resnet18;seed=42;input=3x224x224", ModelIdentity.OfArchitecture("resnet18", 42, [3, 224, 224]));
        Assert.NotEqual(ModelIdentity.OfArchitecture("resnet18", 42, [3, 224, 224]), ModelIdentity.OfArchitecture("resnet18", 43, [3, 224, 224]));
    }

    [Theory]
    [InlineData("", new[] { 3 })]
    [InlineData("res;net", new[] { 3 })]
    [InlineData("resnet18", new int[0])]
    [InlineData("resnet18", new[] { 3, 0, 224 })]
    public void OfArchitecture_RefusesAmbiguousParts(string architecture, int[] shape) =>
        Assert.Throws<ArgumentException>(() => ModelIdentity.OfArchitecture(architecture, 1, shape));
}
