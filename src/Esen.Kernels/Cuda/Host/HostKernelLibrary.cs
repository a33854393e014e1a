using System.Runtime.InteropServices;

namespace Esen.Kernels.Cuda.Host;

/// <summary>
/// The kernels of kernels/*.cu built for the host (kernels/host/esen_host_kernels.cpp, the same sources
/// through the esen_cuda.h shim: one std::thread per CUDA thread, std::barrier per block) into a shared
/// library (<see cref="HostToolchain.CachedBuild"/>), loaded once per process. Launches take the same
/// <see cref="CudaKernelArgs"/> structs the GPU path takes, as the packed parameter buffer; pointers are
/// host addresses.
/// </summary>
internal static class HostKernelLibrary
{
    private static readonly string[] s_flags = ["-std=c++20", "-O1", "-fPIC", "-shared", "-pthread", "-Wall", "-Wextra", "-Werror"];

    private static readonly Lazy<LaunchPacked> s_launch = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int LaunchPacked([MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint grid, uint block, byte[] args, nuint size);

    /// <summary>Builds (or finds in the cache) and loads the library.</summary>
    /// <exception cref="NotSupportedException">clang++ is missing.</exception>
    /// <exception cref="InvalidOperationException">The build failed.</exception>
    public static void EnsureLoaded() => _ = s_launch.Value;

    /// <summary>Runs <paramref name="kernel"/> with <paramref name="grid"/> blocks of <paramref name="block"/> threads.</summary>
    /// <exception cref="InvalidOperationException">The launcher refused the launch.</exception>
    public static void Launch<TArgs>(PtxKernel<TArgs> kernel, int grid, int block, in TArgs args)
        where TArgs : unmanaged
    {
        int status = LaunchStatus(kernel, grid, block, args);
        if (status != 0)
        {
            throw new InvalidOperationException(
                $"{kernel.EntryPoint}: host launch failed with status {status} (1 unknown kernel, 2 argument size mismatch, 3 bad launch shape)");
        }
    }

    /// <summary>As <see cref="Launch{TArgs}"/>, returning the launcher's status (0 = launched) instead of throwing.</summary>
    public static int LaunchStatus<TArgs>(PtxKernel<TArgs> kernel, int grid, int block, in TArgs args)
        where TArgs : unmanaged
    {
        byte[] packed = MemoryMarshal.AsBytes(new ReadOnlySpan<TArgs>(in args)).ToArray();
        return s_launch.Value(kernel.EntryPoint, (uint)grid, (uint)block, packed, (nuint)packed.Length);
    }

    private static LaunchPacked Load()
    {
        string path = HostToolchain.CachedBuild("libesen_kernels_host.so", "host/esen_host_kernels.cpp", s_flags);
        IntPtr library = NativeLibrary.Load(path);
        return Marshal.GetDelegateForFunctionPointer<LaunchPacked>(NativeLibrary.GetExport(library, "esen_host_launch_packed"));
    }
}
