// Softmax over the last axis: y[r, j] = e^(x[r, j] − m) / Σ_k e^(x[r, k] − m), m = max_k x[r, k]
// (subtracting the row maximum keeps every exponent ≤ 0). One block per row, grid-stride over rows.
// esen_softmax_axis below takes any other axis.
#include "block_reduce.cuh"

ESEN_KERNEL void esen_softmax(const float* x, float* y, int rows, int cols)
{
    ESEN_SHARED float scratch[ESEN_MAX_BLOCK];
    const int tid = static_cast<int>(esen_thread_index());
    const int block = static_cast<int>(esen_block_dim());
    for (int r = static_cast<int>(esen_block_index()); r < rows; r += static_cast<int>(esen_grid_dim()))
    {
        const float* in = x + static_cast<long long>(r) * cols;
        float* out = y + static_cast<long long>(r) * cols;
        float partial = -ESEN_INFINITY;
        for (int j = tid; j < cols; j += block)
        {
            partial = ESEN_FMAX(partial, in[j]);
        }
        const float row_max = esen_block_reduce<ESEN_REDUCE_MAX>(partial, scratch);
        partial = 0.0f;
        for (int j = tid; j < cols; j += block)
        {
            const float e = esen_exp(in[j] - row_max);
            out[j] = e;
            partial += e;
        }
        // Each thread rescales only the elements it wrote, so this pass needs no barrier.
        const float inverse_sum = 1.0f / esen_block_reduce<ESEN_REDUCE_SUM>(partial, scratch);
        for (int j = tid; j < cols; j += block)
        {
            out[j] *= inverse_sum;
        }
    }
}

// Softmax along an axis that is not the innermost: viewing x as [outer, axis, inner], each of the
// outer·inner columns gets y[o, :, i] = e^(x[o, :, i] − m) / Σ_k e^(x[o, k, i] − m), m the column's
// maximum. One thread per column, grid-stride over columns: neighbouring threads read neighbouring
// elements, so the loads coalesce, where a block per column would read elements inner apart.
ESEN_KERNEL void esen_softmax_axis(const float* x, float* y, int outer, int axis, int inner)
{
    const long long columns = static_cast<long long>(outer) * inner;
    for (long long c = esen_global_index(); c < columns; c += esen_grid_stride())
    {
        const long long start = (c / inner) * axis * inner + c % inner;
        float column_max = -ESEN_INFINITY;
        for (int a = 0; a < axis; ++a)
        {
            column_max = ESEN_FMAX(column_max, x[start + static_cast<long long>(a) * inner]);
        }
        float sum = 0.0f;
        for (int a = 0; a < axis; ++a)
        {
            const long long at = start + static_cast<long long>(a) * inner;
            const float e = esen_exp(x[at] - column_max);
            y[at] = e;
            sum += e;
        }
        const float inverse_sum = 1.0f / sum;
        for (int a = 0; a < axis; ++a)
        {
            y[start + static_cast<long long>(a) * inner] *= inverse_sum;
        }
    }
}
