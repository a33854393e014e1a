using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Esen.Solver.Reports;

/// <summary>
/// A self-contained HTML page (no scripts, fonts or files beside it, so it opens offline): headings, paragraphs,
/// tables and figures whose SVG charts are inlined. Every text is HTML-encoded.
/// </summary>
public sealed class HtmlReport
{
    private static readonly Regex s_id = new("(id=\"|url\\(#)([A-Za-z_][\\w.-]*)", RegexOptions.CultureInvariant);

    private readonly StringBuilder _body = new();
    private readonly string _title;

    /// <summary>Starts a page with <paramref name="title"/> as its title and first heading.</summary>
    public HtmlReport(string title)
    {
        _title = title;
        Heading(1, title);
    }

    /// <summary>The number of figures added so far.</summary>
    public int Figures { get; private set; }

    /// <summary>Adds a heading of <paramref name="level"/> 1–3.</summary>
    public HtmlReport Heading(int level, string text)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 3);
        _body.Append($"<h{level}>").Append(WebUtility.HtmlEncode(text)).AppendLine($"</h{level}>");
        return this;
    }

    /// <summary>Adds a paragraph.</summary>
    public HtmlReport Paragraph(string text)
    {
        _body.Append("<p>").Append(WebUtility.HtmlEncode(text)).AppendLine("</p>");
        return this;
    }

    /// <summary>Adds a table; cells that parse as numbers are right-aligned.</summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        _body.AppendLine("<table><thead><tr>");
        foreach (string header in headers)
        {
            _body.Append("<th>").Append(WebUtility.HtmlEncode(header)).Append("</th>");
        }

        _body.AppendLine("</tr></thead><tbody>");
        foreach (IReadOnlyList<string> row in rows)
        {
            _body.Append("<tr>");
            foreach (string cell in row)
            {
                bool number = double.TryParse(cell.TrimEnd('%', '×', 'x'), System.Globalization.CultureInfo.InvariantCulture, out _);
                _body.Append(number ? "<td class=\"n\">" : "<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            }

            _body.AppendLine("</tr>");
        }

        _body.AppendLine("</tbody></table>");
        return this;
    }

    /// <summary>Adds an SVG document (as the charts write it) inline, with a caption.</summary>
    public HtmlReport Figure(string svgDocument, string caption)
    {
        ArgumentNullException.ThrowIfNull(svgDocument);
        int start = svgDocument.IndexOf("<svg", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new ArgumentException("not an SVG document", nameof(svgDocument));
        }

        // Every inline SVG shares the page's id namespace, and OxyPlot numbers its clip paths from 1 in each chart, so
        // a later chart would clip to an earlier one's rectangles: its ids get the figure's prefix.
        Figures++;
        string prefix = $"f{Figures}-";
        string svg = s_id.Replace(svgDocument[start..], m => m.Groups[1].Value + prefix + m.Groups[2].Value);
        _body.AppendLine($"<figure id=\"figure-{Figures}\">").AppendLine(svg)
            .Append("<figcaption>Figure ").Append(Figures).Append(". ").Append(WebUtility.HtmlEncode(caption)).AppendLine("</figcaption></figure>");
        return this;
    }

    /// <summary>The page.</summary>
    public override string ToString() =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + WebUtility.HtmlEncode(_title) + "</title>\n" +
        "<style>body{font-family:sans-serif;max-width:1040px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}" +
        "th,td{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right}figure{margin:1.5em 0}figcaption{color:#555}</style>\n" +
        "</head><body>\n" + _body + "</body></html>\n";
}
