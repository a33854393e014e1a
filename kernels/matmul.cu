// Matrix products in float64 (ONNX MatMul and Gemm of double), which cuBLAS's float32 GEMM would
// round: one thread per output element, summing its dot product in p order in double, as the CPU
// executor's double kernels do (CpuOps.MatMul, CpuOps.Gemm), so results agree to the bit.
#include "esen_cuda.h"

// y[b, i, j] = alpha · Σₚ A_b[i, p] · B_b[p, j] (+ beta · y[b, i, j] when beta ≠ 0: y then holds C,
// already broadcast), for count = batches · m · n outputs. A_b[i, p] is a[Σ c_d·a_batch[d] + i·a_row
// + p·a_col], where (c0..c5) are the coordinates of batch b in batch_dims (right-aligned, leading
// ones = 1) and a_batch the element offset of each batch dimension, 0 where A is broadcast; B_b
// likewise. Row and column strides express a transposed operand (Gemm's transA and transB).
ESEN_KERNEL void esen_matmul_double(const double* a, const double* b, double* y, int count, int m, int n,
                                    int k, EsenDims6 batch_dims, EsenDims6 a_batch, EsenDims6 b_batch,
                                    int a_row, int a_col, int b_row, int b_col, double alpha, double beta)
{
    for (long long i = esen_global_index(); i < count; i += esen_grid_stride())
    {
        const int column = static_cast<int>(i % n);
        const int row = static_cast<int>((i / n) % m);
        int rest = static_cast<int>(i / (static_cast<long long>(m) * n));
        long long a_offset = static_cast<long long>(row) * a_row;
        long long b_offset = static_cast<long long>(column) * b_col;
        for (int d = ESEN_MAX_RANK - 1; d >= 0; --d)
        {
            const int coordinate = rest % batch_dims.values[d];
            rest /= batch_dims.values[d];
            a_offset += static_cast<long long>(coordinate) * a_batch.values[d];
            b_offset += static_cast<long long>(coordinate) * b_batch.values[d];
        }
        double sum = 0.0;
        for (int p = 0; p < k; ++p)
        {
            sum += ESEN_DMUL_RN(a[a_offset + static_cast<long long>(p) * a_col], b[b_offset + static_cast<long long>(p) * b_row]);
        }
        const double scaled = ESEN_DMUL_RN(alpha, sum);
        y[i] = beta == 0.0 ? scaled : scaled + ESEN_DMUL_RN(beta, y[i]);
    }
}
