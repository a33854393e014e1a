using Esen.Runtime.Studies;
using Esen.Solver.Reports;
using Esen.TestUtilities;

namespace Esen.Runtime.Tests.Studies;

/// <summary>The studies' HTML reports as a browser renders them: Debian's Chromium, headless, offline.</summary>
public sealed class EnsembleStudyReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("esen-study-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void EnsembleReport_InChromium_HasEveryChart_EachDrawn_AndTheScreenshotShowsThem()
    {
        IReadOnlyList<EnsembleStudyCase> cases = EnsembleStudy.Run(EnsembleStudyTests.SmallEnsembles(), new Esen.Runtime.Specs.DeviceSpec(Esen.Runtime.Specs.DeviceKind.Simulated, 0, "h100"));
        string page = Path.Combine(_folder, "ensemble-study.html");
        File.WriteAllText(page, EnsembleStudy.Report(cases, "sim:h100"));

        // The overview, then per ensemble: latency curves, the search and default timelines, MILP against search.
        string[] figures = HeadlessChromium.DrawnFigures(page);
        Assert.Equal(5, figures.Length);
        Assert.Contains("mobilenetv2 (", figures[2], StringComparison.Ordinal);

        // What it draws: the members' colours appear on screen (bars of the overview and the timelines).
        string png = Path.Combine(_folder, "report.png");
        HeadlessChromium.Screenshot(page, png, 1100, 5000);
        PngPixels pixels = PngPixels.Read(png);
        var colours = new HashSet<int>();
        for (int y = 0; y < pixels.Height; y += 2)
        {
            for (int x = 0; x < pixels.Width; x += 2)
            {
                colours.Add(pixels.Rgb(x, y));
            }
        }

        foreach (string lane in new[] { TimelineReport.LaneColor(0), TimelineReport.LaneColor(1), TimelineReport.LaneColor(2) })
        {
            Assert.Contains(Convert.ToInt32(lane[1..], 16), colours);
        }
    }

    [Fact]
    public void CascadeReport_InChromium_HasTheCurvesAndTheTimeline_EachDrawn()
    {
        var stages = CascadeStudyTests.SmallCascade();
        IReadOnlyList<CascadeStudyPoint> points = CascadeStudy.Run(stages, stages.Device, [0, 0.5, 0.9]);
        string page = Path.Combine(_folder, "cascade-study.html");
        File.WriteAllText(page, CascadeStudy.Report(stages, points, "sim:h100"));

        string[] figures = HeadlessChromium.DrawnFigures(page);
        Assert.Equal(2, figures.Length);
        Assert.Contains("exit-aware batch-parallel", figures[0], StringComparison.Ordinal);
        Assert.Contains("resnet18 (", figures[1], StringComparison.Ordinal);
    }

    [Fact]
    public void MultitenantReport_InChromium_HasTheComparisonAndTheTimelines_EachDrawn()
    {
        var h100 = new Esen.Runtime.Specs.DeviceSpec(Esen.Runtime.Specs.DeviceKind.Simulated, 0, "h100");
        MultitenantStudyResult result = MultitenantStudy.Run(MultitenantStudy.DefaultTenants(h100), h100);
        string page = Path.Combine(_folder, "multitenant-study.html");
        File.WriteAllText(page, MultitenantStudy.Report(result, "sim:h100"));

        string[] figures = HeadlessChromium.DrawnFigures(page);
        Assert.Equal(4, figures.Length);
        Assert.Contains("spatial only", figures[0], StringComparison.Ordinal);
        Assert.All(figures[1..], f => Assert.Contains("vgg16 (", f, StringComparison.Ordinal));
    }

    [Fact]
    public void ServingReport_InChromium_HasTheCurvesTheBarsAndTheTimelines_EachDrawn()
    {
        var v100 = new Esen.Runtime.Specs.DeviceSpec(Esen.Runtime.Specs.DeviceKind.Simulated, 0, "v100");
        ServingStudyResult result = ServingStudy.Run(ServingStudy.DefaultEnsemble(v100), v100, ServingStudy.DefaultGpuCount, [4, 8]);
        string page = Path.Combine(_folder, "serving-study.html");
        File.WriteAllText(page, ServingStudy.Report(result, "sim:v100"));

        string[] figures = HeadlessChromium.DrawnFigures(page);
        Assert.Equal(4, figures.Length);
        Assert.Contains("worst-fit + greedy", figures[0], StringComparison.Ordinal);
        Assert.Contains("batch-tuned baseline", figures[1], StringComparison.Ordinal);
        Assert.All(figures[2..], f => Assert.Matches(@"(vgg|resnet|densenet|mobilenetv2|alexnet)[\w-]* \(", f));
    }
}
