using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Esen.Solver.CostModel;
using Esen.Solver.Devices;
using Esen.Solver.Reports;
using Esen.Solver.Simulation;

namespace Esen.Solver.Tests.Simulation;

public class TimelineReportTests
{
    private static SimulationResult Result()
    {
        Device v100 = DeviceCatalog.BuiltIn.Find("V100");
        var layers = new List<LayerWork>
        {
            new("conv<1>", LayerOp.Conv, 2e9, 4e7, 1e6, new GemmShape(12544, 64, 576), new ConvWindow(3, 3, 1, 1, 1, 1, 1)),
            new("pool & co", LayerOp.Pool, 0, 2e7, 0),
        };
        IReadOnlyList<KernelCost> kernels = AnalyticCostModel.Default.Kernels(new ModelWork("m", 1, Precision.Fp32, layers, 0, 0, 0), v100);
        return new Simulator(v100, new SimulationOptions()).Run([new("a<b>", kernels, 40), new("c", kernels, 40)]);
    }

    [Fact]
    public void Json_HasMembersKernelsAndUtilization()
    {
        SimulationResult result = Result();
        using JsonDocument json = JsonDocument.Parse(TimelineReport.ToJson(result));
        JsonElement root = json.RootElement;
        Assert.Equal(TimelineReport.Format, root.GetProperty("format").GetString());
        Assert.Equal(2, root.GetProperty("members").GetArrayLength());
        Assert.Equal(4, root.GetProperty("kernels").GetArrayLength());
        Assert.Equal(result.JctSeconds * 1000, root.GetProperty("jct_ms").GetDouble(), 1e-5);
        Assert.Equal("a<b>", root.GetProperty("kernels")[0].GetProperty("member").GetString());
    }

    [Fact]
    public void Svg_IsWellFormed_WithOneBarPerKernelInItsLanesColour_LabelsAndBothUseCurves()
    {
        SimulationResult result = Result();
        XDocument svg = XDocument.Parse(TimelineReport.ToSvg(result));
        XNamespace ns = "http://www.w3.org/2000/svg";
        for (int lane = 0; lane < result.Members.Count; lane++)
        {
            // OxyPlot writes a fill as "fill:rgb(r,g,b)" in the style attribute.
            int rgb = int.Parse(TimelineReport.LaneColor(lane).AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            string fill = $"fill:rgb({rgb >> 16},{(rgb >> 8) & 0xff},{rgb & 0xff})";
            int bars = svg.Descendants(ns + "rect").Count(r => ((string?)r.Attribute("style") ?? "").Contains(fill, StringComparison.Ordinal));
            Assert.Equal(result.Kernels.Count(k => k.Member == lane), bars);
        }

        string[] texts = [.. svg.Descendants(ns + "text").Select(t => t.Value)];
        Assert.Contains("a<b> (40)", texts);
        Assert.Contains("c (40)", texts);
        Assert.Contains("SM use", texts);
        Assert.Contains("bandwidth use", texts);
    }
}
