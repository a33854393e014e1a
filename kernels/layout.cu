// Data movement: contiguous copy, strided copy (transpose, expand, slice up to rank 6; of
// 1-, 2-, 4- and 8-byte elements), the per-input step of concat, and gather (both of 1-, 2- and
// 4-byte units; 8-byte elements move as two 4-byte words).
#include "esen_cuda.h"

// y[i] = x[i] for i < count: 4-byte words (esen_copy), or single bytes (esen_copy_bytes) for a
// value whose size or address is not a multiple of 4.
template <class T>
ESEN_DEVICE void esen_copy_of(const T* x, T* y, int count)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = x[i];
    }
}

ESEN_KERNEL void esen_copy(const float* x, float* y, int count)
{
    esen_copy_of(x, y, count);
}

ESEN_KERNEL void esen_copy_bytes(const unsigned char* x, unsigned char* y, int count)
{
    esen_copy_of(x, y, count);
}

// y is contiguous with shape out_dims (right-aligned into 6 dimensions, leading ones = 1);
// output element (c0..c5) reads x[Σ c_d·in_strides[d]]. Transpose with permutation perm:
// out_dims[d] = in_dims[perm[d]] and in_strides[d] = contiguous stride of input dimension perm[d].
// A stride of 0 repeats (expands) a dimension. Strides count elements of T.
template <class T>
ESEN_DEVICE void esen_strided_copy_of(const T* x, T* y, int count, const EsenDims6& out_dims, const EsenDims6& in_strides)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        y[i] = x[esen_strided_offset(static_cast<int>(i), out_dims, in_strides)];
    }
}

ESEN_KERNEL void esen_strided_copy(const float* x, float* y, int count, EsenDims6 out_dims,
                                   EsenDims6 in_strides)
{
    esen_strided_copy_of(x, y, count, out_dims, in_strides);
}

// The same over 8-byte elements (int64, uint64, float64), and over 1- and 2-byte ones: the bits are
// moved, whatever the type.
ESEN_KERNEL void esen_strided_copy_int64(const long long* x, long long* y, int count, EsenDims6 out_dims,
                                         EsenDims6 in_strides)
{
    esen_strided_copy_of(x, y, count, out_dims, in_strides);
}

ESEN_KERNEL void esen_strided_copy_int16(const short* x, short* y, int count, EsenDims6 out_dims,
                                         EsenDims6 in_strides)
{
    esen_strided_copy_of(x, y, count, out_dims, in_strides);
}

ESEN_KERNEL void esen_strided_copy_int8(const signed char* x, signed char* y, int count, EsenDims6 out_dims,
                                        EsenDims6 in_strides)
{
    esen_strided_copy_of(x, y, count, out_dims, in_strides);
}

// One input of a concat: viewing x as [outer, slab] and y as [outer, y_row] (slab = the input's
// axis length × the product of the dimensions after the axis), copies x into columns
// [y_offset, y_offset + slab) of every y row. A concat of k inputs is k launches with growing
// y_offset. esen_concat_slab moves 4-byte words (an int64 concat passes slab, y_row and y_offset in
// words); _int16 and _int8 move 2- and 1-byte elements, whatever their type.
template <class T>
ESEN_DEVICE void esen_concat_slab_of(const T* x, T* y, int outer, int slab, int y_row, int y_offset)
{
    const long long count = static_cast<long long>(outer) * slab;
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const long long row = i / slab;
        y[row * y_row + y_offset + (i - row * slab)] = x[i];
    }
}

ESEN_KERNEL void esen_concat_slab(const float* x, float* y, int outer, int slab, int y_row, int y_offset)
{
    esen_concat_slab_of(x, y, outer, slab, y_row, y_offset);
}

ESEN_KERNEL void esen_concat_slab_int16(const short* x, short* y, int outer, int slab, int y_row, int y_offset)
{
    esen_concat_slab_of(x, y, outer, slab, y_row, y_offset);
}

ESEN_KERNEL void esen_concat_slab_int8(const signed char* x, signed char* y, int outer, int slab, int y_row,
                                       int y_offset)
{
    esen_concat_slab_of(x, y, outer, slab, y_row, y_offset);
}

// Gather along an axis: viewing x as [outer, axis, inner] and y as [outer, count, inner] (count =
// the number of indices), y[o, j, :] = x[o, indices[j], :], a negative index counting from the end.
// esen_gather moves 4-byte words, so int64 data is gathered with inner doubled; _int16 and _int8
// move 2- and 1-byte elements. Indices are int64, or int32 for the _by_int32 forms. ONNX makes an
// index outside [−axis, axis) an error: its elements of y are written 0 and the fault is reported
// (esen_report_fault).
template <class T, class Index>
ESEN_DEVICE void esen_gather_of(const T* x, const Index* indices, T* y, int outer, int axis, int inner, int count,
                                int* fault, int fault_code)
{
    const long long total = static_cast<long long>(outer) * count * inner;
    for (long long i = esen_global_index(); i < total; i += esen_grid_stride())
    {
        const long long row = i / inner;
        long long index = indices[row % count];
        index = index < 0 ? index + axis : index;
        if (index < 0 || index >= axis)
        {
            y[i] = static_cast<T>(0);
            esen_report_fault(fault, fault_code);
            continue;
        }
        y[i] = x[((row / count) * axis + index) * inner + i % inner];
    }
}

#define ESEN_GATHER_ENTRY(name, T, Index)                                                            \
    ESEN_KERNEL void name(const T* x, const Index* indices, T* y, int outer, int axis, int inner,     \
                          int count, int* fault, int fault_code)                                     \
    {                                                                                                \
        esen_gather_of(x, indices, y, outer, axis, inner, count, fault, fault_code);                 \
    }

ESEN_GATHER_ENTRY(esen_gather, float, long long)
ESEN_GATHER_ENTRY(esen_gather_int16, short, long long)
ESEN_GATHER_ENTRY(esen_gather_int8, signed char, long long)
ESEN_GATHER_ENTRY(esen_gather_by_int32, float, int)
ESEN_GATHER_ENTRY(esen_gather_int16_by_int32, short, int)
ESEN_GATHER_ENTRY(esen_gather_int8_by_int32, signed char, int)

// Pad, one thread per output element (grid-stride). Shapes are right-aligned into ESEN_MAX_RANK dimensions (leading
// ones 1, begin 0). Along each axis output coordinate o reads input coordinate o − begin, mapped back into the input
// by the mode (the values of Esen.Kernels' PadMode): constant leaves it outside and writes the value, reflect mirrors
// it without repeating the edge, edge clamps it, wrap repeats the axis. The value is read from device memory where
// value is not null (an input, perhaps computed), else it is the low bytes of value_bits (an attribute, or zero).
// Moves the bits of 4-, 8-, 2- and 1-byte elements, whatever their type.
enum EsenPadMode
{
    ESEN_PAD_CONSTANT,
    ESEN_PAD_REFLECT,
    ESEN_PAD_EDGE,
    ESEN_PAD_WRAP,
};

ESEN_DEVICE int esen_pad_source(int mode, int index, int length)
{
    if (index >= 0 && index < length)
    {
        return index;
    }
    switch (mode)
    {
    case ESEN_PAD_EDGE:
        return index < 0 ? 0 : length - 1;
    case ESEN_PAD_WRAP:
        return ((index % length) + length) % length;
    case ESEN_PAD_REFLECT:
    {
        if (length == 1)
        {
            return 0;
        }
        const int period = 2 * (length - 1), folded = ((index % period) + period) % period;
        return folded < length ? folded : period - folded;
    }
    default:
        return -1;
    }
}

template <class T>
ESEN_DEVICE void esen_pad_of(const T* x, T* y, const T* value, unsigned long long value_bits, int count,
                             const EsenDims6& in_dims, const EsenDims6& out_dims, const EsenDims6& begins, int mode)
{
    T fill;
    __builtin_memcpy(&fill, &value_bits, sizeof(T));
    if (value != nullptr)
    {
        fill = *value;
    }
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        int rest = static_cast<int>(i), offset = 0, stride = 1;
        bool inside = true;
        for (int d = ESEN_MAX_RANK - 1; d >= 0; --d)
        {
            const int source = esen_pad_source(mode, rest % out_dims.values[d] - begins.values[d], in_dims.values[d]);
            rest /= out_dims.values[d];
            inside = inside && source >= 0;
            offset += source * stride;
            stride *= in_dims.values[d];
        }
        y[i] = inside ? x[offset] : fill;
    }
}

ESEN_KERNEL void esen_pad(const float* x, float* y, const float* value, unsigned long long value_bits, int count,
                          EsenDims6 in_dims, EsenDims6 out_dims, EsenDims6 begins, int mode)
{
    esen_pad_of(x, y, value, value_bits, count, in_dims, out_dims, begins, mode);
}

ESEN_KERNEL void esen_pad_int64(const long long* x, long long* y, const long long* value,
                                unsigned long long value_bits, int count, EsenDims6 in_dims, EsenDims6 out_dims,
                                EsenDims6 begins, int mode)
{
    esen_pad_of(x, y, value, value_bits, count, in_dims, out_dims, begins, mode);
}

ESEN_KERNEL void esen_pad_int16(const short* x, short* y, const short* value, unsigned long long value_bits,
                                int count, EsenDims6 in_dims, EsenDims6 out_dims, EsenDims6 begins, int mode)
{
    esen_pad_of(x, y, value, value_bits, count, in_dims, out_dims, begins, mode);
}

ESEN_KERNEL void esen_pad_int8(const signed char* x, signed char* y, const signed char* value,
                               unsigned long long value_bits, int count, EsenDims6 in_dims, EsenDims6 out_dims,
                               EsenDims6 begins, int mode)
{
    esen_pad_of(x, y, value, value_bits, count, in_dims, out_dims, begins, mode);
}
