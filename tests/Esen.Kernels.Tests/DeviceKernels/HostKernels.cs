using System.Runtime.InteropServices;
using Esen.Kernels.Cuda;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// The kernels of kernels/*.cu built for the host (kernels/host/esen_host_kernels.cpp, the same
/// sources through the esen_cuda.h shim: one std::thread per CUDA thread, std::barrier per block)
/// into a test-only shared library, loaded with <see cref="NativeLibrary.Load(string)"/> from its
/// build path. Launches take the same <see cref="CudaKernelArgs"/> structs the GPU path takes,
/// as the packed parameter buffer; pointers are host addresses (<see cref="HostBuffer"/>).
/// </summary>
internal static class HostKernels
{
    private static readonly string[] s_compileArguments =
    [
        "-std=c++20", "-O1", "-fPIC", "-shared", "-pthread", "-Wall", "-Wextra", "-Werror",
        Path.Combine(KernelToolchain.KernelsDirectory, "host", "esen_host_kernels.cpp"),
    ];

    private static readonly Lazy<LaunchPacked> s_launch = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int LaunchPacked(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint grid, uint block, byte[] args, nuint size);

    /// <summary>Runs <paramref name="kernel"/> with <paramref name="grid"/> blocks of <paramref name="block"/> threads.</summary>
    public static void Launch<TArgs>(PtxKernel<TArgs> kernel, int grid, int block, in TArgs args)
        where TArgs : unmanaged
    {
        int status = LaunchStatus(kernel, grid, block, args);
        Assert.True(
            status == 0,
            $"{kernel.EntryPoint}: host launch failed with status {status} (1 unknown kernel, 2 argument size mismatch, 3 bad launch shape)");
    }

    /// <summary>As <see cref="Launch{TArgs}"/>, returning the launcher's status instead of asserting it is 0.</summary>
    public static int LaunchStatus<TArgs>(PtxKernel<TArgs> kernel, int grid, int block, in TArgs args)
        where TArgs : unmanaged
    {
        KernelToolchain.RequireClangPlusPlus();
        byte[] packed = MemoryMarshal.AsBytes(new ReadOnlySpan<TArgs>(in args)).ToArray();
        return s_launch.Value(kernel.EntryPoint, (uint)grid, (uint)block, packed, (nuint)packed.Length);
    }

    private static LaunchPacked Load()
    {
        string path = KernelToolchain.CachedBuild("libesen_kernels_host.so", s_compileArguments);
        IntPtr library = NativeLibrary.Load(path);
        return Marshal.GetDelegateForFunctionPointer<LaunchPacked>(NativeLibrary.GetExport(library, "esen_host_launch_packed"));
    }
}
