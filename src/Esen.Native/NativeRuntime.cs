using System.Runtime.CompilerServices;
using Esen.Native.Cublas;
using Esen.Native.Cuda;
using Esen.Native.Cudnn;
using Esen.Native.Interop;

namespace Esen.Native;

/// <summary>What the probe found for one native library.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Loaded">Whether the library loaded and answered its first call.</param>
/// <param name="Version">Its version, where it reports one.</param>
/// <param name="LoadedFrom">The name or path that loaded.</param>
/// <param name="Reason">Why it is unusable, when it is.</param>
/// <param name="Attempts">Every name tried, with its outcome.</param>
public sealed record LibraryAvailability(
    string Name,
    bool Loaded,
    string? Version,
    string? LoadedFrom,
    string? Reason,
    IReadOnlyList<string> Attempts);

/// <summary>The result of <see cref="NativeRuntime.Probe"/>: what native support this process has.</summary>
/// <param name="Cuda">The CUDA driver library.</param>
/// <param name="DriverVersion">The CUDA driver version (e.g. 12040), when the driver loaded.</param>
/// <param name="DeviceCount">CUDA devices visible after <c>cuInit(0)</c>; 0 when there is no driver.</param>
/// <param name="CudaReason">Why there is no usable CUDA device, when there is none.</param>
public sealed record NativeAvailability(
    LibraryAvailability Cuda,
    int? DriverVersion,
    int DeviceCount,
    string? CudaReason)
{
    /// <summary>cuBLAS (its version needs no GPU).</summary>
    public LibraryAvailability Cublas { get; init; } = NotProbed(NativeLibraries.Cublas);

    /// <summary>cuDNN (its version needs no GPU).</summary>
    public LibraryAvailability Cudnn { get; init; } = NotProbed(NativeLibraries.Cudnn);

    /// <summary>The properties of every device that answered, in ordinal order.</summary>
    public IReadOnlyList<CudaDeviceProperties> Devices { get; init; } = [];

    /// <summary>True when at least one CUDA device answered.</summary>
    public bool HasCudaDevice => DeviceCount > 0;

    /// <summary>
    /// Why CUDA device <paramref name="ordinal"/> cannot be used (the probe's reason when there is no device at all,
    /// else how many there are), or null when it answered the probe.
    /// </summary>
    public string? MissingDevice(int ordinal) =>
        ordinal >= 0 && ordinal < DeviceCount ? null
        : DeviceCount == 0 ? CudaReason ?? "no CUDA device answered"
        : $"this machine has {DeviceCount} CUDA device(s) (cuda:0 … cuda:{DeviceCount - 1})";

    /// <summary>True when cuBLAS loaded and reported its version.</summary>
    public bool HasCublas => Cublas.Loaded;

    /// <summary>True when cuDNN loaded and reported its version.</summary>
    public bool HasCudnn => Cudnn.Loaded;

    private static LibraryAvailability NotProbed(NativeLibraryDescriptor library) =>
        new(library.DisplayName, false, null, null, "not probed", []);
}

/// <summary>The single availability check that executors, tests and <c>esen doctor</c> use.</summary>
public static class NativeRuntime
{
    private static readonly Lazy<NativeAvailability> s_probe = new(ProbeNow);

    /// <summary>Probes every native library once per process. Never throws.</summary>
    public static NativeAvailability Probe() => s_probe.Value;

    private static NativeAvailability ProbeNow()
    {
        (LibraryAvailability cuda, int? driverVersion, int deviceCount, string? cudaReason) = ProbeCuda();
        (IReadOnlyList<CudaDeviceProperties> devices, string? deviceReason) = deviceCount > 0 ? ProbeDevices(deviceCount) : ([], null);
        return new NativeAvailability(cuda, driverVersion, devices.Count, cudaReason ?? deviceReason)
        {
            Cublas = ProbeMathLibrary(NativeLibraries.Cublas, CublasVersion),
            Cudnn = ProbeMathLibrary(NativeLibraries.Cudnn, CudnnVersion),
            Devices = devices,
        };
    }

    // A device that fails its property query is left out, and the reason says why.
    private static (IReadOnlyList<CudaDeviceProperties>, string?) ProbeDevices(int count)
    {
        var devices = new List<CudaDeviceProperties>(count);
        string? reason = null;
        for (int ordinal = 0; ordinal < count; ordinal++)
        {
            try
            {
                devices.Add(CudaDriver.GetProperties(CudaDriver.GetDevice(ordinal)));
            }
            catch (Exception ex) when (ex is Errors.EsenNativeException or DllNotFoundException or EntryPointNotFoundException)
            {
                reason = $"device {ordinal} did not answer: {ex.Message}";
            }
        }

        return (devices, reason);
    }

    private static LibraryAvailability ProbeMathLibrary(NativeLibraryDescriptor library, Func<string?> version)
    {
        LibraryLoadResult load = NativeLibraryResolver.Load(library);
        if (!load.IsLoaded)
        {
            return Unavailable(load, $"{library.DisplayName} not found");
        }

        try
        {
            return version() is string v
                ? new LibraryAvailability(library.DisplayName, true, v, load.LoadedFrom, null, load.Attempts)
                : Unavailable(load, $"{load.LoadedFrom} did not report its version");
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return Unavailable(load, $"{load.LoadedFrom} is unusable: {ex.Message}");
        }
    }

    private static string? CublasVersion() =>
        CublasHandle.LibraryVersion() is int v ? $"{v / 10000}.{v % 10000 / 100}.{v % 100}" : null;

    private static string? CudnnVersion() =>
        CudnnHandle.LibraryVersion() is long v ? CudnnHandle.FormatVersion(v) : null;

    private static (LibraryAvailability, int?, int, string?) ProbeCuda()
    {
        LibraryLoadResult load = NativeLibraryResolver.Load(NativeLibraries.Cuda);
        if (!load.IsLoaded)
        {
            string reason = $"{load.Library.DisplayName} not found";
            return (Unavailable(load, reason), null, 0, reason);
        }

        try
        {
            return CallCuda(load);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            string reason = $"{load.Library.DisplayName} is unusable: {ex.Message}";
            return (Unavailable(load, reason), null, 0, reason);
        }
    }

    // The first import is called from a non-inlined method so a missing entry point is caught here.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (LibraryAvailability, int?, int, string?) CallCuda(LibraryLoadResult load)
    {
        int? version = Interop.Interop.Cuda.cuDriverGetVersion(out int v) == CUresult.CUDA_SUCCESS ? v : null;
        var library = new LibraryAvailability(load.Library.DisplayName, true, FormatCudaVersion(version), load.LoadedFrom, null, load.Attempts);

        CUresult init = Interop.Interop.Cuda.cuInit(0);
        if (init != CUresult.CUDA_SUCCESS)
        {
            return (library, version, 0, $"cuInit(0) returned {init}");
        }

        CUresult count = Interop.Interop.Cuda.cuDeviceGetCount(out int devices);
        if (count != CUresult.CUDA_SUCCESS || devices == 0)
        {
            return (library, version, 0, count != CUresult.CUDA_SUCCESS ? $"cuDeviceGetCount returned {count}" : "the driver reports no CUDA device");
        }

        return (library, version, devices, null);
    }

    private static LibraryAvailability Unavailable(LibraryLoadResult load, string reason) =>
        new(load.Library.DisplayName, false, null, load.LoadedFrom, reason, load.Attempts);

    /// <summary>Formats a driver version integer (12040) as "12.4".</summary>
    public static string? FormatCudaVersion(int? version) =>
        version is int v ? $"{v / 1000}.{v % 1000 / 10}" : null;
}
