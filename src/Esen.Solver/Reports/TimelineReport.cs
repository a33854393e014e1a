using System.Text;
using System.Text.Json;
using Esen.Solver.Formats;
using Esen.Solver.Simulation;

namespace Esen.Solver.Reports;

/// <summary>
/// Writes a simulation as <c>esen-timeline/1</c> JSON (format in docs/simulator.md) and as an SVG
/// Gantt chart: one lane per member with its kernels, then SM and bandwidth utilisation over time.
/// </summary>
public static class TimelineReport
{
    /// <summary>The format tag of timeline files.</summary>
    public const string Format = "esen-timeline/1";

    private const double LaneHeight = 22;
    private const double LabelWidth = 150;
    private const double PlotWidth = 900;
    private const double UtilizationHeight = 80;
    private const double Margin = 20;

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

    /// <summary>The Gantt chart with utilisation curves as an SVG document.</summary>
    public static string ToSvg(SimulationResult result)
    {
        int lanes = result.Members.Count;
        double ganttTop = Margin + 24;
        double utilizationTop = ganttTop + (lanes * LaneHeight) + 30;
        double height = utilizationTop + UtilizationHeight + 40;
        var svg = new SvgWriter(LabelWidth + PlotWidth + (2 * Margin), height);
        double end = Math.Max(result.JctSeconds, 1e-9);
        double X(double seconds) => Margin + LabelWidth + (seconds / end * PlotWidth);

        svg.Text(Margin, Margin + 4, $"{result.Device}, {result.Mode.ToString().ToLowerInvariant()}: JCT {Ms(result.JctSeconds):0.###} ms, " +
            $"mean SM use {result.MeanSmUtilization:P0}, mean bandwidth use {result.MeanBandwidthUtilization:P0}", 13);
        for (int lane = 0; lane < lanes; lane++)
        {
            MemberOutcome member = result.Members[lane];
            double y = ganttTop + (lane * LaneHeight);
            svg.Text(Margin, y + 15, $"{member.Name} ({member.Units})");
            string color = s_palette[lane % s_palette.Length];
            foreach (KernelSpan span in result.Kernels.Where(k => k.Member == lane))
            {
                svg.Rect(X(span.StartSeconds), y + 3, X(span.EndSeconds) - X(span.StartSeconds), LaneHeight - 6, color,
                    $"{member.Name} #{span.Kernel} {span.Name}: {Ms(span.StartSeconds):0.####}–{Ms(span.EndSeconds):0.####} ms", "white");
            }
        }

        // Time axis with five ticks.
        double axisY = ganttTop + (lanes * LaneHeight) + 4;
        svg.Line(X(0), axisY, X(end), axisY, "#888");
        for (int tick = 0; tick <= 4; tick++)
        {
            double t = end * tick / 4;
            svg.Line(X(t), axisY, X(t), axisY + 4, "#888");
            svg.Text(X(t), axisY + 15, $"{Ms(t):0.###} ms", 10, "middle");
        }

        double bottom = utilizationTop + UtilizationHeight;
        svg.Rect(X(0), utilizationTop, PlotWidth, UtilizationHeight, "#f6f6f6");
        svg.Text(Margin, utilizationTop + 12, "SM use", 11, "start", "#4e79a7");
        svg.Text(Margin, utilizationTop + 26, "bandwidth use", 11, "start", "#e15759");
        svg.Polyline(Steps(result.Utilization, s => s.SmFraction, X, bottom), "#4e79a7", 1.5);
        svg.Polyline(Steps(result.Utilization, s => s.BandwidthFraction, X, bottom), "#e15759", 1.5);
        svg.Text(X(0) - 4, utilizationTop + 8, "100%", 9, "end");
        svg.Text(X(0) - 4, bottom, "0%", 9, "end");
        return svg.ToString();
    }

    private static IEnumerable<(double X, double Y)> Steps(
        IReadOnlyList<UtilizationSegment> segments, Func<UtilizationSegment, double> value, Func<double, double> x, double bottom)
    {
        foreach (UtilizationSegment segment in segments)
        {
            double y = bottom - (Math.Clamp(value(segment), 0, 1) * UtilizationHeight);
            yield return (x(segment.StartSeconds), y);
            yield return (x(segment.EndSeconds), y);
        }
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1000, 6);
}
