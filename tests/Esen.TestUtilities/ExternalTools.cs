using System.Diagnostics;

namespace Esen.TestUtilities;

/// <summary>
/// Programs Esen did not write, run as independent clients and readers: Debian's Python with the packages
/// scripts/bootstrap.sh installs (grpcio, protobuf, PyYAML), and the shell.
/// </summary>
public static class ExternalTools
{
    /// <summary>
    /// The first of <c>python3</c> (PATH) and <c>/usr/bin/python3</c> that imports <paramref name="modules"/>, or null:
    /// PATH's python3 may be another installation than Debian's, which holds the packages.
    /// </summary>
    public static async Task<string?> PythonWithModulesAsync(string modules)
    {
        foreach (string candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                if ((await RunAsync(candidate, ["-c", $"import {modules}"])).Exit == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }

        return null;
    }

    /// <summary>Runs <paramref name="program"/> to its end (at most two minutes) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
