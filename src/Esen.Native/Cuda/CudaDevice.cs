namespace Esen.Native.Cuda;

/// <summary>A CUDA device ordinal (the driver's <c>CUdevice</c>), kept apart from other integers.</summary>
/// <param name="Ordinal">The device index, 0-based, in the driver's enumeration order.</param>
public readonly record struct CudaDevice(int Ordinal)
{
    /// <inheritdoc/>
    public override string ToString() => $"cuda:{Ordinal}";
}

/// <summary>A device address (the driver's <c>CUdeviceptr</c>), kept apart from sizes and ordinals.</summary>
/// <param name="Address">The address in the device's (unified) address space.</param>
public readonly record struct DevicePtr(ulong Address)
{
    /// <summary>The null device pointer.</summary>
    public static DevicePtr Null => default;

    /// <summary>The address <paramref name="bytes"/> further on.</summary>
    public DevicePtr Offset(ulong bytes) => new(Address + bytes);

    /// <inheritdoc/>
    public override string ToString() => $"0x{Address:x}";
}

/// <summary>A kernel grid or block size.</summary>
/// <param name="X">Extent in x (at least 1).</param>
/// <param name="Y">Extent in y (at least 1).</param>
/// <param name="Z">Extent in z (at least 1).</param>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1)
{
    /// <summary>A one-dimensional extent.</summary>
    public static implicit operator Dim3(uint x) => new(x);

    /// <summary>A one-dimensional extent (the named form of the implicit conversion).</summary>
    public static Dim3 FromUInt32(uint x) => new(x);
}

/// <summary>What the driver reports about one device.</summary>
/// <param name="Device">The device.</param>
/// <param name="Name">Its marketing name (e.g. "NVIDIA A100-SXM4-40GB").</param>
/// <param name="SmCount">Streaming multiprocessors visible to this process.</param>
/// <param name="TotalMemoryBytes">Device memory.</param>
/// <param name="ComputeMajor">Compute capability, major.</param>
/// <param name="ComputeMinor">Compute capability, minor.</param>
/// <param name="MpsEnabled">Whether this process is an MPS client (<c>CU_DEVICE_ATTRIBUTE_MPS_ENABLED</c>).</param>
/// <param name="ExecAffinitySupported">Whether contexts can be created with an SM count (needs Volta+ MPS).</param>
public sealed record CudaDeviceProperties(
    CudaDevice Device,
    string Name,
    int SmCount,
    ulong TotalMemoryBytes,
    int ComputeMajor,
    int ComputeMinor,
    bool MpsEnabled,
    bool ExecAffinitySupported)
{
    /// <summary>The compute capability as "8.0".</summary>
    public string ComputeCapability => $"{ComputeMajor}.{ComputeMinor}";
}
