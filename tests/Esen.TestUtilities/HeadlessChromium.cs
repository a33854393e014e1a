using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Esen.TestUtilities;

/// <summary>
/// Debian's Chromium (installed by scripts/bootstrap.sh) run headless on a local file: the DOM after layout, or a
/// screenshot. A browser nobody here wrote is the oracle for "the report renders".
/// </summary>
public static class HeadlessChromium
{
    private const string Binary = "/usr/bin/chromium";

    /// <summary>
    /// Each figure of <paramref name="page"/> as the browser has it, checked to hold one drawn chart (an SVG of at least
    /// ten shapes) with text and a caption.
    /// </summary>
    public static string[] DrawnFigures(string page)
    {
        string[] figures = [.. Regex.Matches(DumpDom(page), "<figure id=\"figure-\\d+\">(.*?)</figure>", RegexOptions.Singleline).Select(m => m.Groups[1].Value)];
        Assert.All(figures, figure =>
        {
            Assert.Single(Regex.Matches(figure, "<svg[ >]"));
            Assert.True(Regex.Count(figure, "<(rect|polyline|polygon|path|ellipse)[ >]") >= 10, "a chart draws at least ten shapes");
            Assert.Matches("<text[^>]*>[^<]+</text>", figure);
            Assert.Contains("<figcaption>", figure, StringComparison.Ordinal);
        });
        return figures;
    }

    /// <summary>The serialised DOM of <paramref name="page"/> after it loaded.</summary>
    public static string DumpDom(string page) => Run(page, "--dump-dom");

    /// <summary>Writes a <paramref name="width"/> × <paramref name="height"/> PNG screenshot of <paramref name="page"/> to <paramref name="png"/>.</summary>
    public static void Screenshot(string page, string png, int width, int height)
    {
        Run(page, $"--screenshot={png}", $"--window-size={width},{height}");
        Assert.True(File.Exists(png), $"chromium wrote no screenshot to {png}");
    }

    private static string Run(string page, params string[] arguments)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: scripts/bootstrap.sh installs Debian's chromium");
        string profile = Directory.CreateTempSubdirectory("esen-chromium-").FullName;
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        foreach (string argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile}", .. arguments, new Uri(Path.GetFullPath(page)).AbsoluteUri])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish within 90 s");
            }

            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
