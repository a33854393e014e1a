using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Esen.Solver.Reports;

/// <summary>A named curve of a <see cref="Charts.Lines"/> chart.</summary>
/// <param name="Name">The legend entry.</param>
/// <param name="Points">The points, in x order.</param>
/// <param name="Marked">Points to mark on the curve (e.g. a planned share), drawn as filled circles.</param>
public sealed record ChartCurve(string Name, IReadOnlyList<(double X, double Y)> Points, IReadOnlyList<(double X, double Y)>? Marked = null);

/// <summary>A named group of values of a <see cref="Charts.Bars"/> chart, one value per category.</summary>
/// <param name="Name">The legend entry.</param>
/// <param name="Values">One value per category, in category order.</param>
public sealed record ChartBars(string Name, IReadOnlyList<double> Values);

/// <summary>
/// Line and bar charts as standalone SVG documents, drawn by OxyPlot.Core, in one style with the timeline chart
/// (<see cref="TimelineReport.ToSvg"/>): white background, dotted grid, legend outside the plot.
/// </summary>
public static class Charts
{
    /// <summary>
    /// The charts' font. OxyPlot's SVG exporter lays text out with Arial's metrics, so the SVG names Arial too (browsers
    /// without it use a metric-compatible face such as Liberation Sans), and labels fit the space measured for them.
    /// </summary>
    public const string ChartFont = "Arial";

    private const double Width = 720;
    private const double Height = 400;

    /// <summary>Curves over a shared linear x axis, each with its marked points.</summary>
    public static string Lines(string title, string xTitle, string yTitle, IReadOnlyList<ChartCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        PlotModel model = Model(title);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xTitle, MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, MajorGridlineStyle = LineStyle.Dot, Minimum = 0 });
        for (int i = 0; i < curves.Count; i++)
        {
            OxyColor color = OxyColor.Parse(TimelineReport.LaneColor(i));
            var line = new LineSeries { Title = curves[i].Name, Color = color, StrokeThickness = 1.5 };
            line.Points.AddRange(curves[i].Points.Select(p => new DataPoint(p.X, p.Y)));
            model.Series.Add(line);
            if (curves[i].Marked is { Count: > 0 } marked)
            {
                var marks = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 5, MarkerFill = color, RenderInLegend = false };
                marks.Points.AddRange(marked.Select(p => new ScatterPoint(p.X, p.Y)));
                model.Series.Add(marks);
            }
        }

        return SvgExporter.ExportToString(model, Width, Height, isDocument: true);
    }

    /// <summary>Grouped horizontal bars: one group per category, one bar per <see cref="ChartBars"/> in each.</summary>
    public static string Bars(string title, string valueTitle, IReadOnlyList<string> categories, IReadOnlyList<ChartBars> groups)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(groups);
        PlotModel model = Model(title);
        model.PlotMargins = LeftMarginFor(categories);
        var axis = new CategoryAxis { Position = AxisPosition.Left };
        axis.Labels.AddRange(categories);
        model.Axes.Add(axis);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = valueTitle, MajorGridlineStyle = LineStyle.Dot, Minimum = 0 });
        for (int i = 0; i < groups.Count; i++)
        {
            var bars = new BarSeries { Title = groups[i].Name, FillColor = OxyColor.Parse(TimelineReport.LaneColor(i)) };
            bars.Items.AddRange(groups[i].Values.Select(v => new BarItem(v)));
            model.Series.Add(bars);
        }

        return SvgExporter.ExportToString(model, Width, Math.Max(220, 80 + (categories.Count * groups.Count * 22)), isDocument: true);
    }

    private static PlotModel Model(string title)
    {
        var model = new PlotModel { Title = title, TitleFontSize = 13, Background = OxyColors.White, DefaultFont = ChartFont };
        model.Legends.Add(Legend());
        return model;
    }

    /// <summary>The legend of every chart: inside the plot, top right, on a white box, so no label runs past the SVG's edge.</summary>
    internal static Legend Legend() => new()
    {
        LegendPosition = LegendPosition.TopRight, LegendPlacement = LegendPlacement.Inside,
        LegendBackground = OxyColor.FromAColor(220, OxyColors.White), LegendBorder = OxyColors.LightGray,
    };

    /// <summary>
    /// A left margin that fits <paramref name="labels"/>: the exporter's text measurer falls short of what browsers draw,
    /// so labels of an automatic margin are cut at the SVG's edge; 7 px per character fits 12 px Arial.
    /// </summary>
    internal static OxyThickness LeftMarginFor(IEnumerable<string> labels) =>
        new(40 + (7 * labels.Select(l => l.Length).DefaultIfEmpty(0).Max()), double.NaN, double.NaN, double.NaN);
}
