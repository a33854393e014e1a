using System.Text;

namespace Esen.Cli.Output;

/// <summary>
/// A plain-text table with aligned columns: readable in a terminal, stable in logs and tests
/// (no ANSI escapes). Columns whose header starts with '>' are right-aligned (numbers).
/// </summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    /// <summary>Creates a table; prefix a header with '>' to right-align its column.</summary>
    public TextTable(params string[] headers)
    {
        _rightAligned = [.. headers.Select(h => h.StartsWith('>'))];
        _headers = [.. headers.Select(h => h.TrimStart('>'))];
    }

    /// <summary>Adds one row; it must have one cell per column.</summary>
    public TextTable AddRow(params string[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"expected {_headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    /// <summary>Writes the table with a header rule.</summary>
    public void WriteTo(TextWriter writer)
    {
        int[] widths = [.. _headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max())];
        WriteLine(writer, _headers, widths);
        WriteLine(writer, [.. widths.Select(w => new string('-', w))], widths);
        foreach (string[] row in _rows)
        {
            WriteLine(writer, row, widths);
        }
    }

    private void WriteLine(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            line.Append(_rightAligned[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]));
        }

        writer.WriteLine(line.ToString().TrimEnd());
    }
}
