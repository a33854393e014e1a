// Resize, one thread per output element (grid-stride): nearest over any axes, linear (bilinear) over the last two.
//
// Shapes are right-aligned into ESEN_MAX_RANK dimensions (leading ones 1, scale 1). Each axis maps output coordinate
// o to an input coordinate by the coordinate transformation, in float32 as ONNX Runtime computes it and as
// Esen.Kernels' ResizeGeometry does (the enums below have its values); an axis of scale 1 that keeps its size maps o
// to o. Nearest rounds the coordinate and clamps it into the input; linear clamps it into [0, in − 1] and
// interpolates between its floor and the next element. In linear mode the leading axes map to themselves (planning
// refuses anything else), so each output element reads one input plane.
#include "esen_cuda.h"

enum EsenResizeCoordinates
{
    ESEN_RESIZE_HALF_PIXEL,
    ESEN_RESIZE_PYTORCH_HALF_PIXEL,
    ESEN_RESIZE_ALIGN_CORNERS,
    ESEN_RESIZE_ASYMMETRIC,
    ESEN_RESIZE_TF_HALF_PIXEL_FOR_NN,
    ESEN_RESIZE_HALF_PIXEL_SYMMETRIC,
};

enum EsenResizeRounding
{
    ESEN_RESIZE_ROUND_PREFER_FLOOR,
    ESEN_RESIZE_ROUND_PREFER_CEIL,
    ESEN_RESIZE_FLOOR,
    ESEN_RESIZE_CEIL,
    ESEN_RESIZE_SIMPLE, // Resize-10: up when the axis shrinks, else down
};

// Six floats passed by value (PTX: .param .align 4 .b8 [24]); Esen.Kernels mirrors it as Floats6.
struct EsenFloats6
{
    float values[ESEN_MAX_RANK];
};

// The input coordinate of output coordinate o, before rounding or clamping: every operation rounded alone, as the CPU
// computes it (the products followed by a sum are kept from fusing into an fma on the GPU).
ESEN_DEVICE float esen_resize_source(int o, float scale, int in, int out, int coordinates)
{
    const float x = static_cast<float>(o), input = static_cast<float>(in), output = static_cast<float>(out);
    switch (coordinates)
    {
    case ESEN_RESIZE_HALF_PIXEL:
        return (x + 0.5f) / scale - 0.5f;
    case ESEN_RESIZE_PYTORCH_HALF_PIXEL:
        return output > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
    case ESEN_RESIZE_ALIGN_CORNERS:
        return output > 1 ? x * (input - 1) / (ESEN_FMUL_RN(scale, input) - 1) : 0.0f; // the unrounded output length
    case ESEN_RESIZE_ASYMMETRIC:
        return x / scale;
    case ESEN_RESIZE_TF_HALF_PIXEL_FOR_NN:
        return (x + 0.5f) / scale;
    default: // the product rounded alone (no fma), as on the CPU
        return ESEN_FMUL_RN(input / 2, 1 - output / (scale * input)) + (x + 0.5f) / scale - 0.5f;
    }
}

ESEN_DEVICE bool esen_resize_identity(float scale, int in, int out) { return scale == 1.0f && in == out; }

ESEN_DEVICE int esen_resize_nearest(int o, float scale, int in, int out, int coordinates, int rounding)
{
    if (esen_resize_identity(scale, in, out))
    {
        return o;
    }
    const float x = esen_resize_source(o, scale, in, out, coordinates);
    float rounded;
    switch (rounding)
    {
    case ESEN_RESIZE_ROUND_PREFER_FLOOR:
        rounded = x == __builtin_truncf(x) + 0.5f ? __builtin_floorf(x) : __builtin_roundf(x);
        break;
    case ESEN_RESIZE_ROUND_PREFER_CEIL:
        rounded = __builtin_roundf(x);
        break;
    case ESEN_RESIZE_FLOOR:
        rounded = __builtin_floorf(x);
        break;
    case ESEN_RESIZE_CEIL:
        rounded = __builtin_ceilf(x);
        break;
    default:
        rounded = scale < 1.0f ? __builtin_ceilf(x) : __builtin_truncf(x);
        break;
    }
    return rounded < 0.0f ? 0 : rounded > static_cast<float>(in - 1) ? in - 1 : static_cast<int>(rounded);
}

// The two input coordinates output coordinate o interpolates between, and the weight of the second.
ESEN_DEVICE void esen_resize_linear(int o, float scale, int in, int out, int coordinates, int& low, int& high, float& weight)
{
    if (esen_resize_identity(scale, in, out))
    {
        low = high = o;
        weight = 0.0f;
        return;
    }
    float x = esen_resize_source(o, scale, in, out, coordinates);
    x = x < 0.0f ? 0.0f : x > static_cast<float>(in - 1) ? static_cast<float>(in - 1) : x;
    low = static_cast<int>(x);
    high = low + 1 < in ? low + 1 : in - 1;
    weight = x - static_cast<float>(low);
}

ESEN_KERNEL void esen_resize(const float* x, float* y, int count, EsenDims6 in_dims, EsenDims6 out_dims, EsenFloats6 scales,
                             int linear, int coordinates, int rounding)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int rest = static_cast<int>(i);
        if (!linear)
        {
            long long offset = 0, stride = 1;
            for (int d = ESEN_MAX_RANK - 1; d >= 0; --d)
            {
                const int o = rest % out_dims.values[d];
                rest /= out_dims.values[d];
                offset += esen_resize_nearest(o, scales.values[d], in_dims.values[d], out_dims.values[d], coordinates, rounding) * stride;
                stride *= in_dims.values[d];
            }
            y[i] = x[offset];
            continue;
        }

        const int w = ESEN_MAX_RANK - 1, h = ESEN_MAX_RANK - 2;
        const int ow = rest % out_dims.values[w];
        rest /= out_dims.values[w];
        const int oh = rest % out_dims.values[h];
        const int plane = rest / out_dims.values[h];
        int w0, w1, h0, h1;
        float ww, wh;
        esen_resize_linear(ow, scales.values[w], in_dims.values[w], out_dims.values[w], coordinates, w0, w1, ww);
        esen_resize_linear(oh, scales.values[h], in_dims.values[h], out_dims.values[h], coordinates, h0, h1, wh);
        const int in_w = in_dims.values[w];
        const float* p = x + static_cast<long long>(plane) * in_dims.values[h] * in_w;
        const float top = p[h0 * in_w + w0] * (1.0f - ww) + p[h0 * in_w + w1] * ww;
        const float bottom = p[h1 * in_w + w0] * (1.0f - ww) + p[h1 * in_w + w1] * ww;
        y[i] = top * (1.0f - wh) + bottom * wh;
    }
}
