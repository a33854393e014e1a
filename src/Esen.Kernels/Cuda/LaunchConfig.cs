namespace Esen.Kernels.Cuda;

/// <summary>
/// A one-dimensional launch shape. Every kernel in kernels/*.cu indexes with x only and needs no
/// dynamic shared memory (the block reductions use static <c>ESEN_MAX_BLOCK</c>-sized arrays).
/// </summary>
/// <param name="Grid">Blocks (gridDim.x).</param>
/// <param name="Block">Threads per block (blockDim.x).</param>
internal readonly record struct LaunchConfig(int Grid, int Block)
{
    /// <summary>Threads per block of the element-wise (grid-stride) kernels: a multiple of the warp size that keeps 8 blocks per SM resident on every target.</summary>
    public const int ElementwiseBlock = 256;

    /// <summary>The most threads a block may have on sm_70–sm_90 (and ESEN_MAX_BLOCK in kernels/esen_cuda.h).</summary>
    public const int MaxBlock = 1024;

    /// <summary>The most blocks a grid-stride launch uses: enough to fill the largest GPU several times over; the loop covers the rest.</summary>
    public const int MaxGridStrideBlocks = 65_535;

    /// <summary>Threads per block of the block-per-row reductions (softmax, layer norm, global pooling).</summary>
    public const int RowBlock = 256;

    /// <summary>A grid-stride launch over <paramref name="count"/> items: one thread per item up to <see cref="MaxGridStrideBlocks"/> blocks.</summary>
    public static LaunchConfig GridStride(long count)
    {
        long blocks = Math.Clamp((count + ElementwiseBlock - 1) / ElementwiseBlock, 1, MaxGridStrideBlocks);
        return new LaunchConfig((int)blocks, ElementwiseBlock);
    }

    /// <summary>
    /// A block per row of <paramref name="columns"/> items (the row kernels also stride over rows, so
    /// the grid is capped like <see cref="GridStride"/>): the block is the row length rounded up to a
    /// warp (32), at most <see cref="RowBlock"/>, so short rows do not idle most of a block.
    /// </summary>
    public static LaunchConfig BlockPerRow(long rows, long columns)
    {
        int block = (int)Math.Clamp((columns + 31) / 32 * 32, 32, RowBlock);
        return new LaunchConfig((int)Math.Clamp(rows, 1, MaxGridStrideBlocks), block);
    }
}
