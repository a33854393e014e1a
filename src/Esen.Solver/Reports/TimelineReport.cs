using System.Text;
using System.Text.Json;
using Esen.Solver.Formats;
using Esen.Solver.Simulation;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Esen.Solver.Reports;

/// <summary>
/// Writes a simulation as <c>esen-timeline/1</c> JSON (format in docs/simulator.md) and as an SVG
/// Gantt chart: one lane per member with its kernels, then SM and bandwidth utilisation over time.
/// </summary>
public static class TimelineReport
{
    /// <summary>The format tag of timeline files.</summary>
    public const string Format = "esen-timeline/1";

    private const double LaneHeight = 26;
    private const double Width = 1000;
    private const double UtilizationHeight = 120;
    private const string LaneAxis = "lanes";
    private const string UseAxis = "use";

    private static readonly string[] s_palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    /// <summary>The timeline as indented JSON; times in milliseconds.</summary>
    public static string ToJson(SimulationResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("device", result.Device);
            json.WriteString("mode", result.Mode.ToString().ToLowerInvariant());
            json.WriteNumber("jct_ms", Ms(result.JctSeconds));
            json.WriteNumber("mean_sm_utilization", Math.Round(result.MeanSmUtilization, 4));
            json.WriteNumber("mean_bandwidth_utilization", Math.Round(result.MeanBandwidthUtilization, 4));
            json.WriteStartArray("members");
            foreach (MemberOutcome member in result.Members)
            {
                json.WriteStartObject();
                json.WriteString("name", member.Name);
                json.WriteNumber("units", member.Units);
                json.WriteNumber("start_ms", Ms(member.StartSeconds));
                json.WriteNumber("finish_ms", Ms(member.FinishSeconds));
                json.WriteNumber("alone_ms", Ms(member.AloneSeconds));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("kernels");
            foreach (KernelSpan span in result.Kernels)
            {
                json.WriteStartObject();
                json.WriteString("member", result.Members[span.Member].Name);
                json.WriteNumber("index", span.Kernel);
                json.WriteString("name", span.Name);
                json.WriteNumber("start_ms", Ms(span.StartSeconds));
                json.WriteNumber("end_ms", Ms(span.EndSeconds));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("utilization");
            foreach (UtilizationSegment segment in result.Utilization)
            {
                json.WriteStartObject();
                json.WriteNumber("start_ms", Ms(segment.StartSeconds));
                json.WriteNumber("end_ms", Ms(segment.EndSeconds));
                json.WriteNumber("sm", Math.Round(segment.SmFraction, 4));
                json.WriteNumber("bandwidth", Math.Round(segment.BandwidthFraction, 4));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The Gantt chart with utilisation curves as an SVG document, drawn by OxyPlot: the top of the plot has one lane
    /// per member (first on top) with a bar per kernel in the member's colour; below it the SM and bandwidth use, as
    /// steps between the simulator's events, in percent; one time axis in milliseconds for both.
    /// </summary>
    public static string ToSvg(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        int lanes = result.Members.Count;
        var model = new PlotModel
        {
            Title = $"{result.Device}, {result.Mode.ToString().ToLowerInvariant()}: JCT {Ms(result.JctSeconds):0.###} ms, " +
                $"mean SM use {result.MeanSmUtilization:P0}, mean bandwidth use {result.MeanBandwidthUtilization:P0}",
            TitleFontSize = 13,
            Background = OxyColors.White, DefaultFont = Charts.ChartFont,
        };
        var laneAxis = new CategoryAxis
        {
            Key = LaneAxis, Position = AxisPosition.Left, StartPosition = 1, EndPosition = 0.32, IsZoomEnabled = false, IsPanEnabled = false,
            GapWidth = 0.3,
        };
        laneAxis.Labels.AddRange(result.Members.Select(m => $"{m.Name} ({m.Units})"));
        model.PlotMargins = Charts.LeftMarginFor(laneAxis.Labels);
        model.Axes.Add(laneAxis);
        model.Axes.Add(new LinearAxis
        {
            Key = UseAxis, Position = AxisPosition.Left, StartPosition = 0, EndPosition = 0.25, Minimum = 0, Maximum = 100,
            MajorStep = 50, Title = "use %", MajorGridlineStyle = LineStyle.Dot,
        });
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Minimum = 0, Maximum = Math.Max(Ms(result.JctSeconds), 1e-6), Title = "time (ms)",
            MajorGridlineStyle = LineStyle.Dot,
        });
        for (int lane = 0; lane < lanes; lane++)
        {
            var bars = new RectangleBarSeries
            {
                YAxisKey = LaneAxis, RenderInLegend = false, FillColor = OxyColor.Parse(LaneColor(lane)), StrokeThickness = 0.5,
                StrokeColor = OxyColors.White,
            };
            foreach (KernelSpan span in result.Kernels.Where(k => k.Member == lane))
            {
                bars.Items.Add(new RectangleBarItem(Ms(span.StartSeconds), lane - 0.35, Ms(span.EndSeconds), lane + 0.35));
            }

            model.Series.Add(bars);
        }

        model.Series.Add(UseSteps(result.Utilization, "SM use", s => s.SmFraction, "#4e79a7"));
        model.Series.Add(UseSteps(result.Utilization, "bandwidth use", s => s.BandwidthFraction, "#e15759"));
        model.Legends.Add(Charts.Legend());
        return SvgExporter.ExportToString(model, Width, 140 + (lanes * LaneHeight) + UtilizationHeight, isDocument: true);
    }

    /// <summary>The colour of a member's lane, by its index.</summary>
    public static string LaneColor(int lane) => s_palette[lane % s_palette.Length];

    private static LineSeries UseSteps(IReadOnlyList<UtilizationSegment> segments, string title, Func<UtilizationSegment, double> value, string color)
    {
        var line = new LineSeries { Title = title, YAxisKey = UseAxis, Color = OxyColor.Parse(color), StrokeThickness = 1.5 };
        foreach (UtilizationSegment segment in segments)
        {
            double percent = Math.Clamp(value(segment), 0, 1) * 100;
            line.Points.Add(new DataPoint(Ms(segment.StartSeconds), percent));
            line.Points.Add(new DataPoint(Ms(segment.EndSeconds), percent));
        }

        return line;
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1000, 6);
}
