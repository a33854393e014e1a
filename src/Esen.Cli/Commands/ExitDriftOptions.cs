using System.CommandLine;
using System.Globalization;
using Esen.Runtime;

namespace Esen.Cli.Commands;

/// <summary>
/// The options of <c>esen run</c> and <c>esen serve</c> that re-plan a cascade when its observed exit ratios
/// drift from the planned ones (<see cref="ExitRatioDriftOptions"/>).
/// </summary>
internal sealed class ExitDriftOptions
{
    private readonly Option<double> _threshold = new("--replan-drift")
    {
        Description = "Cascades: re-plan when a stage's observed exit ratio differs from the planned one by more than this (0..1; 0 never re-plans).",
        DefaultValueFactory = _ => ExitRatioDriftOptions.DefaultThreshold,
    };

    private readonly Option<long> _minimumInputs = new("--replan-min-inputs")
    {
        Description = "Cascades: the inputs a stage must see since the last plan before its exit ratio counts.",
        DefaultValueFactory = _ => ExitRatioDriftOptions.DefaultMinimumInputs,
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_threshold);
        command.Options.Add(_minimumInputs);
    }

    /// <summary>The drift settings given; null when <c>--replan-drift 0</c> turns re-planning off.</summary>
    /// <exception cref="ArgumentException">A value out of range, naming the flag.</exception>
    public ExitRatioDriftOptions? Read(ParseResult parse)
    {
        double threshold = parse.GetValue(_threshold);
        if (threshold == 0)
        {
            return null;
        }

        var options = new ExitRatioDriftOptions { Threshold = threshold, MinimumInputs = parse.GetValue(_minimumInputs) };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            string flag = ex.ParamName == nameof(ExitRatioDriftOptions.Threshold) ? _threshold.Name : _minimumInputs.Name;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{flag} {ex.ActualValue} is out of range: the drift is in (0, 1), 0 turns it off; the inputs at least 1"), ex);
        }

        return options;
    }
}
