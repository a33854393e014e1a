// Pooling over NC... tensors: max and average pooling with windows over up to three spatial
// dimensions (EsenWindow3D), and global average pooling.
#include "block_reduce.cuh"

// x holds `planes` (N·C) planes of input[0]·input[1]·input[2] values, y as many of
// output[0]·output[1]·output[2] (EsenWindow3D in esen_cuda.h).

// Splits flat output index i into its plane and its position in each spatial dimension.
ESEN_DEVICE long long esen_pool_position(long long i, const EsenWindow3D& p, int position[3])
{
    for (int d = 2; d >= 0; --d)
    {
        position[d] = static_cast<int>(i % p.output[d]);
        i /= p.output[d];
    }
    return i;
}

// Input coordinate of tap k of the window at output position o in spatial dimension d.
ESEN_DEVICE int esen_pool_tap(const EsenWindow3D& p, int d, int o, int k)
{
    return o * p.stride[d] - p.pad_begin[d] + k * p.dilation[d];
}

// Calls visit(value, id, ih, iw) for each tap of the window at output position o that reads the
// input (at (id, ih, iw)), in row-major tap order: the CPU executor's order, so sums agree to the bit
// and the first maximum is the same one.
template <class T, class Visit>
ESEN_DEVICE void esen_pool_window(const T* plane, const EsenWindow3D& p, const int o[3], Visit visit)
{
    for (int kd = 0; kd < p.kernel[0]; ++kd)
    {
        const int id = esen_pool_tap(p, 0, o[0], kd);
        if (id < 0 || id >= p.input[0])
        {
            continue;
        }
        for (int kh = 0; kh < p.kernel[1]; ++kh)
        {
            const int ih = esen_pool_tap(p, 1, o[1], kh);
            if (ih < 0 || ih >= p.input[1])
            {
                continue;
            }
            const T* row = plane + (static_cast<long long>(id) * p.input[1] + ih) * p.input[2];
            for (int kw = 0; kw < p.kernel[2]; ++kw)
            {
                const int iw = esen_pool_tap(p, 2, o[2], kw);
                if (iw >= 0 && iw < p.input[2])
                {
                    visit(static_cast<float>(row[iw]), id, ih, iw);
                }
            }
        }
    }
}

// Max over the window's in-bounds positions (padding never wins; a NaN does, as in ONNX's reference).
// indices, when not null, receives where each maximum is (ONNX MaxPool's Indices output): the flat
// index into x of its first occurrence in the window, the spatial part row-major, or column-major
// with column_major != 0 (storage_order = 1); 0 within the plane for a window with no input position.
// Computed in float32, as the CPU executor pools int8 and uint8, which float32 holds exactly.
template <class T>
ESEN_DEVICE void esen_max_pool_of(const T* x, T* y, int planes, const EsenWindow3D& pool,
                                  long long* indices, int column_major)
{
    const long long in_plane = static_cast<long long>(pool.input[0]) * pool.input[1] * pool.input[2];
    const long long count = planes * (static_cast<long long>(pool.output[0]) * pool.output[1] * pool.output[2]);
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int o[3];
        const long long plane_index = esen_pool_position(i, pool, o);
        float best = -ESEN_INFINITY;
        long long at = -1;
        esen_pool_window(x + plane_index * in_plane, pool, o, [&](float v, int id, int ih, int iw) {
            if (at < 0 || v > best || (v != v && best == best))
            {
                best = v;
                at = column_major != 0
                    ? (static_cast<long long>(iw) * pool.input[1] + ih) * pool.input[0] + id
                    : (static_cast<long long>(id) * pool.input[1] + ih) * pool.input[2] + iw;
            }
        });
        y[i] = static_cast<T>(best);
        if (indices != nullptr)
        {
            indices[i] = plane_index * in_plane + (at < 0 ? 0 : at);
        }
    }
}

ESEN_KERNEL void esen_max_pool(const float* x, float* y, int planes, EsenWindow3D pool,
                               long long* indices, int column_major)
{
    esen_max_pool_of(x, y, planes, pool, indices, column_major);
}

ESEN_KERNEL void esen_max_pool_int8(const signed char* x, signed char* y, int planes, EsenWindow3D pool,
                                    long long* indices, int column_major)
{
    esen_max_pool_of(x, y, planes, pool, indices, column_major);
}

ESEN_KERNEL void esen_max_pool_uint8(const unsigned char* x, unsigned char* y, int planes,
                                     EsenWindow3D pool, long long* indices, int column_major)
{
    esen_max_pool_of(x, y, planes, pool, indices, column_major);
}

// Mean over the window. The divisor counts the window positions inside the input, or with
// count_include_pad != 0 those inside the input and its explicit padding: a window that ceil_mode
// extends past the padding is clipped to it, as ONNX AveragePool defines. The window is a box, so
// both counts are products over the dimensions. A window with nothing to count gives 0 (as the CPU
// executor).
ESEN_KERNEL void esen_avg_pool(const float* x, float* y, int planes, EsenWindow3D pool,
                               int count_include_pad)
{
    const long long in_plane = static_cast<long long>(pool.input[0]) * pool.input[1] * pool.input[2];
    const long long count = planes * (static_cast<long long>(pool.output[0]) * pool.output[1] * pool.output[2]);
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int o[3];
        const float* plane = x + esen_pool_position(i, pool, o) * in_plane;
        int divisor = 1;
        for (int d = 0; d < 3; ++d)
        {
            const int low = count_include_pad != 0 ? -pool.pad_begin[d] : 0;
            const int high = pool.input[d] + (count_include_pad != 0 ? pool.pad_end[d] : 0);
            int counted = 0;
            for (int k = 0; k < pool.kernel[d]; ++k)
            {
                const int at = esen_pool_tap(pool, d, o[d], k);
                counted += at >= low && at < high ? 1 : 0;
            }
            divisor *= counted;
        }
        float sum = 0.0f;
        esen_pool_window(plane, pool, o, [&](float v, int, int, int) { sum += v; });
        y[i] = divisor == 0 ? 0.0f : sum / static_cast<float>(divisor);
    }
}

// y[p] = mean of plane p (plane_size = H·W). One block per plane, grid-stride over planes.
ESEN_KERNEL void esen_global_avg_pool(const float* x, float* y, int planes, int plane_size)
{
    ESEN_SHARED float scratch[ESEN_MAX_BLOCK];
    for (int p = static_cast<int>(esen_block_index()); p < planes; p += static_cast<int>(esen_grid_dim()))
    {
        const float* plane = x + static_cast<long long>(p) * plane_size;
        float partial = 0.0f;
        for (int j = static_cast<int>(esen_thread_index()); j < plane_size; j += static_cast<int>(esen_block_dim()))
        {
            partial += plane[j];
        }
        const float sum = esen_block_reduce<ESEN_REDUCE_SUM>(partial, scratch);
        if (esen_thread_index() == 0)
        {
            y[p] = sum / static_cast<float>(plane_size);
        }
    }
}
