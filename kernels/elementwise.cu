// Elementwise binary operators with NumPy/ONNX broadcasting, on float32, float64 and every
// integer type, and the float32 ↔ int64 and float32 ↔ float64 casts.
//
// Broadcasting is described by strides: the output shape is right-aligned into ESEN_MAX_RANK (6)
// dimensions (missing leading dimensions are 1), and each input gets one stride per output
// dimension, in elements, 0 where the input is broadcast along that dimension (size 1 or absent).
// Output element (c0..c5) reads a[Σ c_d·a_strides[d]] and b[Σ c_d·b_strides[d]].
// Counts are below 2^31 elements.
#include "esen_cuda.h"

enum EsenBinaryOp
{
    ESEN_BINARY_ADD,
    ESEN_BINARY_SUB,
    ESEN_BINARY_MUL,
    ESEN_BINARY_DIV,
};

// IEEE arithmetic in the element's own type (float32 or float64); division is div.rn, not an
// approximation. Integers as the CPU executor computes them (C# unchecked arithmetic): sums,
// differences and products wrap in two's complement, computed on 64-bit unsigned values because
// signed overflow is undefined in C++, and the low bits kept (a conversion to a narrower integer is
// modular); the quotient truncates toward zero (C, and ONNX Div). A zero divisor and a signed
// type's minimum / −1 have no quotient in the type (and are undefined in C++ and in PTX div.s64):
// the element is written 0 and the fault is reported (esen_report_fault).
template <int Op, class T>
ESEN_DEVICE T esen_binary_apply(T a, T b, int* fault, int fault_code)
{
    if constexpr (static_cast<T>(0.5) != static_cast<T>(0))
    {
        switch (Op)
        {
            case ESEN_BINARY_ADD: return a + b;
            case ESEN_BINARY_SUB: return a - b;
            case ESEN_BINARY_MUL: return a * b;
            default: return a / b;
        }
    }
    else
    {
        const unsigned long long ua = static_cast<unsigned long long>(a);
        const unsigned long long ub = static_cast<unsigned long long>(b);
        switch (Op)
        {
            case ESEN_BINARY_ADD: return static_cast<T>(ua + ub);
            case ESEN_BINARY_SUB: return static_cast<T>(ua - ub);
            case ESEN_BINARY_MUL: return static_cast<T>(ua * ub);
            default:
            {
                constexpr bool is_signed = static_cast<T>(-1) < static_cast<T>(0);
                constexpr T minimum = is_signed ? static_cast<T>(1ULL << (sizeof(T) * 8 - 1)) : static_cast<T>(0);
                if (b == 0 || (is_signed && b == static_cast<T>(-1) && a == minimum))
                {
                    esen_report_fault(fault, fault_code);
                    return 0;
                }
                return static_cast<T>(a / b);
            }
        }
    }
}

// y[i] = a[..] ∘ b[..] over the broadcast strides. fault and fault_code reach esen_binary_apply,
// which only integer division uses.
template <int Op, class T>
ESEN_DEVICE void esen_binary(const T* a, const T* b, T* y, int count, const EsenDims6& out_dims,
                             const EsenDims6& a_strides, const EsenDims6& b_strides,
                             int* fault = nullptr, int fault_code = 0)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int rest = static_cast<int>(i);
        int a_offset = 0;
        int b_offset = 0;
        for (int d = ESEN_MAX_RANK - 1; d >= 0; --d)
        {
            const int coordinate = rest % out_dims.values[d];
            rest /= out_dims.values[d];
            a_offset += coordinate * a_strides.values[d];
            b_offset += coordinate * b_strides.values[d];
        }
        y[i] = esen_binary_apply<Op>(a[a_offset], b[b_offset], fault, fault_code);
    }
}

// One entry point per operator and element type: esen_<op> on float32, esen_<op>_<type> on the
// others (the type named as ONNX names it). Integer division takes the fault word as well.
#define ESEN_BINARY_ENTRY(name, op, T)                                                                \
    ESEN_KERNEL void name(const T* a, const T* b, T* y, int count, EsenDims6 out_dims,               \
                          EsenDims6 a_strides, EsenDims6 b_strides)                                  \
    {                                                                                                \
        esen_binary<op>(a, b, y, count, out_dims, a_strides, b_strides);                             \
    }

#define ESEN_BINARY_ENTRIES(suffix, T)                                                               \
    ESEN_BINARY_ENTRY(esen_add##suffix, ESEN_BINARY_ADD, T)                                          \
    ESEN_BINARY_ENTRY(esen_sub##suffix, ESEN_BINARY_SUB, T)                                          \
    ESEN_BINARY_ENTRY(esen_mul##suffix, ESEN_BINARY_MUL, T)

#define ESEN_INTEGER_BINARY_ENTRIES(suffix, T)                                                       \
    ESEN_BINARY_ENTRIES(suffix, T)                                                                   \
    ESEN_KERNEL void esen_div##suffix(const T* a, const T* b, T* y, int count, EsenDims6 out_dims,   \
                                      EsenDims6 a_strides, EsenDims6 b_strides, int* fault,          \
                                      int fault_code)                                                \
    {                                                                                                \
        esen_binary<ESEN_BINARY_DIV>(a, b, y, count, out_dims, a_strides, b_strides, fault, fault_code); \
    }

ESEN_BINARY_ENTRIES(, float)
ESEN_BINARY_ENTRY(esen_div, ESEN_BINARY_DIV, float)
ESEN_BINARY_ENTRIES(_double, double)
ESEN_BINARY_ENTRY(esen_div_double, ESEN_BINARY_DIV, double)
ESEN_INTEGER_BINARY_ENTRIES(_int8, signed char)
ESEN_INTEGER_BINARY_ENTRIES(_uint8, unsigned char)
ESEN_INTEGER_BINARY_ENTRIES(_int16, short)
ESEN_INTEGER_BINARY_ENTRIES(_uint16, unsigned short)
ESEN_INTEGER_BINARY_ENTRIES(_int32, int)
ESEN_INTEGER_BINARY_ENTRIES(_uint32, unsigned int)
ESEN_INTEGER_BINARY_ENTRIES(_int64, long long)
ESEN_INTEGER_BINARY_ENTRIES(_uint64, unsigned long long)

// float → int64 as the CPU executor's cast: toward zero, NaN to 0, and values beyond the int64 range
// saturated, which is also what cvt.rzi.s64.f32 gives; written out because the C++ conversion is
// undefined for those values on the host. 2^63 is exactly a float.
ESEN_KERNEL void esen_cast_float_to_int64(const float* x, long long* y, int count)
{
    constexpr float two63 = 9223372036854775808.0f;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const float v = x[i];
        y[i] = v != v ? 0
             : v >= two63 ? 0x7FFFFFFFFFFFFFFFLL
             : v < -two63 ? -0x7FFFFFFFFFFFFFFFLL - 1
             : static_cast<long long>(v);
    }
}

// A conversion C++ defines for every value: int64 → float rounds to nearest (even on a tie), as C#
// and cvt.rn.f32.s64; float → double is exact; double → float rounds to nearest (cvt.rn.f32.f64),
// as C#, infinities and NaN kept, beyond float's range to ±infinity.
template <class From, class To>
ESEN_DEVICE void esen_cast_of(const From* x, To* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = static_cast<To>(x[i]);
    }
}

ESEN_KERNEL void esen_cast_int64_to_float(const long long* x, float* y, int count)
{
    esen_cast_of(x, y, count);
}

ESEN_KERNEL void esen_cast_float_to_double(const float* x, double* y, int count)
{
    esen_cast_of(x, y, count);
}

ESEN_KERNEL void esen_cast_double_to_float(const double* x, float* y, int count)
{
    esen_cast_of(x, y, count);
}
