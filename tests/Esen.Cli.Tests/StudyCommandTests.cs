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

    [Fact]
    public void Cascade_SweepsTheExitRatio_NoGainWithoutExits_AGainWithThem()
    {
        (int exit, string stdout, _) = CliRunner.Run("study", "cascade", "--batch", "8", "--report", _folder);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("ESCAN reports exit-aware batch-parallel cascades 19.53 % faster", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+0\.0\s+8/8/8\s+\d+\.\d{3}\s+(\d+\.\d{3})\s+\1\s+0\.0\s*$", stdout);
        Assert.True(File.Exists(Path.Combine(_folder, "cascade-study.html")));
    }

    [Fact]
    public void Serving_ComparesTheApproachesAtTheGivenBatch_AgainstTheBaseline()
    {
        (int exit, string stdout, _) = CliRunner.Run("study", "serving", "--device", "sim:v100", "--batch", "8", "--report", _folder);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith("Pochelu et al. report up to 2.7× over a batch-tuned baseline; Esen predicts for 12 CNNs on 4 × sim:v100:", stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^batch-tuned baseline\s+8\s+\d+\s+1\.00×\s+-\s*$", stdout);
        Assert.Matches(@"(?m)^search\s+8\s+\d+\s+\d\.\d\d×\s+\d+\.\d\s*$", stdout);
        Assert.True(File.Exists(Path.Combine(_folder, "serving-study.html")));
    }

    [Theory]
    [InlineData("serving --gpus 0", "--gpus must be at least 1, got 0")]
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
