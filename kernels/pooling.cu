// 2-D pooling over NCHW tensors. planes = N·C; each plane is in_h × in_w in x and out_h × out_w
// in y. Windows follow EsenWindow2D (top/left pads; positions outside the input are padding).
#include "block_reduce.cuh"

// Max over the window's in-bounds positions (padding never wins; a NaN does, as in ONNX's reference).
ESEN_KERNEL void esen_max_pool(const float* x, float* y, int planes, int in_h, int in_w, int out_h,
                               int out_w, EsenWindow2D window)
{
    const long long count = static_cast<long long>(planes) * out_h * out_w;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int ow = static_cast<int>(i % out_w);
        const int oh = static_cast<int>((i / out_w) % out_h);
        const float* plane = x + (i / (static_cast<long long>(out_w) * out_h)) * in_h * in_w;
        float best = -ESEN_INFINITY;
        for (int kh = 0; kh < window.kernel_h; ++kh)
        {
            const int ih = oh * window.stride_h - window.pad_top + kh * window.dilation_h;
            if (ih < 0 || ih >= in_h)
            {
                continue;
            }
            for (int kw = 0; kw < window.kernel_w; ++kw)
            {
                const int iw = ow * window.stride_w - window.pad_left + kw * window.dilation_w;
                if (iw >= 0 && iw < in_w)
                {
                    const float v = plane[ih * in_w + iw];
                    best = (v > best || v != v) ? v : best;
                }
            }
        }
        y[i] = best;
    }
}

// Mean over the window. count_include_pad != 0: the divisor is kernel_h·kernel_w (ONNX
// AveragePool count_include_pad=1 with ceil_mode=0); otherwise the number of in-bounds positions.
ESEN_KERNEL void esen_avg_pool(const float* x, float* y, int planes, int in_h, int in_w, int out_h,
                               int out_w, EsenWindow2D window, int count_include_pad)
{
    const long long count = static_cast<long long>(planes) * out_h * out_w;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int ow = static_cast<int>(i % out_w);
        const int oh = static_cast<int>((i / out_w) % out_h);
        const float* plane = x + (i / (static_cast<long long>(out_w) * out_h)) * in_h * in_w;
        float sum = 0.0f;
        int inside = 0;
        for (int kh = 0; kh < window.kernel_h; ++kh)
        {
            const int ih = oh * window.stride_h - window.pad_top + kh * window.dilation_h;
            if (ih < 0 || ih >= in_h)
            {
                continue;
            }
            for (int kw = 0; kw < window.kernel_w; ++kw)
            {
                const int iw = ow * window.stride_w - window.pad_left + kw * window.dilation_w;
                if (iw >= 0 && iw < in_w)
                {
                    sum += plane[ih * in_w + iw];
                    ++inside;
                }
            }
        }
        const int divisor = count_include_pad != 0 ? window.kernel_h * window.kernel_w : inside;
        y[i] = sum / static_cast<float>(divisor);
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
