// Batch normalisation (inference) and layer normalisation.
#include "block_reduce.cuh"

// y = (x − mean[c]) / √(variance[c] + epsilon) · scale[c] + bias[c], with c = (i / inner) % channels
// (NCHW: inner = H·W).
ESEN_KERNEL void esen_batch_norm(const float* x, float* y, const float* scale, const float* bias,
                                 const float* mean, const float* variance, int count, int channels,
                                 int inner, float epsilon)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int c = (static_cast<int>(i) / inner) % channels;
        const float factor = scale[c] / ESEN_SQRT(variance[c] + epsilon);
        y[i] = ESEN_FMA(x[i] - mean[c], factor, bias[c]);
    }
}

// Each row of cols values: y = (x − μ) / √(σ² + epsilon) · scale[j] + bias[j], μ and σ² the row's
// mean and (biased) variance, computed in two passes. bias may be null. mean and inv_std_dev, when
// not null, receive each row's μ and 1/√(σ² + epsilon) (ONNX's Mean and InvStdDev outputs). One
// block per row, grid-stride over rows (ONNX LayerNormalization, the axis's trailing dimensions
// flattened into the row).
ESEN_KERNEL void esen_layer_norm(const float* x, float* y, const float* scale, const float* bias,
                                 float* mean, float* inv_std_dev, int rows, int cols, float epsilon)
{
    ESEN_SHARED float scratch[ESEN_MAX_BLOCK];
    const int tid = static_cast<int>(esen_thread_index());
    const int block = static_cast<int>(esen_block_dim());
    for (int r = static_cast<int>(esen_block_index()); r < rows; r += static_cast<int>(esen_grid_dim()))
    {
        const float* in = x + static_cast<long long>(r) * cols;
        float* out = y + static_cast<long long>(r) * cols;
        float partial = 0.0f;
        for (int j = tid; j < cols; j += block)
        {
            partial += in[j];
        }
        const float row_mean = esen_block_reduce<ESEN_REDUCE_SUM>(partial, scratch) / static_cast<float>(cols);
        partial = 0.0f;
        for (int j = tid; j < cols; j += block)
        {
            const float d = in[j] - row_mean;
            partial = ESEN_FMA(d, d, partial);
        }
        const float variance = esen_block_reduce<ESEN_REDUCE_SUM>(partial, scratch) / static_cast<float>(cols);
        const float inverse_std = 1.0f / ESEN_SQRT(variance + epsilon);
        for (int j = tid; j < cols; j += block)
        {
            const float shift = bias != nullptr ? bias[j] : 0.0f;
            out[j] = ESEN_FMA((in[j] - row_mean) * inverse_std, scale[j], shift);
        }
        if (tid == 0 && mean != nullptr)
        {
            mean[r] = row_mean;
        }
        if (tid == 0 && inv_std_dev != nullptr)
        {
            inv_std_dev[r] = inverse_std;
        }
    }
}
