// Element-wise math beyond the four arithmetic operators: Sqrt and Log on float32; Max of two
// inputs on float32, float64 and every integer type (NaN when either is NaN, as the CPU's
// TensorPrimitives.Max; a Max of more inputs is a chain of them); and Pow, its base and exponent of
// their own types. Max and Pow broadcast as elementwise.cu does, by per-dimension strides.
//
// Sqrt is sqrt.rn, correctly rounded as the CPU's. Log is lg2.approx·ln 2 (no libdevice): within a
// few 1e-7 of the CPU's absolutely, and relatively away from x = 1; log 0 = −∞, log of a negative is NaN.
//
// Without libdevice there is no powf: x^e is computed as the CPU executor's Math.Pow gives it where
// that can be done exactly, and approximately elsewhere:
//  - an integer exponent (an integer type, or a float holding an integer below 2^31 in magnitude)
//    raises by repeated squaring: exact for integer bases whose power fits the type (beyond it the
//    low bits are kept, where the CPU saturates); in double for float bases, rounded once to float,
//    so small powers are the CPU's to the last bit;
//  - any other exponent: 2^(e·log2 x) with the ex2/lg2 approximations (NaN for a negative base,
//    as Math.Pow), then truncated toward zero for an integer base.
#include "esen_cuda.h"

#if defined(__CUDA_ARCH__)
#define ESEN_LOG2(x) __nvvm_lg2_approx_f(x)
#else
#include <cmath>
#define ESEN_LOG2(x) std::log2(static_cast<float>(x))
#endif

template <class T>
ESEN_DEVICE T esen_integer_power(T x, unsigned long long n)
{
    T result = static_cast<T>(1);
    while (n != 0)
    {
        if ((n & 1ULL) != 0)
        {
            result = static_cast<T>(result * x);
        }
        x = static_cast<T>(x * x);
        n >>= 1;
    }
    return result;
}

// Float bases multiply in double and round once (so x^2 and x^3 are Math.Pow's, rounded); integer
// bases multiply as unsigned 64-bit values (signed overflow is undefined in C++) and keep the low bits.
template <class T>
ESEN_DEVICE T esen_pow_integer_exponent(T x, long long e)
{
    constexpr bool is_float = static_cast<T>(0.5) != static_cast<T>(0);
    const unsigned long long magnitude = e < 0 ? 0ULL - static_cast<unsigned long long>(e) : static_cast<unsigned long long>(e);
    if constexpr (is_float)
    {
        const double power = esen_integer_power(static_cast<double>(x), magnitude);
        return static_cast<T>(e < 0 ? 1.0 / power : power);
    }
    else
    {
        if (e < 0)
        {
            // 1/x^|e| truncated: ±1 for |x| = 1, 0 for |x| > 1, and for 0 the type's maximum (+∞ saturated).
            constexpr bool is_signed = static_cast<T>(-1) < static_cast<T>(0);
            constexpr T maximum = is_signed ? static_cast<T>((1ULL << (sizeof(T) * 8 - 1)) - 1) : static_cast<T>(~0ULL);
            if (x == static_cast<T>(0)) return maximum;
            if (x == static_cast<T>(1)) return x;
            if (is_signed && x == static_cast<T>(-1)) return (magnitude & 1ULL) != 0 ? x : static_cast<T>(1);
            return 0;
        }
        return static_cast<T>(esen_integer_power(static_cast<unsigned long long>(x), magnitude));
    }
}

// float → T as the CPU's CreateSaturating: NaN to 0, beyond the range to its ends, else toward zero
// (the C++ conversion is undefined for the first two).
template <class T>
ESEN_DEVICE T esen_saturate(float v)
{
    if constexpr (static_cast<T>(0.5) != static_cast<T>(0))
    {
        return static_cast<T>(v);
    }
    else
    {
        constexpr bool is_signed = static_cast<T>(-1) < static_cast<T>(0);
        constexpr T maximum = is_signed ? static_cast<T>((1ULL << (sizeof(T) * 8 - 1)) - 1) : static_cast<T>(~0ULL);
        constexpr T minimum = is_signed ? static_cast<T>(-maximum - 1) : static_cast<T>(0);
        if (v != v) return 0;
        if (v >= static_cast<float>(maximum)) return maximum;
        if (v <= static_cast<float>(minimum)) return minimum;
        return static_cast<T>(v);
    }
}

template <class T, class E>
ESEN_DEVICE T esen_pow_of(T x, E e)
{
    constexpr bool exponent_is_float = static_cast<E>(0.5) != static_cast<E>(0);
    if constexpr (!exponent_is_float)
    {
        return esen_pow_integer_exponent(x, static_cast<long long>(e));
    }
    else
    {
        const float f = static_cast<float>(e);
        const float magnitude = f < 0.0f ? -f : f;
        if (magnitude < 2147483648.0f && static_cast<float>(static_cast<long long>(f)) == f)
        {
            return esen_pow_integer_exponent(x, static_cast<long long>(f));
        }
        const float base = static_cast<float>(x);
        const float power = base < 0.0f ? __builtin_nanf("") // as Math.Pow of a negative base
                          : base == 0.0f ? (f > 0.0f ? 0.0f : ESEN_INFINITY)
                          : ESEN_EXP2(f * ESEN_LOG2(base));
        return esen_saturate<T>(power);
    }
}

template <class T, class E>
ESEN_DEVICE void esen_pow(const T* x, const E* e, T* y, int count, const EsenDims6& out_dims,
                          const EsenDims6& x_strides, const EsenDims6& e_strides)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int x_offset;
        int e_offset;
        esen_broadcast_offsets(i, out_dims, x_strides, e_strides, x_offset, e_offset);
        y[i] = esen_pow_of(x[x_offset], e[e_offset]);
    }
}

// esen_pow_<base>_<exponent>, the types named as ONNX names them.
#define ESEN_POW_ENTRY(name, T, E)                                                                   \
    ESEN_KERNEL void name(const T* x, const E* e, T* y, int count, EsenDims6 out_dims,              \
                          EsenDims6 x_strides, EsenDims6 e_strides)                                 \
    {                                                                                               \
        esen_pow(x, e, y, count, out_dims, x_strides, e_strides);                                   \
    }

#define ESEN_POW_ENTRIES(base, T)                                                                    \
    ESEN_POW_ENTRY(esen_pow_##base##_float, T, float)                                                \
    ESEN_POW_ENTRY(esen_pow_##base##_int32, T, int)                                                  \
    ESEN_POW_ENTRY(esen_pow_##base##_int64, T, long long)                                            \
    ESEN_POW_ENTRY(esen_pow_##base##_uint32, T, unsigned int)                                        \
    ESEN_POW_ENTRY(esen_pow_##base##_uint64, T, unsigned long long)

ESEN_POW_ENTRIES(float, float)
ESEN_POW_ENTRIES(int32, int)
ESEN_POW_ENTRIES(int64, long long)

ESEN_KERNEL void esen_sqrt(const float* x, float* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = ESEN_SQRT(x[i]);
    }
}

ESEN_KERNEL void esen_neg(const float* x, float* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = -x[i];
    }
}

ESEN_KERNEL void esen_log(const float* x, float* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = ESEN_LOG2(x[i]) * 0.6931471805599453f;
    }
}

template <class T>
ESEN_DEVICE void esen_broadcast_max(const T* a, const T* b, T* y, int count, const EsenDims6& out_dims,
                          const EsenDims6& a_strides, const EsenDims6& b_strides)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int a_offset;
        int b_offset;
        esen_broadcast_offsets(i, out_dims, a_strides, b_strides, a_offset, b_offset);
        const T u = a[a_offset];
        const T v = b[b_offset];
        y[i] = (u != u || u > v) ? u : v;
    }
}

// esen_max on float32, esen_max_<type> on the others (the type named as ONNX names it).
#define ESEN_MAX_ENTRY(name, T)                                                                      \
    ESEN_KERNEL void name(const T* a, const T* b, T* y, int count, EsenDims6 out_dims,              \
                          EsenDims6 a_strides, EsenDims6 b_strides)                                 \
    {                                                                                               \
        esen_broadcast_max(a, b, y, count, out_dims, a_strides, b_strides);                         \
    }

ESEN_MAX_ENTRY(esen_max, float)
ESEN_MAX_ENTRY(esen_max_double, double)
ESEN_MAX_ENTRY(esen_max_int8, signed char)
ESEN_MAX_ENTRY(esen_max_uint8, unsigned char)
ESEN_MAX_ENTRY(esen_max_int16, short)
ESEN_MAX_ENTRY(esen_max_uint16, unsigned short)
ESEN_MAX_ENTRY(esen_max_int32, int)
ESEN_MAX_ENTRY(esen_max_uint32, unsigned int)
ESEN_MAX_ENTRY(esen_max_int64, long long)
ESEN_MAX_ENTRY(esen_max_uint64, unsigned long long)
