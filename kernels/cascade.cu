// Cascade exit gating: which inputs leave the cascade at this stage and which go on, plus the
// gather/scatter that move rows between the full batch and the compacted one.
#include "esen_cuda.h"

// Splits rows by confidence = max softmax probability of the row's class scores [rows, classes]
// (or the row maximum when scores_are_probabilities != 0; the max softmax probability of logits
// is 1 / Σ_k e^(x_k − max)). Rows with confidence ≥ threshold exit: their indices go to
// exit_rows (may be null); the others go on: continue_rows. counts[0] = continuing rows,
// counts[1] = exiting rows.
//
// Both lists are in ascending row order, whatever the timing: launch ONE block (other blocks
// return at once); it walks the rows in chunks of blockDim and places each row with a block-wide
// prefix sum (Hillis–Steele scan in shared memory) of the "goes on" flags, instead of an atomic
// counter whose order would depend on scheduling.
ESEN_KERNEL void esen_cascade_gate(const float* scores, int* continue_rows, int* exit_rows,
                                   int* counts, int rows, int classes, float threshold,
                                   int scores_are_probabilities)
{
    ESEN_SHARED int scan[ESEN_MAX_BLOCK];
    if (esen_block_index() != 0)
    {
        return;
    }

    const int tid = static_cast<int>(esen_thread_index());
    const int block = static_cast<int>(esen_block_dim());
    int continued = 0;
    int exited = 0;
    for (int chunk = 0; chunk < rows; chunk += block)
    {
        const int r = chunk + tid;
        int goes_on = 0;
        if (r < rows)
        {
            const float* row = scores + static_cast<long long>(r) * classes;
            float row_max = -ESEN_INFINITY;
            for (int k = 0; k < classes; ++k)
            {
                row_max = ESEN_FMAX(row_max, row[k]);
            }
            float confidence = row_max;
            if (scores_are_probabilities == 0)
            {
                float sum = 0.0f;
                for (int k = 0; k < classes; ++k)
                {
                    sum += esen_exp(row[k] - row_max);
                }
                confidence = 1.0f / sum;
            }
            goes_on = confidence >= threshold ? 0 : 1;
        }

        // Inclusive prefix sum of goes_on over the block.
        scan[tid] = goes_on;
        ESEN_SYNC();
        for (int offset = 1; offset < block; offset *= 2)
        {
            const int addend = tid >= offset ? scan[tid - offset] : 0;
            ESEN_SYNC();
            scan[tid] += addend;
            ESEN_SYNC();
        }

        const int before = scan[tid] - goes_on; // continuing rows earlier in this chunk
        const int chunk_continued = scan[block - 1];
        if (r < rows)
        {
            if (goes_on != 0)
            {
                continue_rows[continued + before] = r;
            }
            else if (exit_rows != nullptr)
            {
                exit_rows[exited + (tid - before)] = r;
            }
        }
        continued += chunk_continued;
        exited += (rows - chunk < block ? rows - chunk : block) - chunk_continued;
        // Everyone has read scan before the next chunk overwrites it.
        ESEN_SYNC();
    }

    if (tid == 0)
    {
        counts[0] = continued;
        counts[1] = exited;
    }
}

// dst[i, ·] = src[rows[i], ·] for i < *count (count is read on the device, e.g. counts[0] of
// esen_cascade_gate, so no host round trip is needed). Rows have row_size elements.
ESEN_KERNEL void esen_gather_rows(const float* src, float* dst, const int* rows, const int* count,
                                  int row_size)
{
    const long long total = static_cast<long long>(*count) * row_size;
    for (long long i = esen_global_index(); i < total; i += esen_grid_stride())
    {
        const long long r = i / row_size;
        dst[i] = src[static_cast<long long>(rows[r]) * row_size + (i - r * row_size)];
    }
}

// dst[rows[i], ·] = src[i, ·] for i < *count: puts a later stage's results back into the full
// batch.
ESEN_KERNEL void esen_scatter_rows(const float* src, float* dst, const int* rows, const int* count,
                                   int row_size)
{
    const long long total = static_cast<long long>(*count) * row_size;
    for (long long i = esen_global_index(); i < total; i += esen_grid_stride())
    {
        const long long r = i / row_size;
        dst[static_cast<long long>(rows[r]) * row_size + (i - r * row_size)] = src[i];
    }
}
