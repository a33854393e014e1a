// esen_cuda.h: the one header every kernel in kernels/ includes. It lets the same CUDA C source
// compile in two modes:
//
//  * Device mode (clang -x cuda --cuda-device-only, __CUDA_ARCH__ defined): the macros below map
//    onto clang's CUDA attributes and NVVM builtins. There is no CUDA SDK and no libdevice, so
//    nothing here may call expf/erff/...: ESEN_EXP2 lowers to ex2.approx.f32, ESEN_SQRT to sqrt.rn,
//    ESEN_FMA to fma.rn, ESEN_FMAX to max.f32, ESEN_DMUL_RN to mul.rn.f64, ESEN_FMUL_RN to mul.rn.f32.
//
//  * Host mode (plain C++20): every CUDA thread is a std::thread, ESEN_SYNC is a std::barrier
//    shared by the threads of one block, ESEN_SHARED is a static (one copy per kernel; blocks run
//    one after another and launches are serialised, so one copy is enough), and thread/block ids
//    are thread_local. esen_host_launch() runs a kernel that way. This models barriers and shared
//    memory, not warps, lockstep execution, the memory model or performance (kernels/README.md).
//
// Kernels are one-dimensional: grids and blocks use x only.
#pragma once

#if defined(__CUDA_ARCH__)

#define ESEN_KERNEL extern "C" __attribute__((global))
#define ESEN_DEVICE static __attribute__((device)) inline
#define ESEN_SHARED __attribute__((shared))

ESEN_DEVICE unsigned esen_thread_index() { return __nvvm_read_ptx_sreg_tid_x(); }
ESEN_DEVICE unsigned esen_block_dim() { return __nvvm_read_ptx_sreg_ntid_x(); }
ESEN_DEVICE unsigned esen_block_index() { return __nvvm_read_ptx_sreg_ctaid_x(); }
ESEN_DEVICE unsigned esen_grid_dim() { return __nvvm_read_ptx_sreg_nctaid_x(); }

#define ESEN_SYNC() __syncthreads()
#define ESEN_EXP2(x) __nvvm_ex2_approx_f(x)
#define ESEN_FMAX(a, b) __nvvm_fmax_f((a), (b))
#define ESEN_FMIN(a, b) __nvvm_fmin_f((a), (b))
// A double product rounded on its own (mul.rn.f64), never contracted into an fma with a following
// add, so sums of products round as the CPU executor's do.
#define ESEN_DMUL_RN(a, b) __nvvm_mul_rn_d((a), (b))
// The same for float (mul.rn.f32).
#define ESEN_FMUL_RN(a, b) __nvvm_mul_rn_f((a), (b))

#else // host mode

#include <barrier>
#include <cmath>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#define ESEN_KERNEL extern "C"
#define ESEN_DEVICE static inline
#define ESEN_SHARED static

// Where the calling OS thread sits in the emulated launch.
struct EsenHostThread
{
    unsigned thread_index;
    unsigned block_dim;
    unsigned block_index;
    unsigned grid_dim;
    std::barrier<>* block_barrier;
};

inline thread_local EsenHostThread esen_host_thread{};

ESEN_DEVICE unsigned esen_thread_index() { return esen_host_thread.thread_index; }
ESEN_DEVICE unsigned esen_block_dim() { return esen_host_thread.block_dim; }
ESEN_DEVICE unsigned esen_block_index() { return esen_host_thread.block_index; }
ESEN_DEVICE unsigned esen_grid_dim() { return esen_host_thread.grid_dim; }

#define ESEN_SYNC() esen_host_thread.block_barrier->arrive_and_wait()
#define ESEN_EXP2(x) std::exp2(static_cast<float>(x))
#define ESEN_FMAX(a, b) std::fmax(static_cast<float>(a), static_cast<float>(b))
#define ESEN_FMIN(a, b) std::fmin(static_cast<float>(a), static_cast<float>(b))
#define ESEN_DMUL_RN(a, b) (static_cast<double>(a) * static_cast<double>(b))
#define ESEN_FMUL_RN(a, b) (static_cast<float>(a) * static_cast<float>(b))

// Runs body() as a launch of grid_dim blocks of block_dim threads: blocks one after another, each
// with one std::thread per CUDA thread and one barrier. A global lock serialises launches because
// ESEN_SHARED memory is one static per kernel.
template <class Body>
void esen_host_launch(unsigned grid_dim, unsigned block_dim, Body body)
{
    static std::mutex launch_lock;
    std::lock_guard<std::mutex> guard(launch_lock);
    for (unsigned block = 0; block < grid_dim; ++block)
    {
        std::barrier<> block_barrier(static_cast<std::ptrdiff_t>(block_dim));
        std::vector<std::thread> threads;
        threads.reserve(block_dim);
        for (unsigned thread = 0; thread < block_dim; ++thread)
        {
            threads.emplace_back([&, thread] {
                esen_host_thread = EsenHostThread{thread, block_dim, block, grid_dim, &block_barrier};
                body();
            });
        }

        for (std::thread& t : threads)
        {
            t.join();
        }
    }
}

#endif

// ---- Shared by both modes -------------------------------------------------------------------

#define ESEN_SQRT(x) __builtin_sqrtf(x)
#define ESEN_FMA(a, b, c) __builtin_fmaf((a), (b), (c))
#define ESEN_FABS(x) __builtin_fabsf(x)
#define ESEN_INFINITY __builtin_huge_valf()

// Largest block any kernel here accepts; sizes the ESEN_SHARED scratch arrays.
#define ESEN_MAX_BLOCK 1024

// Up to this many dimensions in the shape/stride descriptors (broadcasting, transpose).
#define ESEN_MAX_RANK 6

// Passed by value as a kernel parameter (PTX: .param .align 4 .b8 [24]); Esen.Kernels mirrors it
// as Dims6.
struct EsenDims6
{
    int values[ESEN_MAX_RANK];
};

// A 2-D sliding window (pooling, im2col), passed by value (PTX: .param .align 4 .b8 [32]);
// Esen.Kernels mirrors it as Window2D. Pads are the top/left ones: the bottom/right padding is
// implied by the output size.
struct EsenWindow2D
{
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    int pad_top, pad_left;
    int dilation_h, dilation_w;
};

// A kernel that meets an error planning cannot rule out (a Gather index out of range, an int64
// division without a quotient) stores its step's fault_code in the plan's fault word, which the
// executor reads after the run and turns into an error naming the node. Only the first faulting step
// in stream order keeps its code (a compare-and-swap from 0), so the node named is the one the CPU
// executor, running the same order, fails at. Atomic, so the threads of a launch that meet the error
// race on nothing, on the host build too.
ESEN_DEVICE void esen_report_fault(int* fault, int fault_code)
{
    int none = 0;
    __atomic_compare_exchange_n(fault, &none, fault_code, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

// A sliding window over three spatial dimensions (d, h, w), passed by value (pooling, im2col_3d);
// 1-D and 2-D windows have leading size-1 dimensions. Esen.Kernels mirrors it as Window3D.
struct EsenWindow3D
{
    int input[3];
    int output[3];
    int kernel[3];
    int stride[3];
    int pad_begin[3];
    int pad_end[3]; // the explicit padding after the input; ceil_mode may add windows that reach past it
    int dilation[3];
};

// e^x as 2^(x·log2 e): the only exponential available without libdevice.
ESEN_DEVICE float esen_exp(float x) { return ESEN_EXP2(x * 1.4426950408889634f); }

// Grid-stride loop bounds: first index of this thread, and the stride.
ESEN_DEVICE long long esen_global_index()
{
    return static_cast<long long>(esen_block_index()) * esen_block_dim() + esen_thread_index();
}
ESEN_DEVICE long long esen_grid_stride()
{
    return static_cast<long long>(esen_grid_dim()) * esen_block_dim();
}

// Where element `index` of a rank-6 shape `dims` (row-major) sits in a tensor laid out with `strides`
// (elements; 0 repeats a dimension): the index unravelled into coordinates, each times its stride.
ESEN_DEVICE int esen_strided_offset(int index, const EsenDims6& dims, const EsenDims6& strides)
{
    int offset = 0;
    for (int d = ESEN_MAX_RANK - 1; d >= 0; --d)
    {
        offset += (index % dims.values[d]) * strides.values[d];
        index /= dims.values[d];
    }
    return offset;
}

// Where output element i of a broadcast binary op reads its two operands: i unravelled over out_dims
// (row-major, rank 6), each coordinate times the operand's stride (0 along a broadcast dimension).
ESEN_DEVICE void esen_broadcast_offsets(long long i, const EsenDims6& out_dims, const EsenDims6& a_strides,
                                        const EsenDims6& b_strides, int& a_offset, int& b_offset)
{
    int rest = static_cast<int>(i);
    a_offset = 0;
    b_offset = 0;
    for (int d = ESEN_MAX_RANK - 1; d >= 0; --d)
    {
        const int coordinate = rest % out_dims.values[d];
        rest /= out_dims.values[d];
        a_offset += coordinate * a_strides.values[d];
        b_offset += coordinate * b_strides.values[d];
    }
}
