using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>CUDA driver API: modules, functions and launches (cuda.h).</summary>
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda)]
        private static unsafe partial CUresult cuModuleLoadDataEx(
            out SafeCudaModuleHandle module, byte* image, uint numOptions, CUjit_option* options, void** optionValues);

        /// <summary>
        /// Loads a NUL-terminated PTX (or cubin) image with <c>CU_JIT_ERROR_LOG_BUFFER</c>; on return
        /// <paramref name="errorLogLength"/> holds the bytes the JIT wrote into <paramref name="errorLog"/>.
        /// </summary>
        internal static unsafe CUresult cuModuleLoadDataEx(
            out SafeCudaModuleHandle module, ReadOnlySpan<byte> image, Span<byte> errorLog, out int errorLogLength)
        {
            CUjit_option* options = stackalloc CUjit_option[2];
            void** values = stackalloc void*[2];
            options[0] = CUjit_option.CU_JIT_ERROR_LOG_BUFFER;
            options[1] = CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
            fixed (byte* imagePointer = image)
            fixed (byte* log = errorLog)
            {
                values[0] = log;

                // The size option is passed by value in the pointer slot and overwritten with the bytes used.
                values[1] = (void*)(nuint)errorLog.Length;
                CUresult result = cuModuleLoadDataEx(out module, imagePointer, 2, options, values);
                errorLogLength = (int)Math.Min((nuint)values[1], (nuint)errorLog.Length);
                return result;
            }
        }

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuModuleUnload(IntPtr hmod);

        [LibraryImport(Libraries.Cuda, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial CUresult cuModuleGetFunction(out IntPtr hfunc, SafeCudaModuleHandle hmod, string name);

        /// <summary><c>cuLaunchKernel</c>; <paramref name="kernelParams"/> holds one pointer per kernel parameter.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static unsafe partial CUresult cuLaunchKernel(
            IntPtr f,
            uint gridDimX, uint gridDimY, uint gridDimZ,
            uint blockDimX, uint blockDimY, uint blockDimZ,
            uint sharedMemBytes, SafeCudaStreamHandle hStream, void** kernelParams, void** extra);
    }
}
