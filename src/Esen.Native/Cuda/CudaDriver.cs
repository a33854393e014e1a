using System.Text;
using Esen.Native.Errors;
using Esen.Native.Interop;

namespace Esen.Native.Cuda;

/// <summary>Driver-wide queries: initialisation, version, devices and their properties.</summary>
public static class CudaDriver
{
    private static readonly Lazy<int> s_version = new(InitializeNow);

    /// <summary>
    /// Initialises the driver once (<c>cuInit(0)</c>) and returns its version (e.g. 12040). Throws
    /// <see cref="NativeLibraryNotFoundException"/> or <see cref="CudaException"/> when there is none.
    /// </summary>
    public static int Version => s_version.Value;

    /// <summary>The number of visible devices.</summary>
    public static int DeviceCount
    {
        get
        {
            _ = Version;
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceGetCount(out int count));
            return count;
        }
    }

    /// <summary>The device with the given ordinal.</summary>
    public static CudaDevice GetDevice(int ordinal)
    {
        _ = Version;
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceGet(out int device, ordinal));
        return new CudaDevice(device);
    }

    /// <summary>Reads the properties Esen plans with.</summary>
    public static CudaDeviceProperties GetProperties(CudaDevice device)
    {
        _ = Version;
        Span<byte> name = stackalloc byte[256];
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceGetName(name, device.Ordinal));
        int length = name.IndexOf((byte)0);
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceTotalMem(out nuint memory, device.Ordinal));
        return new CudaDeviceProperties(
            device,
            Encoding.UTF8.GetString(length < 0 ? name : name[..length]),
            GetAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
            memory,
            GetAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
            GetAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
            GetAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MPS_ENABLED) != 0,
            ExecAffinitySupported(device));
    }

    /// <summary>Free and total device memory of the current context's device.</summary>
    public static (ulong Free, ulong Total) MemoryInfo(CudaContext context)
    {
        using (context.Push())
        {
            CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuMemGetInfo(out nuint free, out nuint total));
            return (free, total);
        }
    }

    internal static int GetAttribute(CudaDevice device, CUdevice_attribute attribute)
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDeviceGetAttribute(out int value, attribute, device.Ordinal));
        return value;
    }

    // Pre-11.4 drivers lack the entry point, and a failing query means "not supported" as well.
    private static bool ExecAffinitySupported(CudaDevice device)
    {
        try
        {
            return Interop.Interop.Cuda.cuDeviceGetExecAffinitySupport(
                out int supported, CUexecAffinityType.CU_EXEC_AFFINITY_TYPE_SM_COUNT, device.Ordinal) == CUresult.CUDA_SUCCESS
                && supported != 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static int InitializeNow()
    {
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuInit(0));
        CudaException.ThrowIfFailed(Interop.Interop.Cuda.cuDriverGetVersion(out int version));
        return version;
    }
}
