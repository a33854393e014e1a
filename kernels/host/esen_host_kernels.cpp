// Host build of every kernel in kernels/*.cu, for the tests in tests/Esen.Kernels.Tests/DeviceKernels:
//
//   clang++-19 -std=c++20 -O1 -fPIC -shared -pthread esen_host_kernels.cpp -o libesen_kernels_host.so
//
// It exports one function, esen_host_launch_packed(name, grid, block, args, size), which takes the
// kernel's arguments as the packed parameter buffer the GPU driver takes (each parameter at its
// own alignment; the bytes of the matching Esen.Kernels.Cuda.CudaKernelArgs struct), unpacks
// them by the entry point's C++ signature and runs the kernel through esen_host_launch. A C#
// struct whose layout disagrees with the kernel's parameter list is rejected by its size here and
// by the PTX layout test.
#include "../esen_cuda.h"

#include "../activation.cu"
#include "../cascade.cu"
#include "../elementwise.cu"
#include "../ensemble.cu"
#include "../im2col.cu"
#include "../layout.cu"
#include "../math.cu"
#include "../matmul.cu"
#include "../normalization.cu"
#include "../pooling.cu"
#include "../reduce.cu"
#include "../resize.cu"
#include "../softmax.cu"

#include <algorithm>
#include <cstring>
#include <tuple>

enum EsenHostLaunchStatus
{
    ESEN_HOST_OK = 0,
    ESEN_HOST_UNKNOWN_KERNEL = 1,
    ESEN_HOST_ARGUMENT_SIZE_MISMATCH = 2,
    ESEN_HOST_BAD_LAUNCH_SHAPE = 3,
};

template <class... Params>
static int esen_launch_packed(void (*kernel)(Params...), unsigned grid, unsigned block,
                              const unsigned char* buffer, size_t size)
{
    std::tuple<Params...> args;
    size_t offset = 0;
    size_t max_align = 1;
    auto unpack = [&](auto& arg) {
        constexpr size_t align = alignof(std::remove_reference_t<decltype(arg)>);
        offset = (offset + align - 1) / align * align;
        if (offset + sizeof(arg) <= size)
        {
            std::memcpy(&arg, buffer + offset, sizeof(arg));
        }
        offset += sizeof(arg);
        max_align = std::max(max_align, align);
    };
    std::apply([&](auto&... each) { (unpack(each), ...); }, args);
    // A C# struct is padded to its largest field alignment, like the C++ struct of these fields.
    if ((offset + max_align - 1) / max_align * max_align != size)
    {
        return ESEN_HOST_ARGUMENT_SIZE_MISMATCH;
    }

    esen_host_launch(grid, block, [&] { std::apply(kernel, args); });
    return ESEN_HOST_OK;
}

struct EsenHostEntry
{
    const char* name;
    int (*launch)(unsigned grid, unsigned block, const unsigned char* args, size_t size);
};

#define ESEN_HOST_ENTRY(kernel)                                                          \
    EsenHostEntry                                                                        \
    {                                                                                    \
        #kernel, [](unsigned grid, unsigned block, const unsigned char* args, size_t size) { \
            return esen_launch_packed(&kernel, grid, block, args, size);                 \
        }                                                                                \
    }

// The four binary operators of one element type (elementwise.cu).
#define ESEN_HOST_BINARY_ENTRIES(suffix)                                                 \
    ESEN_HOST_ENTRY(esen_add##suffix), ESEN_HOST_ENTRY(esen_sub##suffix),                 \
        ESEN_HOST_ENTRY(esen_mul##suffix), ESEN_HOST_ENTRY(esen_div##suffix)
// The five comparisons of one element type (elementwise.cu).
#define ESEN_COMPARISON_HOST_ENTRIES(type)                                                          \
    ESEN_HOST_ENTRY(esen_equal_##type), ESEN_HOST_ENTRY(esen_greater_##type),                       \
        ESEN_HOST_ENTRY(esen_greater_or_equal_##type), ESEN_HOST_ENTRY(esen_less_##type),           \
        ESEN_HOST_ENTRY(esen_less_or_equal_##type)
// Pow of one base type to each exponent type (math.cu).
#define ESEN_POW_HOST_ENTRIES(base)                                                                \
    ESEN_HOST_ENTRY(esen_pow_##base##_float), ESEN_HOST_ENTRY(esen_pow_##base##_int32),            \
        ESEN_HOST_ENTRY(esen_pow_##base##_int64), ESEN_HOST_ENTRY(esen_pow_##base##_uint32),       \
        ESEN_HOST_ENTRY(esen_pow_##base##_uint64)

static const EsenHostEntry esen_host_entries[] = {
    ESEN_HOST_ENTRY(esen_bias_activation),
    ESEN_HOST_ENTRY(esen_clip),
    ESEN_HOST_ENTRY(esen_clip_int8),
    ESEN_HOST_ENTRY(esen_clip_uint8),
    ESEN_HOST_BINARY_ENTRIES(),
    ESEN_HOST_BINARY_ENTRIES(_double),
    ESEN_HOST_BINARY_ENTRIES(_int8),
    ESEN_HOST_BINARY_ENTRIES(_uint8),
    ESEN_HOST_BINARY_ENTRIES(_int16),
    ESEN_HOST_BINARY_ENTRIES(_uint16),
    ESEN_HOST_BINARY_ENTRIES(_int32),
    ESEN_HOST_BINARY_ENTRIES(_uint32),
    ESEN_HOST_BINARY_ENTRIES(_int64),
    ESEN_HOST_BINARY_ENTRIES(_uint64),
    ESEN_HOST_BINARY_ENTRIES(_float16),
    ESEN_COMPARISON_HOST_ENTRIES(float),
    ESEN_COMPARISON_HOST_ENTRIES(double),
    ESEN_COMPARISON_HOST_ENTRIES(float16),
    ESEN_COMPARISON_HOST_ENTRIES(int8),
    ESEN_COMPARISON_HOST_ENTRIES(uint8),
    ESEN_COMPARISON_HOST_ENTRIES(int16),
    ESEN_COMPARISON_HOST_ENTRIES(uint16),
    ESEN_COMPARISON_HOST_ENTRIES(int32),
    ESEN_COMPARISON_HOST_ENTRIES(uint32),
    ESEN_COMPARISON_HOST_ENTRIES(int64),
    ESEN_COMPARISON_HOST_ENTRIES(uint64),
    ESEN_HOST_ENTRY(esen_equal_bool),
    ESEN_HOST_ENTRY(esen_and),
    ESEN_HOST_ENTRY(esen_or),
    ESEN_HOST_ENTRY(esen_not),
    ESEN_HOST_ENTRY(esen_where_int8),
    ESEN_HOST_ENTRY(esen_where_int16),
    ESEN_HOST_ENTRY(esen_where_int32),
    ESEN_HOST_ENTRY(esen_where_int64),
    ESEN_HOST_ENTRY(esen_cast),
    ESEN_HOST_ENTRY(esen_fill_one),
    ESEN_HOST_ENTRY(esen_copy),
    ESEN_HOST_ENTRY(esen_copy_bytes),
    ESEN_HOST_ENTRY(esen_strided_copy),
    ESEN_HOST_ENTRY(esen_strided_copy_int64),
    ESEN_HOST_ENTRY(esen_strided_copy_int16),
    ESEN_HOST_ENTRY(esen_strided_copy_int8),
    ESEN_HOST_ENTRY(esen_pad),
    ESEN_HOST_ENTRY(esen_pad_int64),
    ESEN_HOST_ENTRY(esen_pad_int16),
    ESEN_HOST_ENTRY(esen_pad_int8),
    ESEN_HOST_ENTRY(esen_concat_slab),
    ESEN_HOST_ENTRY(esen_concat_slab_int16),
    ESEN_HOST_ENTRY(esen_concat_slab_int8),
    ESEN_HOST_ENTRY(esen_gather),
    ESEN_HOST_ENTRY(esen_gather_int16),
    ESEN_HOST_ENTRY(esen_gather_int8),
    ESEN_HOST_ENTRY(esen_gather_by_int32),
    ESEN_HOST_ENTRY(esen_gather_int16_by_int32),
    ESEN_HOST_ENTRY(esen_gather_int8_by_int32),
    ESEN_HOST_ENTRY(esen_matmul_double),
    ESEN_HOST_ENTRY(esen_max_pool),
    ESEN_HOST_ENTRY(esen_max_pool_int8),
    ESEN_HOST_ENTRY(esen_max_pool_uint8),
    ESEN_HOST_ENTRY(esen_avg_pool),
    ESEN_HOST_ENTRY(esen_global_avg_pool),
    ESEN_HOST_ENTRY(esen_batch_norm),
    ESEN_HOST_ENTRY(esen_layer_norm),
    ESEN_HOST_ENTRY(esen_max),
    ESEN_HOST_ENTRY(esen_max_double),
    ESEN_HOST_ENTRY(esen_max_int8),
    ESEN_HOST_ENTRY(esen_max_uint8),
    ESEN_HOST_ENTRY(esen_max_int16),
    ESEN_HOST_ENTRY(esen_max_uint16),
    ESEN_HOST_ENTRY(esen_max_int32),
    ESEN_HOST_ENTRY(esen_max_uint32),
    ESEN_HOST_ENTRY(esen_max_int64),
    ESEN_HOST_ENTRY(esen_max_uint64),
    ESEN_HOST_ENTRY(esen_sqrt),
    ESEN_HOST_ENTRY(esen_neg),
    ESEN_HOST_ENTRY(esen_log),
    ESEN_POW_HOST_ENTRIES(float),
    ESEN_POW_HOST_ENTRIES(int32),
    ESEN_POW_HOST_ENTRIES(int64),
    ESEN_HOST_ENTRY(esen_reduce_mean),
    ESEN_HOST_ENTRY(esen_reduce_max),
    ESEN_HOST_ENTRY(esen_softmax),
    ESEN_HOST_ENTRY(esen_softmax_axis),
    ESEN_HOST_ENTRY(esen_im2col),
    ESEN_HOST_ENTRY(esen_im2col_3d),
    ESEN_HOST_ENTRY(esen_col2im_3d),
    ESEN_HOST_ENTRY(esen_resize),
    ESEN_HOST_ENTRY(esen_ensemble_mean),
    ESEN_HOST_ENTRY(esen_ensemble_weighted_mean),
    ESEN_HOST_ENTRY(esen_ensemble_vote),
    ESEN_HOST_ENTRY(esen_cascade_gate),
    ESEN_HOST_ENTRY(esen_gather_rows),
    ESEN_HOST_ENTRY(esen_scatter_rows),
};

extern "C" int esen_host_launch_packed(const char* name, unsigned grid, unsigned block,
                                       const void* args, size_t size)
{
    if (grid == 0 || block == 0 || block > ESEN_MAX_BLOCK)
    {
        return ESEN_HOST_BAD_LAUNCH_SHAPE;
    }

    for (const EsenHostEntry& entry : esen_host_entries)
    {
        if (std::strcmp(entry.name, name) == 0)
        {
            return entry.launch(grid, block, static_cast<const unsigned char*>(args), size);
        }
    }

    return ESEN_HOST_UNKNOWN_KERNEL;
}
