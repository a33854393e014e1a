using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>CUDA driver API: green contexts (CUDA ≥ 12.4; gpu-facts §1.4).</summary>
    internal static partial class Cuda
    {
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuDeviceGetDevResource(int device, out CUdevResource resource, CUdevResourceType type);

        [LibraryImport(Libraries.Cuda)]
        private static unsafe partial CUresult cuDevSmResourceSplitByCount(
            CUdevResource* result, uint* nbGroups, CUdevResource* input, CUdevResource* remaining, uint useFlags, uint minCount);

        /// <summary>
        /// Splits <paramref name="input"/> into groups of at least <paramref name="minCount"/> SMs. An empty
        /// <paramref name="result"/> is a dry run that only counts the groups; otherwise
        /// <paramref name="groupCount"/> returns how many of <paramref name="result"/> were written.
        /// </summary>
        internal static unsafe CUresult cuDevSmResourceSplitByCount(
            Span<CUdevResource> result, out uint groupCount, in CUdevResource input, out CUdevResource remaining, uint useFlags, uint minCount)
        {
            uint groups = (uint)result.Length;
            CUdevResource copy = input;
            CUdevResource rest = default;
            fixed (CUdevResource* results = result)
            {
                CUresult status = cuDevSmResourceSplitByCount(result.IsEmpty ? null : results, &groups, &copy, &rest, useFlags, minCount);
                groupCount = groups;
                remaining = rest;
                return status;
            }
        }

        [LibraryImport(Libraries.Cuda)]
        private static unsafe partial CUresult cuDevResourceGenerateDesc(out IntPtr phDesc, CUdevResource* resources, uint nbResources);

        /// <summary>One descriptor for several SM groups, which must come from the same split.</summary>
        internal static unsafe CUresult cuDevResourceGenerateDesc(out IntPtr phDesc, ReadOnlySpan<CUdevResource> resources)
        {
            fixed (CUdevResource* p = resources)
            {
                return cuDevResourceGenerateDesc(out phDesc, p, (uint)resources.Length);
            }
        }

        /// <summary>Creates a green context; <paramref name="flags"/> must include CU_GREEN_CTX_DEFAULT_STREAM.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGreenCtxCreate(out SafeCudaGreenContextHandle phCtx, IntPtr desc, int dev, uint flags);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGreenCtxDestroy(IntPtr hCtx);

        /// <summary>The CUcontext view of a green context; it is owned by the green context.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuCtxFromGreenCtx(out IntPtr pContext, SafeCudaGreenContextHandle hCtx);

        /// <summary>CUDA ≥ 12.5; <paramref name="flags"/> must be CU_STREAM_NON_BLOCKING.</summary>
        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGreenCtxStreamCreate(out SafeCudaStreamHandle phStream, SafeCudaGreenContextHandle greenCtx, uint flags, int priority);

        [LibraryImport(Libraries.Cuda)]
        internal static partial CUresult cuGreenCtxGetDevResource(SafeCudaGreenContextHandle hCtx, out CUdevResource resource, CUdevResourceType type);
    }
}
