using System.Runtime.InteropServices;
using Esen.Native.Cudnn;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    /// <summary>cuDNN 9 legacy convolution API: descriptors and forward convolution (cudnn_cnn.h, cudnn_ops.h).</summary>
    internal static partial class Cudnn
    {
        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnCreateTensorDescriptor(out SafeCudnnTensorDescriptorHandle tensorDesc);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnDestroyTensorDescriptor(IntPtr tensorDesc);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetTensor4dDescriptor(
            SafeCudnnTensorDescriptorHandle tensorDesc, CudnnTensorFormat format, CudnnDataType dataType, int n, int c, int h, int w);

        [LibraryImport(Libraries.Cudnn)]
        private static unsafe partial cudnnStatus_t cudnnSetTensorNdDescriptor(
            SafeCudnnTensorDescriptorHandle tensorDesc, CudnnDataType dataType, int nbDims, int* dimA, int* strideA);

        internal static unsafe cudnnStatus_t cudnnSetTensorNdDescriptor(
            SafeCudnnTensorDescriptorHandle tensorDesc, CudnnDataType dataType, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
        {
            fixed (int* d = dims)
            fixed (int* s = strides)
            {
                return cudnnSetTensorNdDescriptor(tensorDesc, dataType, dims.Length, d, s);
            }
        }

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnCreateFilterDescriptor(out SafeCudnnFilterDescriptorHandle filterDesc);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnDestroyFilterDescriptor(IntPtr filterDesc);

        /// <summary>Note the order: data type BEFORE format, the opposite of the tensor form.</summary>
        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetFilter4dDescriptor(
            SafeCudnnFilterDescriptorHandle filterDesc, CudnnDataType dataType, CudnnTensorFormat format, int k, int c, int h, int w);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnCreateConvolutionDescriptor(out SafeCudnnConvolutionDescriptorHandle convDesc);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnDestroyConvolutionDescriptor(IntPtr convDesc);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetConvolution2dDescriptor(
            SafeCudnnConvolutionDescriptorHandle convDesc, int padH, int padW, int u, int v, int dilationH, int dilationW,
            CudnnConvolutionMode mode, CudnnDataType computeType);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetConvolutionMathType(SafeCudnnConvolutionDescriptorHandle convDesc, CudnnMathType mathType);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetConvolutionGroupCount(SafeCudnnConvolutionDescriptorHandle convDesc, int groupCount);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(
            SafeCudnnConvolutionDescriptorHandle convDesc, SafeCudnnTensorDescriptorHandle inputTensorDesc,
            SafeCudnnFilterDescriptorHandle filterDesc, out int n, out int c, out int h, out int w);

        [LibraryImport(Libraries.Cudnn)]
        private static unsafe partial cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(
            SafeCudnnHandle handle, SafeCudnnTensorDescriptorHandle srcDesc, SafeCudnnFilterDescriptorHandle filterDesc,
            SafeCudnnConvolutionDescriptorHandle convDesc, SafeCudnnTensorDescriptorHandle destDesc,
            int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t* perfResults);

        /// <summary>The heuristic's ranking, best first; returns how many entries were filled.</summary>
        internal static unsafe cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(
            SafeCudnnHandle handle, SafeCudnnTensorDescriptorHandle srcDesc, SafeCudnnFilterDescriptorHandle filterDesc,
            SafeCudnnConvolutionDescriptorHandle convDesc, SafeCudnnTensorDescriptorHandle destDesc,
            Span<cudnnConvolutionFwdAlgoPerf_t> results, out int returned)
        {
            int count = 0;
            fixed (cudnnConvolutionFwdAlgoPerf_t* p = results)
            {
                cudnnStatus_t status = cudnnGetConvolutionForwardAlgorithm_v7(
                    handle, srcDesc, filterDesc, convDesc, destDesc, results.Length, &count, p);
                returned = count;
                return status;
            }
        }

        // cudnn_cnn.h (cuDNN 9): cudnnStatus_t cudnnFindConvolutionForwardAlgorithmEx(cudnnHandle_t handle,
        //   const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnFilterDescriptor_t wDesc, const void *w,
        //   const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc, void *y,
        //   const int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t *perfResults,
        //   void *workSpace, size_t workSpaceSizeInBytes). It runs every algorithm on the given buffers and
        // fills perfResults fastest first; an algorithm that needs more than workSpaceSizeInBytes is reported as failed.
        [LibraryImport(Libraries.Cudnn)]
        private static unsafe partial cudnnStatus_t cudnnFindConvolutionForwardAlgorithmEx(
            SafeCudnnHandle handle, SafeCudnnTensorDescriptorHandle xDesc, ulong x, SafeCudnnFilterDescriptorHandle wDesc, ulong w,
            SafeCudnnConvolutionDescriptorHandle convDesc, SafeCudnnTensorDescriptorHandle yDesc, ulong y,
            int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t* perfResults, ulong workSpace, nuint workSpaceSizeInBytes);

        /// <summary>Measures the forward algorithms on real buffers, fastest first; returns how many entries were filled.</summary>
        internal static unsafe cudnnStatus_t cudnnFindConvolutionForwardAlgorithmEx(
            SafeCudnnHandle handle, SafeCudnnTensorDescriptorHandle xDesc, ulong x, SafeCudnnFilterDescriptorHandle wDesc, ulong w,
            SafeCudnnConvolutionDescriptorHandle convDesc, SafeCudnnTensorDescriptorHandle yDesc, ulong y,
            Span<cudnnConvolutionFwdAlgoPerf_t> results, out int returned, ulong workSpace, nuint workSpaceSizeInBytes)
        {
            int count = 0;
            fixed (cudnnConvolutionFwdAlgoPerf_t* p = results)
            {
                cudnnStatus_t status = cudnnFindConvolutionForwardAlgorithmEx(
                    handle, xDesc, x, wDesc, w, convDesc, yDesc, y, results.Length, &count, p, workSpace, workSpaceSizeInBytes);
                returned = count;
                return status;
            }
        }

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(
            SafeCudnnHandle handle, SafeCudnnTensorDescriptorHandle xDesc, SafeCudnnFilterDescriptorHandle wDesc,
            SafeCudnnConvolutionDescriptorHandle convDesc, SafeCudnnTensorDescriptorHandle yDesc,
            CudnnConvolutionForwardAlgorithm algo, out nuint sizeInBytes);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnCreateActivationDescriptor(out SafeCudnnActivationDescriptorHandle activationDesc);

        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnDestroyActivationDescriptor(IntPtr activationDesc);

        /// <summary>
        /// <c>cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t activationDesc, cudnnActivationMode_t mode,
        /// cudnnNanPropagation_t reluNanOpt, double coef)</c> (cudnn_ops.h).
        /// </summary>
        [LibraryImport(Libraries.Cudnn)]
        internal static partial cudnnStatus_t cudnnSetActivationDescriptor(
            SafeCudnnActivationDescriptorHandle activationDesc, CudnnActivationMode mode, CudnnNanPropagation reluNanOpt, double coef);

        // cudnn_cnn.h (cuDNN 9): cudnnStatus_t cudnnConvolutionBiasActivationForward(cudnnHandle_t handle, const void *alpha1,
        //   const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnFilterDescriptor_t wDesc, const void *w,
        //   const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes,
        //   const void *alpha2, const cudnnTensorDescriptor_t zDesc, const void *z, const cudnnTensorDescriptor_t biasDesc,
        //   const void *bias, const cudnnActivationDescriptor_t activationDesc, const cudnnTensorDescriptor_t yDesc, void *y):
        // y = act(alpha1·conv(x, w) + alpha2·z + bias).
        [LibraryImport(Libraries.Cudnn)]
        private static unsafe partial cudnnStatus_t cudnnConvolutionBiasActivationForward(
            SafeCudnnHandle handle, float* alpha1, SafeCudnnTensorDescriptorHandle xDesc, ulong x,
            SafeCudnnFilterDescriptorHandle wDesc, ulong w, SafeCudnnConvolutionDescriptorHandle convDesc,
            CudnnConvolutionForwardAlgorithm algo, ulong workSpace, nuint workSpaceSizeInBytes,
            float* alpha2, SafeCudnnTensorDescriptorHandle zDesc, ulong z, SafeCudnnTensorDescriptorHandle biasDesc, ulong bias,
            SafeCudnnActivationDescriptorHandle activationDesc, SafeCudnnTensorDescriptorHandle yDesc, ulong y);

        /// <summary><c>cudnnConvolutionBiasActivationForward</c> with float scaling factors (float tensors).</summary>
        internal static unsafe cudnnStatus_t cudnnConvolutionBiasActivationForward(
            SafeCudnnHandle handle, float alpha1, SafeCudnnTensorDescriptorHandle xDesc, ulong x,
            SafeCudnnFilterDescriptorHandle wDesc, ulong w, SafeCudnnConvolutionDescriptorHandle convDesc,
            CudnnConvolutionForwardAlgorithm algo, ulong workSpace, nuint workSpaceSizeInBytes,
            float alpha2, SafeCudnnTensorDescriptorHandle zDesc, ulong z, SafeCudnnTensorDescriptorHandle biasDesc, ulong bias,
            SafeCudnnActivationDescriptorHandle activationDesc, SafeCudnnTensorDescriptorHandle yDesc, ulong y) =>
            cudnnConvolutionBiasActivationForward(
                handle, &alpha1, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, &alpha2, zDesc, z, biasDesc, bias,
                activationDesc, yDesc, y);

        [LibraryImport(Libraries.Cudnn)]
        private static unsafe partial cudnnStatus_t cudnnConvolutionForward(
            SafeCudnnHandle handle, float* alpha, SafeCudnnTensorDescriptorHandle xDesc, ulong x,
            SafeCudnnFilterDescriptorHandle wDesc, ulong w, SafeCudnnConvolutionDescriptorHandle convDesc,
            CudnnConvolutionForwardAlgorithm algo, ulong workSpace, nuint workSpaceSizeInBytes,
            float* beta, SafeCudnnTensorDescriptorHandle yDesc, ulong y);

        /// <summary><c>cudnnConvolutionForward</c> with float scaling factors (float and half tensors).</summary>
        internal static unsafe cudnnStatus_t cudnnConvolutionForward(
            SafeCudnnHandle handle, float alpha, SafeCudnnTensorDescriptorHandle xDesc, ulong x,
            SafeCudnnFilterDescriptorHandle wDesc, ulong w, SafeCudnnConvolutionDescriptorHandle convDesc,
            CudnnConvolutionForwardAlgorithm algo, ulong workSpace, nuint workSpaceSizeInBytes,
            float beta, SafeCudnnTensorDescriptorHandle yDesc, ulong y) =>
            cudnnConvolutionForward(handle, &alpha, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, &beta, yDesc, y);
    }
}
