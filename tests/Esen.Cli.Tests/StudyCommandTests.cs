namespace Esen.Cli.Tests;

public sealed class StudyCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-study-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Ensemble_PrintsTheComparisonAndWritesTheReport()
    {
        (int exit, string stdout, string stderr) = CliRunner.Run("study", "ensemble", "--batch", "1", "--report", _folder);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith("ESEN reports up to 17.84 % shorter JCT and 28.09 % more GPU use; Esen predicts on sim:h100:", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^three CNNs\s+\d+\.\d{3}\s+\d+\.\d{3}\s+-?\d+\.\d\s+-?\d+\.\d\s*$", stdout);
        Assert.Equal(3, stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        string report = File.ReadAllText(Path.Combine(_folder, "ensemble-study.html"));
        Assert.Equal(1 + (3 * 4), System.Text.RegularExpressions.Regex.Count(report, "<figure id="));
    }

    [Theory]
    [InlineData("cascade", "the cascade study is not available yet (available: ensemble)")]
    [InlineData("gacer", "unknown study 'gacer' (known: ensemble, cascade, multitenant, serving)")]
    [InlineData("ensemble --device cpu", "--device 'cpu' is not a simulated GPU (sim:NAME, e.g. sim:h100)")]
    [InlineData("ensemble --batch 0", "--batch must be at least 1, got 0")]
    public void BadArguments_OneLineNamingThem_ExitTwo(string arguments, string message)
    {
        (int exit, string stdout, string stderr) = CliRunner.Run(["study", .. arguments.Split(' '), "--report", _folder]);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Empty(stdout);
        Assert.StartsWith($"esen study: {message}", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }
}
