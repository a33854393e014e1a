using Esen.Solver.Profiles;

namespace Esen.Cli.Tests;

public sealed class StoreCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-store-cli-").FullName;
    private readonly ProfileStore _store;

    public StoreCommandTests() => _store = new ProfileStore(Path.Combine(_folder, "profiles"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static MeasuredProfile Profile(string gpu, int sms, int batch) => new(
        new MeasuredProfileKey(gpu, sms, 13000, "green", "fp32", batch, ModelIdentity.OfArchitecture("resnet18", 1, [3, 224, 224])),
        [new MeasuredPoint(8, 20.5, 20, 20.1, 21), new MeasuredPoint(sms, 2.5, 20, 2.4, 2.7)],
        memoryBytes: 300_000_000,
        new DateTimeOffset(2026, 3, 14, 9, 26, 0, TimeSpan.Zero));

    [Fact]
    public void List_ShowsEveryProfileAndEachUnusableEntryWithItsReason()
    {
        _store.Put(Profile("NVIDIA H200", 132, 1));
        _store.Put(Profile("NVIDIA A100-SXM4-80GB", 108, 4));
        string torn = _store.EntryPath(Profile("NVIDIA H200", 132, 2).Key);
        File.WriteAllText(torn, "{\"format\":\"esen-measured/1\",\"key\":");

        (int exit, string stdout, string stderr) = CliRunner.Run("store", "list", "--store", _store.DirectoryPath);

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains($"{_store.DirectoryPath}: 2 measured profile(s), 1 entry unusable", stdout, StringComparison.Ordinal);
        string[] lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("GPU ", StringComparison.Ordinal) && l.Contains("measured at", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("NVIDIA H200 ", StringComparison.Ordinal) && l.Contains(" 132 ", StringComparison.Ordinal)
            && l.Contains(" 13.0 ", StringComparison.Ordinal) && l.Contains("arch:resnet18;seed=1;input=3x224x224", StringComparison.Ordinal)
            && l.Contains("2026-03-14 09:26Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("NVIDIA A100-SXM4-80GB ", StringComparison.Ordinal));
        Assert.Contains($"  {torn}: $: not valid JSON", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void List_EmptyOrMissingStore_SaysSo()
    {
        (int exit, string stdout, _) = CliRunner.Run("store", "--store", _store.DirectoryPath, "list");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal($"{_store.DirectoryPath}: 0 measured profile(s), 0 entries unusable", stdout.Trim());
    }

    [Fact]
    public void Clear_WithAGpu_RemovesOnlyItsProfiles()
    {
        _store.Put(Profile("NVIDIA H200", 132, 1));
        _store.Put(Profile("NVIDIA H200", 132, 8));
        _store.Put(Profile("NVIDIA A100-SXM4-80GB", 108, 1));

        (int exit, string stdout, string stderr) = CliRunner.Run("store", "clear", "--gpu", "nvidia h200", "--store", _store.DirectoryPath);

        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Equal($"removed 2 entries of GPU 'nvidia h200' from {_store.DirectoryPath}", stdout.Trim());
        Assert.Equal("NVIDIA A100-SXM4-80GB", Assert.Single(_store.List().Profiles).Key.Gpu);
    }

    [Fact]
    public void Clear_WithoutAGpu_RemovesEverything()
    {
        _store.Put(Profile("NVIDIA H200", 132, 1));
        File.WriteAllText(_store.EntryPath(Profile("NVIDIA H200", 132, 2).Key), "garbage");

        (int exit, string stdout, _) = CliRunner.Run("store", "clear", "--store", _store.DirectoryPath);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith("removed 2 entries from", stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_store.DirectoryPath));
    }

    [Theory]
    [InlineData("list")]
    [InlineData("clear")]
    public void StoreThatIsAFile_FailsWithOneLine(string subcommand)
    {
        string file = Path.Combine(_folder, "file");
        File.WriteAllText(file, "");

        (int exit, string stdout, string stderr) = CliRunner.Run("store", subcommand, "--store", file);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Empty(stdout);
        Assert.Equal($"esen store {subcommand}: {file}: is a file, not a profile store directory", stderr.Trim());
    }
}
