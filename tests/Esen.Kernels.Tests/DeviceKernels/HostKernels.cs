using Esen.Kernels.Cuda;
using Esen.Kernels.Cuda.Host;

namespace Esen.Kernels.Tests.DeviceKernels;

/// <summary>
/// Launches on the host build of kernels/*.cu (<see cref="HostKernelLibrary"/>), skipping where clang-19 is
/// missing (<see cref="KernelToolchain.RequireClangPlusPlus"/>) instead of failing.
/// </summary>
internal static class HostKernels
{
    /// <summary>Runs <paramref name="kernel"/> with <paramref name="grid"/> blocks of <paramref name="block"/> threads.</summary>
    public static void Launch<TArgs>(PtxKernel<TArgs> kernel, int grid, int block, in TArgs args)
        where TArgs : unmanaged
    {
        KernelToolchain.RequireClangPlusPlus();
        HostKernelLibrary.Launch(kernel, grid, block, args);
    }

    /// <summary>The launcher's status for the launch (0 launched, 1 unknown kernel, 2 argument size mismatch, 3 bad launch shape).</summary>
    public static int LaunchStatus<TArgs>(PtxKernel<TArgs> kernel, int grid, int block, in TArgs args)
        where TArgs : unmanaged
    {
        KernelToolchain.RequireClangPlusPlus();
        return HostKernelLibrary.LaunchStatus(kernel, grid, block, args);
    }
}
