using System.Globalization;
using System.Security;
using System.Text;

namespace Esen.Solver.Reports;

/// <summary>
/// A minimal SVG 1.1 writer: rectangles, lines, polylines and text in user units, with escaping. Just
/// enough for Gantt charts and utilisation plots; no plotting library is available here.
/// </summary>
public sealed class SvgWriter
{
    private readonly StringBuilder _body = new();

    /// <summary>Creates a drawing of the given size.</summary>
    public SvgWriter(double width, double height)
    {
        Width = width;
        Height = height;
    }

    /// <summary>Width in user units (pixels).</summary>
    public double Width { get; }

    /// <summary>Height in user units (pixels).</summary>
    public double Height { get; }

    /// <summary>A filled rectangle, with an optional tooltip.</summary>
    public SvgWriter Rect(double x, double y, double width, double height, string fill, string? title = null, string? stroke = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(width, 0))}\" height=\"{F(Math.Max(height, 0))}\" fill=\"{Escape(fill)}\"");
        if (stroke is not null)
        {
            _body.Append(CultureInfo.InvariantCulture, $" stroke=\"{Escape(stroke)}\" stroke-width=\"0.5\"");
        }

        _body.Append(title is null ? "/>\n" : $"><title>{Escape(title)}</title></rect>\n");
        return this;
    }

    /// <summary>A straight line.</summary>
    public SvgWriter Line(double x1, double y1, double x2, double y2, string stroke, double width = 1)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{Escape(stroke)}\" stroke-width=\"{F(width)}\"/>\n");
        return this;
    }

    /// <summary>An open polyline through the points.</summary>
    public SvgWriter Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1)
    {
        string coordinates = string.Join(" ", points.Select(p => $"{F(p.X)},{F(p.Y)}"));
        _body.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{coordinates}\" fill=\"none\" stroke=\"{Escape(stroke)}\" stroke-width=\"{F(width)}\"/>\n");
        return this;
    }

    /// <summary>Text with its baseline at (x, y); anchor is "start", "middle" or "end".</summary>
    public SvgWriter Text(double x, double y, string text, double size = 11, string anchor = "start", string fill = "#222")
    {
        _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" font-size=\"{F(size)}\" text-anchor=\"{anchor}\" fill=\"{Escape(fill)}\">{Escape(text)}</text>\n");
        return this;
    }

    /// <summary>The complete document.</summary>
    public override string ToString() =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(Height)}\" viewBox=\"0 0 {F(Width)} {F(Height)}\" font-family=\"sans-serif\">\n" +
        $"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{_body}</svg>\n";

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
