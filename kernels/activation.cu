// Bias + activation epilogue for GEMM/convolution outputs (and plain activations: bias = null), and
// Clip with bounds computed at run time.
#include "esen_cuda.h"

// Activation codes: the order of Esen.Kernels.Cpu.Kernels.ActivationKind, then GELU.
// Esen.Kernels.Cuda.EpilogueActivation mirrors them; a test checks they agree.
enum EsenActivation
{
    ESEN_ACT_NONE = 0,
    ESEN_ACT_RELU = 1,
    ESEN_ACT_LEAKY_RELU = 2,   // x >= 0 ? x : alpha·x
    ESEN_ACT_CLIP = 3,         // min(max(x, alpha), beta)
    ESEN_ACT_SIGMOID = 4,
    ESEN_ACT_TANH = 5,
    ESEN_ACT_HARD_SIGMOID = 6, // max(0, min(1, alpha·x + beta))
    ESEN_ACT_GELU = 7,         // 0.5·x·(1 + erf(x/√2)), ONNX Gelu with approximate="none"
    ESEN_ACT_ERF = 8,          // erf(x), ONNX Erf
};

// erf(x). For |x| < 0.5, the Maclaurin series erf x = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n!·(2n+1))
// (Abramowitz & Stegun, Handbook of Mathematical Functions (1964), 7.1.5) through n = 5: the
// series alternates, so the error is below the first omitted term, under 3e-8 relative at 0.5,
// and small arguments keep their relative accuracy. Above, A&S formula 7.1.26:
// erf(x) = 1 − (a1·t + a2·t² + a3·t³ + a4·t⁴ + a5·t⁵)·e^(−x²), t = 1/(1 + p·x), x ≥ 0,
// |error| ≤ 1.5e-7 in exact arithmetic. erf is odd, so negative x use −erf(−x). The CPU executor
// splits at 0.5 too (CpuOps.Erf). The host build measures at most 1.5e-7 relative error below 0.5
// and 2.7e-7 absolute above (DeviceKernels tests, against a double-precision erf); on a GPU,
// ex2.approx stands in for the host's exp2.
ESEN_DEVICE float esen_erf(float x)
{
    const float z = ESEN_FABS(x);
    if (z < 0.5f)
    {
        // 2/√π·(−1)ⁿ/(n!·(2n+1)), n = 0..5, evaluated in x² by Horner's rule.
        const float x2 = x * x;
        const float series = ESEN_FMA(ESEN_FMA(ESEN_FMA(ESEN_FMA(ESEN_FMA(
            -8.5483270234508534e-4f, x2, 5.2239776254421878e-3f), x2, -2.6866170645131252e-2f), x2,
            1.1283791670955126e-1f), x2, -3.7612638903183754e-1f), x2, 1.1283791670955126f);
        return x * series;
    }
    const float p = 0.3275911f;
    const float a1 = 0.254829592f;
    const float a2 = -0.284496736f;
    const float a3 = 1.421413741f;
    const float a4 = -1.453152027f;
    const float a5 = 1.061405429f;
    const float t = 1.0f / ESEN_FMA(p, z, 1.0f);
    const float poly = ESEN_FMA(ESEN_FMA(ESEN_FMA(ESEN_FMA(a5, t, a4), t, a3), t, a2), t, a1) * t;
    const float magnitude = 1.0f - poly * esen_exp(-z * z);
    return x < 0.0f ? -magnitude : magnitude;
}

// tanh(x) = sign(x)·(1 − e^(−2|x|)) / (1 + e^(−2|x|)): no overflow for any x.
ESEN_DEVICE float esen_tanh(float x)
{
    const float e = esen_exp(-2.0f * ESEN_FABS(x));
    const float magnitude = (1.0f - e) / (1.0f + e);
    return x < 0.0f ? -magnitude : magnitude;
}

// min(max(x, lo), hi) as ONNX Clip defines it (hi wins when lo > hi), but a NaN stays NaN where
// fmaxf/fminf would return a bound, as on the CPU.
ESEN_DEVICE float esen_clamp(float x, float lo, float hi)
{
    const float raised = x < lo ? lo : x;
    return raised > hi ? hi : raised;
}

ESEN_DEVICE float esen_activate(float x, int activation, float alpha, float beta)
{
    switch (activation)
    {
        case ESEN_ACT_RELU:
            return x < 0.0f ? 0.0f : x;
        case ESEN_ACT_LEAKY_RELU:
            return x >= 0.0f ? x : alpha * x;
        case ESEN_ACT_CLIP:
            return esen_clamp(x, alpha, beta);
        case ESEN_ACT_SIGMOID:
            return 1.0f / (1.0f + esen_exp(-x));
        case ESEN_ACT_TANH:
            return esen_tanh(x);
        case ESEN_ACT_HARD_SIGMOID:
            return esen_clamp(ESEN_FMA(alpha, x, beta), 0.0f, 1.0f);
        case ESEN_ACT_GELU:
            return 0.5f * x * (1.0f + esen_erf(x * 0.70710678118654752f));
        case ESEN_ACT_ERF:
            return esen_erf(x);
        default:
            return x;
    }
}

// y[i] = act(x[i] + bias[(i / inner) % channels]) for i < count; bias may be null (no bias).
// NCHW conv output: channels = C, inner = H·W. Row-major GEMM output [M, N]: channels = N,
// inner = 1. x may equal y (in place).
ESEN_KERNEL void esen_bias_activation(const float* x, const float* bias, float* y, int count,
                                      int channels, int inner, int activation, float alpha,
                                      float beta)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        float v = x[i];
        if (bias != nullptr)
        {
            v += bias[(static_cast<int>(i) / inner) % channels];
        }
        y[i] = esen_activate(v, activation, alpha, beta);
    }
}

// Clip whose bounds are computed at run time: each is a one-element tensor in device memory, read
// here, or absent (a null pointer), when lo or hi stands in (ONNX Clip's default, ±infinity).
// Computed in float32, as the CPU executor clips int8 and uint8, which float32 holds exactly.
template <class T>
ESEN_DEVICE void esen_clip_of(const T* x, T* y, int count, const T* min, const T* max, float lo, float hi)
{
    const float lower = min != nullptr ? static_cast<float>(*min) : lo;
    const float upper = max != nullptr ? static_cast<float>(*max) : hi;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = static_cast<T>(esen_clamp(static_cast<float>(x[i]), lower, upper));
    }
}

ESEN_KERNEL void esen_clip(const float* x, float* y, int count, const float* min, const float* max,
                           float lo, float hi)
{
    esen_clip_of(x, y, count, min, max, lo, hi);
}

ESEN_KERNEL void esen_clip_int8(const signed char* x, signed char* y, int count, const signed char* min,
                                const signed char* max, float lo, float hi)
{
    esen_clip_of(x, y, count, min, max, lo, hi);
}

ESEN_KERNEL void esen_clip_uint8(const unsigned char* x, unsigned char* y, int count,
                                 const unsigned char* min, const unsigned char* max, float lo, float hi)
{
    esen_clip_of(x, y, count, min, max, lo, hi);
}
