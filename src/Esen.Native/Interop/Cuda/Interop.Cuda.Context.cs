using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>CUDA driver API: contexts (cuda.h, gpu-facts §1.3).</summary>
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDevicePrimaryCtxRetain(out IntPtr pctx, int dev);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
        internal static partial CUresult cuDevicePrimaryCtxRelease(int dev);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuCtxCreate_v3")]
        private static unsafe partial CUresult cuCtxCreate_v3(
            out SafeCudaContextHandle pctx, CUexecAffinityParam* paramsArray, int numParams, uint flags, int dev);

        /// <summary><c>cuCtxCreate_v3</c> (CUDA 11.4–12.x headers) with execution-affinity parameters.</summary>
        internal static unsafe CUresult cuCtxCreate_v3(
            out SafeCudaContextHandle pctx, ReadOnlySpan<CUexecAffinityParam> affinity, uint flags, int dev)
        {
            fixed (CUexecAffinityParam* p = affinity)
            {
                return cuCtxCreate_v3(out pctx, p, affinity.Length, flags, dev);
            }
        }

        /// <summary><c>cuCtxCreate_v4</c> (CUDA ≥ 12.5; plain <c>cuCtxCreate</c> in CUDA 13 headers).</summary>
        [LibraryImport(Libraries.Cuda, EntryPoint = "cuCtxCreate_v4")]
        internal static partial CUresult cuCtxCreate_v4(out SafeCudaContextHandle pctx, ref CUctxCreateParams ctxCreateParams, uint flags, int dev);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuCtxDestroy_v2")]
        internal static partial CUresult cuCtxDestroy(IntPtr ctx);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuCtxPushCurrent_v2")]
        internal static partial CUresult cuCtxPushCurrent(IntPtr ctx);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuCtxPushCurrent_v2")]
        internal static partial CUresult cuCtxPushCurrent(SafeCudaContextHandle ctx);

        [LibraryImport(Libraries.Cuda, EntryPoint = "cuCtxPopCurrent_v2")]
        internal static partial CUresult cuCtxPopCurrent(out IntPtr pctx);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuCtxSynchronize();

        /// <summary>Reads the execution affinity of the CURRENT context.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuCtxGetExecAffinity(out CUexecAffinityParam pExecAffinity, CUexecAffinityType type);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuCtxGetDevResource(SafeCudaContextHandle hCtx, out CUdevResource resource, CUdevResourceType type);
    }
}
