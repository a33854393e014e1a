using System.Runtime.InteropServices;
using Esen.Native.Cublas;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>
    /// cuBLAS (cublas_api.h; CUDA 12 and 13 keep the <c>_v2</c> entry points, gpu-facts §1.5). Matrices
    /// are column-major; device pointers are <c>ulong</c>; alpha/beta are host pointers (the default
    /// pointer mode).
    /// </summary>
    internal static partial class Cublas
    {
        [LibraryImport(Libraries.Cublas, EntryPoint = "cublasCreate_v2")]
        internal static partial cublasStatus_t cublasCreate(out SafeCublasHandle handle);

        [LibraryImport(Libraries.Cublas, EntryPoint = "cublasDestroy_v2")]
        internal static partial cublasStatus_t cublasDestroy(IntPtr handle);

        [LibraryImport(Libraries.Cublas, EntryPoint = "cublasSetStream_v2")]
        internal static partial cublasStatus_t cublasSetStream(SafeCublasHandle handle, SafeCudaStreamHandle streamId);

        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasSetMathMode(SafeCublasHandle handle, CublasMath mode);

        /// <summary>
        /// <c>cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *workspace, size_t workspaceSizeInBytes)</c>
        /// (cublas_api.h): a user-owned workspace, so cuBLAS never allocates its own, which a stream capture forbids.
        /// </summary>
        [LibraryImport(Libraries.Cublas, EntryPoint = "cublasSetWorkspace_v2")]
        internal static partial cublasStatus_t cublasSetWorkspace(SafeCublasHandle handle, ulong workspace, nuint workspaceSizeInBytes);

        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasSetSmCountTarget(SafeCublasHandle handle, int smCountTarget);

        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasGetSmCountTarget(SafeCublasHandle handle, out int smCountTarget);

        /// <summary><c>const char* cublasGetStatusString(cublasStatus_t)</c>; the string is static.</summary>
        [LibraryImport(Libraries.Cublas)]
        internal static partial IntPtr cublasGetStatusString(cublasStatus_t status);

        /// <summary>Library version without a handle (no GPU needed).</summary>
        [LibraryImport(Libraries.Cublas)]
        internal static partial cublasStatus_t cublasGetProperty(libraryPropertyType type, out int value);

        [LibraryImport(Libraries.Cublas, EntryPoint = "cublasGetVersion_v2")]
        internal static partial cublasStatus_t cublasGetVersion(SafeCublasHandle handle, out int version);

        [LibraryImport(Libraries.Cublas, EntryPoint = "cublasSgemm_v2")]
        private static unsafe partial cublasStatus_t cublasSgemm(
            SafeCublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

        internal static unsafe cublasStatus_t cublasSgemm(
            SafeCublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc) =>
            cublasSgemm(handle, transa, transb, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);

        [LibraryImport(Libraries.Cublas)]
        private static unsafe partial cublasStatus_t cublasGemmEx(
            SafeCublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            void* alpha, ulong a, CudaDataType aType, int lda, ulong b, CudaDataType bType, int ldb,
            void* beta, ulong c, CudaDataType cType, int ldc, CublasComputeType computeType, CublasGemmAlgo algo);

        /// <summary><c>cublasGemmEx</c> with float scaling factors (the 32F compute types).</summary>
        internal static unsafe cublasStatus_t cublasGemmEx(
            SafeCublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            float alpha, ulong a, CudaDataType aType, int lda, ulong b, CudaDataType bType, int ldb,
            float beta, ulong c, CudaDataType cType, int ldc, CublasComputeType computeType, CublasGemmAlgo algo) =>
            cublasGemmEx(handle, transa, transb, m, n, k, &alpha, a, aType, lda, b, bType, ldb, &beta, c, cType, ldc, computeType, algo);

        [LibraryImport(Libraries.Cublas)]
        private static unsafe partial cublasStatus_t cublasGemmStridedBatchedEx(
            SafeCublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            void* alpha, ulong a, CudaDataType aType, int lda, long strideA, ulong b, CudaDataType bType, int ldb, long strideB,
            void* beta, ulong c, CudaDataType cType, int ldc, long strideC, int batchCount,
            CublasComputeType computeType, CublasGemmAlgo algo);

        /// <summary><c>cublasGemmStridedBatchedEx</c> with float scaling factors (the 32F compute types).</summary>
        internal static unsafe cublasStatus_t cublasGemmStridedBatchedEx(
            SafeCublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            float alpha, ulong a, CudaDataType aType, int lda, long strideA, ulong b, CudaDataType bType, int ldb, long strideB,
            float beta, ulong c, CudaDataType cType, int ldc, long strideC, int batchCount,
            CublasComputeType computeType, CublasGemmAlgo algo) =>
            cublasGemmStridedBatchedEx(
                handle, transa, transb, m, n, k, &alpha, a, aType, lda, strideA, b, bType, ldb, strideB,
                &beta, c, cType, ldc, strideC, batchCount, computeType, algo);
    }
}
