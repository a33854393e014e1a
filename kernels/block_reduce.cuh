// Block-wide reductions through shared memory, shared by softmax, layer-norm and global pooling.
// No warp shuffles: the tree works for any block size up to ESEN_MAX_BLOCK (not only powers of
// two), its combination order is fixed (results do not depend on thread timing), and it runs
// unchanged under the host shim.
#pragma once
#include "esen_cuda.h"

enum EsenReduceOp
{
    ESEN_REDUCE_SUM = 0,
    ESEN_REDUCE_MAX = 1,
};

template <int Op>
ESEN_DEVICE float esen_combine(float a, float b)
{
    return Op == ESEN_REDUCE_SUM ? a + b : ESEN_FMAX(a, b);
}

// Every thread of the block must call this with its partial value; every thread gets the block's
// result. scratch is an ESEN_SHARED float[ESEN_MAX_BLOCK] owned by the calling kernel.
template <int Op>
ESEN_DEVICE float esen_block_reduce(float value, float* scratch)
{
    const unsigned tid = esen_thread_index();
    scratch[tid] = value;
    ESEN_SYNC();
    for (unsigned width = esen_block_dim(); width > 1;)
    {
        const unsigned half = (width + 1) / 2;
        if (tid + half < width)
        {
            scratch[tid] = esen_combine<Op>(scratch[tid], scratch[tid + half]);
        }
// The host tests compile a broken variant without this barrier and expect ThreadSanitizer to
// report the race it creates (tests/Esen.Kernels.Tests/DeviceKernels).
#ifndef ESEN_TEST_OMIT_REDUCTION_BARRIER
        ESEN_SYNC();
#endif
        width = half;
    }

    const float result = scratch[0];
    // Everyone has read scratch[0] before the caller's next reduction overwrites it.
    ESEN_SYNC();
    return result;
}
