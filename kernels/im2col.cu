// im2col for one NCHW image: the convolution fallback when cuDNN is absent. With
// col = im2col(x), the convolution is W[O, C·KH·KW] × col[C·KH·KW, OH·OW] = y[O, OH·OW], which is
// already the image's NCHW output. The caller offsets x per image (and per group).
//
// col[(c·KH + kh)·KW + kw][oh·OW + ow] = x[c][ih][iw] with ih = oh·stride_h − pad_top + kh·dilation_h
// (likewise iw), and 0 where (ih, iw) falls into the padding.
#include "esen_cuda.h"

ESEN_KERNEL void esen_im2col(const float* x, float* col, int channels, int in_h, int in_w,
                             int out_h, int out_w, EsenWindow2D window)
{
    const int out_size = out_h * out_w;
    const long long count = static_cast<long long>(channels) * window.kernel_h * window.kernel_w * out_size;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int position = static_cast<int>(i % out_size);
        const int patch_row = static_cast<int>(i / out_size);
        const int kw = patch_row % window.kernel_w;
        const int kh = (patch_row / window.kernel_w) % window.kernel_h;
        const int c = patch_row / (window.kernel_w * window.kernel_h);
        const int ih = (position / out_w) * window.stride_h - window.pad_top + kh * window.dilation_h;
        const int iw = (position % out_w) * window.stride_w - window.pad_left + kw * window.dilation_w;
        const bool inside = ih >= 0 && ih < in_h && iw >= 0 && iw < in_w;
        col[i] = inside ? x[(static_cast<long long>(c) * in_h + ih) * in_w + iw] : 0.0f;
    }
}
