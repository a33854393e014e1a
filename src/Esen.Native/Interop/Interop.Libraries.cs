namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>Logical library names for <c>[LibraryImport]</c>; the resolver maps them to files.</summary>
    internal static class Libraries
    {
        internal const string Cuda = "esen-cuda";
        internal const string Cublas = "esen-cublas";
        internal const string Cudnn = "esen-cudnn";
    }
}

/// <summary>The native libraries Esen can use, with their probe lists (gpu-facts §1.1, dependencies §1).</summary>
public static class NativeLibraries
{
    /// <summary>The CUDA driver API.</summary>
    public static NativeLibraryDescriptor Cuda { get; } = new(
        Interop.Libraries.Cuda, "CUDA driver", "ESEN_CUDA_PATH",
        OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"]);

    /// <summary>cuBLAS, CUDA 13 first, then CUDA 12.</summary>
    public static NativeLibraryDescriptor Cublas { get; } = new(
        Interop.Libraries.Cublas, "cuBLAS", "ESEN_CUBLAS_PATH",
        OperatingSystem.IsWindows()
            ? ["cublas64_13.dll", "cublas64_12.dll"]
            : ["libcublas.so.13", "libcublas.so.12", "libcublas.so"]);

    /// <summary>cuDNN 9 (the shim library that loads its sub-libraries itself).</summary>
    public static NativeLibraryDescriptor Cudnn { get; } = new(
        Interop.Libraries.Cudnn, "cuDNN", "ESEN_CUDNN_PATH",
        OperatingSystem.IsWindows() ? ["cudnn64_9.dll"] : ["libcudnn.so.9", "libcudnn.so"]);

    /// <summary>All of them, in the order the doctor reports them.</summary>
    public static IReadOnlyList<NativeLibraryDescriptor> All { get; } = [Cuda, Cublas, Cudnn];
}
