// ReduceMean and ReduceMax over any set of axes, one thread per output element (grid-stride).
//
// The input is described by the dimensions it keeps and those it reduces (right-aligned into
// ESEN_MAX_RANK dimensions, as Esen.Kernels' ReductionGeometry): output element o has coordinates c
// in kept_dims (reduced dimensions there are 1) and reduces the input elements at
// Σ c_d·kept_strides[d] + Σ r_d·reduced_strides[d], r over reduced_dims in row-major order, the
// order the CPU executor takes. The mean sums in double and rounds once; the maximum propagates
// NaN, and an empty reduction gives −∞ (the mean, NaN), as on the CPU.
#include "esen_cuda.h"

enum EsenReductionOp
{
    ESEN_REDUCE_OP_MEAN,
    ESEN_REDUCE_OP_MAX,
};

template <int Op>
ESEN_DEVICE void esen_reduce(const float* x, float* y, int count, EsenDims6 kept_dims, EsenDims6 kept_strides,
                             EsenDims6 reduced_dims, EsenDims6 reduced_strides, int reduced_count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int start = esen_strided_offset(static_cast<int>(i), kept_dims, kept_strides);
        double sum = 0.0;
        float max = -ESEN_INFINITY;
        for (int r = 0; r < reduced_count; ++r)
        {
            const float v = x[start + esen_strided_offset(r, reduced_dims, reduced_strides)];
            sum += static_cast<double>(v);
            max = (v > max || v != v) ? v : max;
        }
        y[i] = Op == ESEN_REDUCE_OP_MEAN ? static_cast<float>(sum / reduced_count) : max;
    }
}

ESEN_KERNEL void esen_reduce_mean(const float* x, float* y, int count, EsenDims6 kept_dims, EsenDims6 kept_strides,
                                  EsenDims6 reduced_dims, EsenDims6 reduced_strides, int reduced_count)
{
    esen_reduce<ESEN_REDUCE_OP_MEAN>(x, y, count, kept_dims, kept_strides, reduced_dims, reduced_strides, reduced_count);
}

ESEN_KERNEL void esen_reduce_max(const float* x, float* y, int count, EsenDims6 kept_dims, EsenDims6 kept_strides,
                                 EsenDims6 reduced_dims, EsenDims6 reduced_strides, int reduced_count)
{
    esen_reduce<ESEN_REDUCE_OP_MAX>(x, y, count, kept_dims, kept_strides, reduced_dims, reduced_strides, reduced_count);
}
