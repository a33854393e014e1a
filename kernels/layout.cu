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
