// Elementwise binary operators with NumPy/ONNX broadcasting, on float32 and on int64, and the
// float ↔ int64 casts.
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

template <int Op>
ESEN_DEVICE float esen_binary_apply(float a, float b, int*, int)
{
    switch (Op)
    {
        case ESEN_BINARY_ADD: return a + b;
        case ESEN_BINARY_SUB: return a - b;
        case ESEN_BINARY_MUL: return a * b;
        default: return a / b; // IEEE division (div.rn.f32), not an approximation
    }
}

// int64 as the CPU executor computes it (C# unchecked arithmetic): sums, differences and products
// wrap in two's complement, computed on unsigned values because signed overflow is undefined in
// C++; the quotient truncates toward zero (C, and ONNX Div). A zero divisor and −2^63 / −1 have no
// int64 quotient (and are undefined in C++ and in PTX div.s64): the element is written 0 and the
// fault is reported (esen_report_fault).
template <int Op>
ESEN_DEVICE long long esen_binary_apply(long long a, long long b, int* fault, int fault_code)
{
    const unsigned long long ua = static_cast<unsigned long long>(a);
    const unsigned long long ub = static_cast<unsigned long long>(b);
    switch (Op)
    {
        case ESEN_BINARY_ADD: return static_cast<long long>(ua + ub);
        case ESEN_BINARY_SUB: return static_cast<long long>(ua - ub);
        case ESEN_BINARY_MUL: return static_cast<long long>(ua * ub);
        default:
            if (b == 0 || (b == -1 && a == -0x7FFFFFFFFFFFFFFFLL - 1))
            {
                esen_report_fault(fault, fault_code);
                return 0;
            }
            return a / b;
    }
}

// y[i] = a[..] ∘ b[..] over the broadcast strides, for T float or long long. fault and fault_code
// reach esen_binary_apply, which only int64 division uses.
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

ESEN_KERNEL void esen_add(const float* a, const float* b, float* y, int count, EsenDims6 out_dims,
                          EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_ADD>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_sub(const float* a, const float* b, float* y, int count, EsenDims6 out_dims,
                          EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_SUB>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_mul(const float* a, const float* b, float* y, int count, EsenDims6 out_dims,
                          EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_MUL>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_div(const float* a, const float* b, float* y, int count, EsenDims6 out_dims,
                          EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_DIV>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_add_int64(const long long* a, const long long* b, long long* y, int count,
                                EsenDims6 out_dims, EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_ADD>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_sub_int64(const long long* a, const long long* b, long long* y, int count,
                                EsenDims6 out_dims, EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_SUB>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_mul_int64(const long long* a, const long long* b, long long* y, int count,
                                EsenDims6 out_dims, EsenDims6 a_strides, EsenDims6 b_strides)
{
    esen_binary<ESEN_BINARY_MUL>(a, b, y, count, out_dims, a_strides, b_strides);
}

ESEN_KERNEL void esen_div_int64(const long long* a, const long long* b, long long* y, int count,
                                EsenDims6 out_dims, EsenDims6 a_strides, EsenDims6 b_strides,
                                int* fault, int fault_code)
{
    esen_binary<ESEN_BINARY_DIV>(a, b, y, count, out_dims, a_strides, b_strides, fault, fault_code);
}

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

// int64 → float, rounded to nearest (even on a tie), as C# and cvt.rn.f32.s64.
ESEN_KERNEL void esen_cast_int64_to_float(const long long* x, float* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = static_cast<float>(x[i]);
    }
}
