// Elementwise binary operators and comparisons with NumPy/ONNX broadcasting, on float32, float64,
// float16 and every integer type, And, Or, Not and Where, and the casts between any two element types.
//
// Broadcasting is described by strides: the output shape is right-aligned into ESEN_MAX_RANK (6)
// dimensions (missing leading dimensions are 1), and each input gets one stride per output
// dimension, in elements, 0 where the input is broadcast along that dimension (size 1 or absent).
// Output element (c0..c5) reads a[Σ c_d·a_strides[d]] and b[Σ c_d·b_strides[d]].
// Counts are below 2^31 elements.
#include "esen_cuda.h"

// float16 and bool are stored as their bits (2 bytes, 1 byte). Conversions to and from float16 are
// done here in integer arithmetic, so the host build and the GPU give the same bits.
struct EsenHalf
{
    unsigned short bits;
};

struct EsenBool
{
    unsigned char value;
};

template <class A, class B>
struct EsenSameType
{
    static constexpr bool value = false;
};

template <class A>
struct EsenSameType<A, A>
{
    static constexpr bool value = true;
};

template <class To, class From>
ESEN_DEVICE To esen_bits_as(From from)
{
    static_assert(sizeof(To) == sizeof(From), "a bit cast keeps the size");
    To to;
    __builtin_memcpy(&to, &from, sizeof(To));
    return to;
}

// float16 → float32 is exact. A NaN keeps its sign and payload and is made quiet, as on the CPU.
ESEN_DEVICE float esen_half_to_float(unsigned short h)
{
    const unsigned sign = static_cast<unsigned>(h & 0x8000u) << 16;
    const unsigned exponent = (h >> 10) & 0x1Fu;
    unsigned mantissa = h & 0x3FFu;
    if (exponent == 0x1Fu)
    {
        return esen_bits_as<float>(sign | 0x7F800000u | (mantissa != 0 ? 0x400000u | (mantissa << 13) : 0u));
    }
    if (exponent != 0)
    {
        return esen_bits_as<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
    }
    if (mantissa == 0)
    {
        return esen_bits_as<float>(sign);
    }
    // A subnormal m·2^-24: shift m up to its leading bit, lowering the exponent with each step.
    unsigned biased = 113;
    while ((mantissa & 0x400u) == 0)
    {
        mantissa <<= 1;
        --biased;
    }
    return esen_bits_as<float>(sign | (biased << 23) | ((mantissa & 0x3FFu) << 13));
}

// A float16 magnitude from a float32 or float64 one, rounded to nearest even: Bits is the unsigned
// integer of the source, Mantissa its mantissa width and Bias its exponent bias. At least 65520 is
// infinity; a NaN keeps its sign and the top of its payload and is made quiet (as .NET's Half).
template <class Bits, int Mantissa, int Bias>
ESEN_DEVICE unsigned short esen_to_half_bits(Bits x)
{
    constexpr int total = static_cast<int>(sizeof(Bits) * 8);
    constexpr Bits one = 1;
    constexpr Bits magnitude_mask = ~(one << (total - 1));
    constexpr Bits infinity = magnitude_mask >> Mantissa << Mantissa;
    constexpr int drop = Mantissa - 10;
    const unsigned short sign = static_cast<unsigned short>((x >> (total - 16)) & 0x8000u);
    const Bits magnitude = x & magnitude_mask;
    if (magnitude > infinity)
    {
        return static_cast<unsigned short>(sign | 0x7E00u | ((magnitude >> drop) & 0x3FFu));
    }
    // 65520 = 1.1111111111_1 · 2^15, the halfway point above the largest float16.
    constexpr Bits overflow = (static_cast<Bits>(Bias + 15) << Mantissa) | (static_cast<Bits>(0x7FFu) << (Mantissa - 11));
    if (magnitude >= overflow)
    {
        return static_cast<unsigned short>(sign | 0x7C00u);
    }
    if (magnitude >= static_cast<Bits>(Bias - 14) << Mantissa)
    {
        // A normal float16: round the dropped bits to nearest even, then rebias the exponent.
        const Bits rounded = magnitude + ((one << (drop - 1)) - 1) + ((magnitude >> drop) & 1);
        return static_cast<unsigned short>(sign | ((rounded - (static_cast<Bits>(Bias - 15) << Mantissa)) >> drop));
    }
    if (magnitude < static_cast<Bits>(Bias - 25) << Mantissa)
    {
        return sign; // below 2^-25: rounds to zero
    }
    // A float16 subnormal q·2^-24: q = the full mantissa shifted right, rounded to nearest even.
    const int exponent = static_cast<int>(magnitude >> Mantissa);
    const Bits full = (magnitude & ((one << Mantissa) - 1)) | (one << Mantissa);
    const int shift = Bias + Mantissa - 24 - exponent;
    Bits q = full >> shift;
    const Bits rest = full & ((one << shift) - 1);
    const Bits half = one << (shift - 1);
    if (rest > half || (rest == half && (q & 1) != 0))
    {
        ++q;
    }
    return static_cast<unsigned short>(sign | q);
}

ESEN_DEVICE unsigned short esen_float_to_half(float f)
{
    return esen_to_half_bits<unsigned, 23, 127>(esen_bits_as<unsigned>(f));
}

// float64 → float16 rounds once, from the double (not through float32, which could round twice).
ESEN_DEVICE unsigned short esen_double_to_half(double d)
{
    return esen_to_half_bits<unsigned long long, 52, 1023>(esen_bits_as<unsigned long long>(d));
}

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
//
// float16 as .NET's Half computes it: both operands widened to float32, the float32 result rounded
// to float16.
template <int Op, class T>
ESEN_DEVICE T esen_binary_apply(T a, T b, int* fault, int fault_code)
{
    if constexpr (EsenSameType<T, EsenHalf>::value)
    {
        const float r = esen_binary_apply<Op>(esen_half_to_float(a.bits), esen_half_to_float(b.bits), fault, fault_code);
        return EsenHalf{esen_float_to_half(r)};
    }
    else if constexpr (static_cast<T>(0.5) != static_cast<T>(0))
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
        int a_offset;
        int b_offset;
        esen_broadcast_offsets(i, out_dims, a_strides, b_strides, a_offset, b_offset);
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
ESEN_BINARY_ENTRIES(_float16, EsenHalf)
ESEN_BINARY_ENTRY(esen_div_float16, ESEN_BINARY_DIV, EsenHalf)
ESEN_INTEGER_BINARY_ENTRIES(_int8, signed char)
ESEN_INTEGER_BINARY_ENTRIES(_uint8, unsigned char)
ESEN_INTEGER_BINARY_ENTRIES(_int16, short)
ESEN_INTEGER_BINARY_ENTRIES(_uint16, unsigned short)
ESEN_INTEGER_BINARY_ENTRIES(_int32, int)
ESEN_INTEGER_BINARY_ENTRIES(_uint32, unsigned int)
ESEN_INTEGER_BINARY_ENTRIES(_int64, long long)
ESEN_INTEGER_BINARY_ENTRIES(_uint64, unsigned long long)

// ---- Comparisons, logic and Where --------------------------------------------------------------
//
// Comparisons write bool (one byte, 0 or 1) with the IEEE predicates, so NaN compares false;
// float16 is compared as float32, which holds it exactly. And, Or and Not take bool. Where moves
// bits, so one kernel per element size serves every type. Broadcasting as the binary operators'.
enum EsenPredicate
{
    ESEN_EQUAL,
    ESEN_GREATER,
    ESEN_GREATER_OR_EQUAL,
    ESEN_LESS,
    ESEN_LESS_OR_EQUAL,
    ESEN_AND,
    ESEN_OR,
};

template <int Op, class T>
ESEN_DEVICE bool esen_predicate_apply(T a, T b)
{
    if constexpr (EsenSameType<T, EsenHalf>::value)
    {
        return esen_predicate_apply<Op>(esen_half_to_float(a.bits), esen_half_to_float(b.bits));
    }
    else
    {
        switch (Op)
        {
            case ESEN_EQUAL: return a == b;
            case ESEN_GREATER: return a > b;
            case ESEN_GREATER_OR_EQUAL: return a >= b;
            case ESEN_LESS: return a < b;
            case ESEN_LESS_OR_EQUAL: return a <= b;
            case ESEN_AND: return a != 0 && b != 0;
            default: return a != 0 || b != 0;
        }
    }
}

template <int Op, class T>
ESEN_DEVICE void esen_predicate(const T* a, const T* b, unsigned char* y, int count, const EsenDims6& out_dims,
                                const EsenDims6& a_strides, const EsenDims6& b_strides)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int a_offset;
        int b_offset;
        esen_broadcast_offsets(i, out_dims, a_strides, b_strides, a_offset, b_offset);
        y[i] = esen_predicate_apply<Op>(a[a_offset], b[b_offset]) ? 1 : 0;
    }
}

// esen_<op>_<type>: the five comparisons of one element type (named as ONNX names it).
#define ESEN_PREDICATE_ENTRY(name, op, T)                                                             \
    ESEN_KERNEL void name(const T* a, const T* b, unsigned char* y, int count, EsenDims6 out_dims,   \
                          EsenDims6 a_strides, EsenDims6 b_strides)                                  \
    {                                                                                                \
        esen_predicate<op>(a, b, y, count, out_dims, a_strides, b_strides);                          \
    }

#define ESEN_COMPARISON_ENTRIES(type, T)                                                             \
    ESEN_PREDICATE_ENTRY(esen_equal_##type, ESEN_EQUAL, T)                                           \
    ESEN_PREDICATE_ENTRY(esen_greater_##type, ESEN_GREATER, T)                                       \
    ESEN_PREDICATE_ENTRY(esen_greater_or_equal_##type, ESEN_GREATER_OR_EQUAL, T)                     \
    ESEN_PREDICATE_ENTRY(esen_less_##type, ESEN_LESS, T)                                             \
    ESEN_PREDICATE_ENTRY(esen_less_or_equal_##type, ESEN_LESS_OR_EQUAL, T)

ESEN_COMPARISON_ENTRIES(float, float)
ESEN_COMPARISON_ENTRIES(double, double)
ESEN_COMPARISON_ENTRIES(float16, EsenHalf)
ESEN_COMPARISON_ENTRIES(int8, signed char)
ESEN_COMPARISON_ENTRIES(uint8, unsigned char)
ESEN_COMPARISON_ENTRIES(int16, short)
ESEN_COMPARISON_ENTRIES(uint16, unsigned short)
ESEN_COMPARISON_ENTRIES(int32, int)
ESEN_COMPARISON_ENTRIES(uint32, unsigned int)
ESEN_COMPARISON_ENTRIES(int64, long long)
ESEN_COMPARISON_ENTRIES(uint64, unsigned long long)
ESEN_PREDICATE_ENTRY(esen_equal_bool, ESEN_EQUAL, unsigned char)
ESEN_PREDICATE_ENTRY(esen_and, ESEN_AND, unsigned char)
ESEN_PREDICATE_ENTRY(esen_or, ESEN_OR, unsigned char)

ESEN_KERNEL void esen_not(const unsigned char* x, unsigned char* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = x[i] == 0 ? 1 : 0;
    }
}

template <class T>
ESEN_DEVICE void esen_where(const unsigned char* condition, const T* x, const T* y, T* output, int count,
                            const EsenDims6& out_dims, const EsenDims6& condition_strides,
                            const EsenDims6& x_strides, const EsenDims6& y_strides)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int index = static_cast<int>(i);
        output[i] = condition[esen_strided_offset(index, out_dims, condition_strides)] != 0
                        ? x[esen_strided_offset(index, out_dims, x_strides)]
                        : y[esen_strided_offset(index, out_dims, y_strides)];
    }
}

// esen_where_<bits>: Where on elements of 8, 16, 32 or 64 bits.
#define ESEN_WHERE_ENTRY(name, T)                                                                     \
    ESEN_KERNEL void name(const unsigned char* condition, const T* x, const T* y, T* output, int count, \
                          EsenDims6 out_dims, EsenDims6 condition_strides, EsenDims6 x_strides,      \
                          EsenDims6 y_strides)                                                       \
    {                                                                                                \
        esen_where(condition, x, y, output, count, out_dims, condition_strides, x_strides, y_strides); \
    }

ESEN_WHERE_ENTRY(esen_where_int8, unsigned char)
ESEN_WHERE_ENTRY(esen_where_int16, unsigned short)
ESEN_WHERE_ENTRY(esen_where_int32, unsigned int)
ESEN_WHERE_ENTRY(esen_where_int64, unsigned long long)

// ---- Cast ---------------------------------------------------------------------------------------
//
// One conversion rule, the CPU executor's (.NET CreateTruncating, src/Esen.Kernels/Cpu/Ops/CpuOps.Cast.cs):
// floating point → integer truncates toward zero, saturates beyond the type's range and takes NaN to
// 0 (written out: the C++ conversion is undefined there); integer → integer keeps the low bits (two's
// complement wrap); integer → floating point and floating point → floating point round to nearest
// even (float16 through esen_float_to_half / esen_double_to_half; an integer to float16 through
// float32, exact below float16's range); to bool: nonzero (NaN included, ±0 not); from bool: 1 or 0.

template <class T>
ESEN_DEVICE constexpr bool esen_is_floating()
{
    return EsenSameType<T, float>::value || EsenSameType<T, double>::value;
}

template <class To, class From>
ESEN_DEVICE To esen_float_to_integer(From v)
{
    constexpr bool is_signed = static_cast<To>(-1) < static_cast<To>(0);
    constexpr To highest = is_signed ? static_cast<To>((1ULL << (sizeof(To) * 8 - 1)) - 1) : static_cast<To>(~0ULL);
    constexpr To lowest = is_signed ? static_cast<To>(-highest - 1) : static_cast<To>(0);
    return v != v ? static_cast<To>(0)
         : v <= static_cast<From>(lowest) ? lowest
         : v >= static_cast<From>(highest) ? highest
         : static_cast<To>(v);
}

template <class To, class From>
ESEN_DEVICE To esen_convert(From v)
{
    if constexpr (EsenSameType<From, EsenHalf>::value)
    {
        return esen_convert<To>(esen_half_to_float(v.bits));
    }
    else if constexpr (EsenSameType<From, EsenBool>::value)
    {
        return esen_convert<To>(static_cast<unsigned char>(v.value != 0 ? 1 : 0));
    }
    else if constexpr (EsenSameType<To, EsenBool>::value)
    {
        return EsenBool{static_cast<unsigned char>(v != static_cast<From>(0) ? 1 : 0)};
    }
    else if constexpr (EsenSameType<To, EsenHalf>::value)
    {
        if constexpr (EsenSameType<From, double>::value)
        {
            return EsenHalf{esen_double_to_half(v)};
        }
        else
        {
            return EsenHalf{esen_float_to_half(static_cast<float>(v))};
        }
    }
    else if constexpr (esen_is_floating<From>() && !esen_is_floating<To>())
    {
        return esen_float_to_integer<To>(v);
    }
    else
    {
        return static_cast<To>(v);
    }
}

template <class From, class To>
ESEN_DEVICE void esen_cast_of(const From* x, To* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = esen_convert<To>(x[i]);
    }
}

// Element types by their ONNX TensorProto codes (Esen.Kernels' DataType).
enum EsenElementType
{
    ESEN_FLOAT32 = 1,
    ESEN_UINT8 = 2,
    ESEN_INT8 = 3,
    ESEN_UINT16 = 4,
    ESEN_INT16 = 5,
    ESEN_INT32 = 6,
    ESEN_INT64 = 7,
    ESEN_BOOL = 9,
    ESEN_FLOAT16 = 10,
    ESEN_FLOAT64 = 11,
    ESEN_UINT32 = 12,
    ESEN_UINT64 = 13,
};

template <class From>
ESEN_DEVICE void esen_cast_from(const From* x, void* y, int count, int to)
{
    switch (to)
    {
        case ESEN_FLOAT32: esen_cast_of(x, static_cast<float*>(y), count); break;
        case ESEN_UINT8: esen_cast_of(x, static_cast<unsigned char*>(y), count); break;
        case ESEN_INT8: esen_cast_of(x, static_cast<signed char*>(y), count); break;
        case ESEN_UINT16: esen_cast_of(x, static_cast<unsigned short*>(y), count); break;
        case ESEN_INT16: esen_cast_of(x, static_cast<short*>(y), count); break;
        case ESEN_INT32: esen_cast_of(x, static_cast<int*>(y), count); break;
        case ESEN_INT64: esen_cast_of(x, static_cast<long long*>(y), count); break;
        case ESEN_BOOL: esen_cast_of(x, static_cast<EsenBool*>(y), count); break;
        case ESEN_FLOAT16: esen_cast_of(x, static_cast<EsenHalf*>(y), count); break;
        case ESEN_FLOAT64: esen_cast_of(x, static_cast<double*>(y), count); break;
        case ESEN_UINT32: esen_cast_of(x, static_cast<unsigned int*>(y), count); break;
        case ESEN_UINT64: esen_cast_of(x, static_cast<unsigned long long*>(y), count); break;
        default: break;
    }
}

// y[i] = 1 of element type `type` for i < count (an inference Dropout's mask of ones, of any type).
template <class To>
ESEN_DEVICE void esen_fill_one_of(To* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = esen_convert<To>(EsenBool{1});
    }
}

ESEN_KERNEL void esen_fill_one(void* y, int count, int type)
{
    switch (type)
    {
        case ESEN_FLOAT32: esen_fill_one_of(static_cast<float*>(y), count); break;
        case ESEN_UINT8: esen_fill_one_of(static_cast<unsigned char*>(y), count); break;
        case ESEN_INT8: esen_fill_one_of(static_cast<signed char*>(y), count); break;
        case ESEN_UINT16: esen_fill_one_of(static_cast<unsigned short*>(y), count); break;
        case ESEN_INT16: esen_fill_one_of(static_cast<short*>(y), count); break;
        case ESEN_INT32: esen_fill_one_of(static_cast<int*>(y), count); break;
        case ESEN_INT64: esen_fill_one_of(static_cast<long long*>(y), count); break;
        case ESEN_BOOL: esen_fill_one_of(static_cast<EsenBool*>(y), count); break;
        case ESEN_FLOAT16: esen_fill_one_of(static_cast<EsenHalf*>(y), count); break;
        case ESEN_FLOAT64: esen_fill_one_of(static_cast<double*>(y), count); break;
        case ESEN_UINT32: esen_fill_one_of(static_cast<unsigned int*>(y), count); break;
        case ESEN_UINT64: esen_fill_one_of(static_cast<unsigned long long*>(y), count); break;
        default: break;
    }
}

// y[i] = x[i] converted from element type `from` to `to` (ONNX codes; the executor plans only the
// codes above). Also what runs a float32-only op on other types: inputs cast to float32, outputs back.
ESEN_KERNEL void esen_cast(const void* x, void* y, int count, int from, int to)
{
    switch (from)
    {
        case ESEN_FLOAT32: esen_cast_from(static_cast<const float*>(x), y, count, to); break;
        case ESEN_UINT8: esen_cast_from(static_cast<const unsigned char*>(x), y, count, to); break;
        case ESEN_INT8: esen_cast_from(static_cast<const signed char*>(x), y, count, to); break;
        case ESEN_UINT16: esen_cast_from(static_cast<const unsigned short*>(x), y, count, to); break;
        case ESEN_INT16: esen_cast_from(static_cast<const short*>(x), y, count, to); break;
        case ESEN_INT32: esen_cast_from(static_cast<const int*>(x), y, count, to); break;
        case ESEN_INT64: esen_cast_from(static_cast<const long long*>(x), y, count, to); break;
        case ESEN_BOOL: esen_cast_from(static_cast<const EsenBool*>(x), y, count, to); break;
        case ESEN_FLOAT16: esen_cast_from(static_cast<const EsenHalf*>(x), y, count, to); break;
        case ESEN_FLOAT64: esen_cast_from(static_cast<const double*>(x), y, count, to); break;
        case ESEN_UINT32: esen_cast_from(static_cast<const unsigned int*>(x), y, count, to); break;
        case ESEN_UINT64: esen_cast_from(static_cast<const unsigned long long*>(x), y, count, to); break;
        default: break;
    }
}
