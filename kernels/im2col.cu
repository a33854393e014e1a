// im2col for one NCHW image: the convolution fallback when cuDNN is absent (and, in 3-D, the
// convolution itself, with the GEMM that follows). With
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

// im2col for one NCDHW image over a 3-D window: W[O, C·KD·KH·KW] × col[C·KD·KH·KW, OD·OH·OW] is the
// image's NCDHW output.
//
// col[((c·KD + kd)·KH + kh)·KW + kw][(od·OH + oh)·OW + ow] = x[c][id][ih][iw] with
// id = od·stride[0] − pad_begin[0] + kd·dilation[0] (likewise ih, iw), and 0 in the padding.
ESEN_KERNEL void esen_im2col_3d(const float* x, float* col, int channels, EsenWindow3D window)
{
    const long long out_size = static_cast<long long>(window.output[0]) * window.output[1] * window.output[2];
    const int taps = window.kernel[0] * window.kernel[1] * window.kernel[2];
    const long long count = static_cast<long long>(channels) * taps * out_size;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const long long position = i % out_size;
        const int patch_row = static_cast<int>(i / out_size);
        const int ow = static_cast<int>(position % window.output[2]);
        const int oh = static_cast<int>((position / window.output[2]) % window.output[1]);
        const int od = static_cast<int>(position / (static_cast<long long>(window.output[2]) * window.output[1]));
        const int kw = patch_row % window.kernel[2];
        const int kh = (patch_row / window.kernel[2]) % window.kernel[1];
        const int kd = (patch_row / (window.kernel[2] * window.kernel[1])) % window.kernel[0];
        const int c = patch_row / taps;
        const int id = od * window.stride[0] - window.pad_begin[0] + kd * window.dilation[0];
        const int ih = oh * window.stride[1] - window.pad_begin[1] + kh * window.dilation[1];
        const int iw = ow * window.stride[2] - window.pad_begin[2] + kw * window.dilation[2];
        const bool inside = id >= 0 && id < window.input[0] && ih >= 0 && ih < window.input[1] && iw >= 0 && iw < window.input[2];
        col[i] = inside ? x[((static_cast<long long>(c) * window.input[0] + id) * window.input[1] + ih) * window.input[2] + iw] : 0.0f;
    }
}

// The adjoint of esen_im2col_3d, for ConvTranspose: image[c][p] = bias[c] + Σ col[c·taps + tap][q] over the taps
// and column positions q whose window puts the tap at p (q·stride − pad_begin + k·dilation = p in each dimension;
// pad_begin may be negative). window.input is the image's size (the ConvTranspose output), window.output the columns'
// positions (its input). One thread per image element, taps in row-major order, so no atomics; bias may be null.
ESEN_KERNEL void esen_col2im_3d(const float* col, float* image, const float* bias, int channels, EsenWindow3D window)
{
    const long long volume = static_cast<long long>(window.input[0]) * window.input[1] * window.input[2];
    const long long positions = static_cast<long long>(window.output[0]) * window.output[1] * window.output[2];
    const int taps = window.kernel[0] * window.kernel[1] * window.kernel[2];
    const long long count = static_cast<long long>(channels) * volume;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int c = static_cast<int>(i / volume);
        const long long p = i % volume;
        const int pw = static_cast<int>(p % window.input[2]);
        const int ph = static_cast<int>((p / window.input[2]) % window.input[1]);
        const int pd = static_cast<int>(p / (static_cast<long long>(window.input[2]) * window.input[1]));
        float sum = 0.0f;
        for (int kd = 0; kd < window.kernel[0]; ++kd)
        {
            const int qd = pd + window.pad_begin[0] - kd * window.dilation[0];
            if (qd < 0 || qd % window.stride[0] != 0 || qd / window.stride[0] >= window.output[0])
            {
                continue;
            }
            for (int kh = 0; kh < window.kernel[1]; ++kh)
            {
                const int qh = ph + window.pad_begin[1] - kh * window.dilation[1];
                if (qh < 0 || qh % window.stride[1] != 0 || qh / window.stride[1] >= window.output[1])
                {
                    continue;
                }
                for (int kw = 0; kw < window.kernel[2]; ++kw)
                {
                    const int qw = pw + window.pad_begin[2] - kw * window.dilation[2];
                    if (qw < 0 || qw % window.stride[2] != 0 || qw / window.stride[2] >= window.output[2])
                    {
                        continue;
                    }
                    const long long row = static_cast<long long>(c) * taps + (kd * window.kernel[1] + kh) * window.kernel[2] + kw;
                    const long long q = (static_cast<long long>(qd / window.stride[0]) * window.output[1] + qh / window.stride[1]) * window.output[2] + qw / window.stride[2];
                    sum += col[row * positions + q];
                }
            }
        }
        image[i] = sum + (bias != nullptr ? bias[c] : 0.0f);
    }
}
