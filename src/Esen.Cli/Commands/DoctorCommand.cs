using System.CommandLine;
using Esen.Cli.Output;
using Esen.Native;
using Esen.Native.Cuda;
using Esen.Native.Partitions;
using Esen.Solver.Milp;

namespace Esen.Cli.Commands;

/// <summary><c>esen doctor</c>: what native support and MILP backends this machine has, and why anything is missing.</summary>
public static class DoctorCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var verbose = new Option<bool>("--verbose", "-v") { Description = "List every library name tried, with its outcome." };
        var command = new Command("doctor", "Probe the native libraries (CUDA, cuBLAS, cuDNN), the MILP backends (OR-Tools) and CUDA devices.");
        command.Options.Add(verbose);
        command.SetAction(parse =>
        {
            Write(NativeRuntime.Probe(), [.. MilpBackends.All.Select(MilpBackends.Create)], parse.GetValue(verbose), parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Writes the probe and the MILP backends as tables, then the CUDA summary and, if asked, every attempt.</summary>
    public static void Write(NativeAvailability probe, IReadOnlyList<IMilpSolver> milpBackends, bool verbose, TextWriter output)
    {
        LibraryAvailability[] libraries = [probe.Cuda, probe.Cublas, probe.Cudnn];
        var table = new TextTable("library", "status", "version", "loaded from / reason");
        foreach (LibraryAvailability library in libraries)
        {
            table.AddRow(
                library.Name,
                library.Loaded ? "found" : "missing",
                library.Version ?? "-",
                library.Loaded ? library.LoadedFrom ?? "-" : $"{library.Reason}; tried {TriedNames(library)}");
        }

        table.WriteTo(output);
        output.WriteLine();
        var backends = new TextTable("MILP backend", "status", "version / reason");
        foreach (IMilpSolver backend in milpBackends)
        {
            backends.AddRow(backend.Name, backend.IsSupported ? "found" : "missing", backend.Availability);
        }

        backends.WriteTo(output);
        output.WriteLine();
        output.WriteLine(probe.HasCudaDevice
            ? $"CUDA devices: {probe.DeviceCount} (driver {NativeRuntime.FormatCudaVersion(probe.DriverVersion)})"
            : $"CUDA devices: none ({probe.CudaReason}); GPU work runs on the simulator, GPU tests skip.");
        if (probe.Devices.Count > 0)
        {
            WriteDevices(probe, output);
        }

        if (verbose)
        {
            output.WriteLine();
            foreach (LibraryAvailability library in libraries)
            {
                output.WriteLine($"{library.Name}:");
                foreach (string attempt in library.Attempts)
                {
                    output.WriteLine($"  {attempt}");
                }
            }
        }
    }

    private static void WriteDevices(NativeAvailability probe, TextWriter output)
    {
        output.WriteLine();
        var devices = new TextTable("device", "name", ">SMs", ">memory GiB", ">compute", "MPS");
        foreach (CudaDeviceProperties device in probe.Devices)
        {
            devices.AddRow(
                device.Device.ToString(),
                device.Name,
                device.SmCount.ToString(),
                (device.TotalMemoryBytes / (1024.0 * 1024 * 1024)).ToString("F1"),
                device.ComputeCapability,
                device.MpsEnabled ? "client" : "off");
        }

        devices.WriteTo(output);
        foreach (CudaDeviceProperties device in probe.Devices)
        {
            var capabilities = PartitionCapabilities.From(device, probe.DriverVersion ?? 0);
            output.WriteLine();
            output.WriteLine($"SM partitions on {device.Device} (automatic choice: {PartitionPlanner.Choose(capabilities).ToName()}):");
            var mechanisms = new TextTable("mechanism", "available", "why");
            foreach (MechanismAvailability mechanism in PartitionPlanner.Assess(capabilities))
            {
                mechanisms.AddRow(mechanism.Mechanism.ToName(), mechanism.Available ? "yes" : "no", mechanism.Reason);
            }

            mechanisms.WriteTo(output);
        }

        if (probe.Devices.Any(d => d.ComputeMajor >= 7 && !d.MpsEnabled))
        {
            output.WriteLine();
            output.WriteLine(MpsDaemonHint);
        }
    }

    /// <summary>
    /// How to start an MPS control daemon for MPS execution affinity: private pipe and log folders (so
    /// no root-owned /tmp/nvidia-mps is needed), started before Esen, Esen run in the same environment.
    /// </summary>
    public const string MpsDaemonHint = """
        MPS execution affinity needs the MPS control daemon running before Esen starts. With private folders:
          export CUDA_MPS_PIPE_DIRECTORY=/tmp/esen-mps/pipe CUDA_MPS_LOG_DIRECTORY=/tmp/esen-mps/log
          mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
          nvidia-cuda-mps-control -d
        then run esen from the same shell (the variables tell it where the daemon listens); stop the daemon with
          echo quit | nvidia-cuda-mps-control
        """;

    private static string TriedNames(LibraryAvailability library) =>
        string.Join(", ", library.Attempts.Select(a => a[..a.IndexOf(':', StringComparison.Ordinal)]));
}
