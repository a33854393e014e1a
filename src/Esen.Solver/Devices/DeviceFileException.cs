namespace Esen.Solver.Devices;

/// <summary>A device file that cannot be used; the message names the file and the field.</summary>
public sealed class DeviceFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="file"/> and the JSON path <paramref name="field"/>.</summary>
    public DeviceFileException(string file, string field, string problem, Exception? inner = null)
        : base($"{file}: {field}: {problem}", inner)
    {
        File = file;
        Field = field;
    }

    /// <summary>The device file.</summary>
    public string File { get; }

    /// <summary>The JSON path of the offending field, e.g. <c>devices[2].sms</c>.</summary>
    public string Field { get; }
}
