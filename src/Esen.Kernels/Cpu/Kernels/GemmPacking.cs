using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// A source of the k×n operand that packs a block of it into Nr-column panels: panel q holds kc rows of Nr
/// consecutive floats (columns j0 + q·Nr ...), zero-padded past the block's last column, so the micro-kernel
/// reads it with unit stride and no edge checks.
/// </summary>
internal unsafe interface IGemmBSource
{
    /// <summary>Packs rows [k0, k0+kc) and columns [j0, j0+nc) into <paramref name="destination"/>.</summary>
    void Pack(float* destination, int k0, int kc, int j0, int nc, int nr);

    /// <summary>
    /// The address of op(B)[0, 0] and its row stride when rows of op(B) are contiguous in memory, so full
    /// panels can be read in place; false when B must be packed.
    /// </summary>
    bool TryGetRows(out float* origin, out int stride);
}

/// <summary>A stored row-major matrix used as op(B): B is k×n, or n×k when transposed.</summary>
internal readonly unsafe struct MatrixB : IGemmBSource
{
    private readonly float* _data;
    private readonly int _stride;
    private readonly bool _transposed;

    public MatrixB(float* data, int stride, bool transposed)
    {
        _data = data;
        _stride = stride;
        _transposed = transposed;
    }

    public bool TryGetRows(out float* origin, out int stride)
    {
        origin = _data;
        stride = _stride;
        return !_transposed;
    }

    public void Pack(float* destination, int k0, int kc, int j0, int nc, int nr)
    {
        for (int jp = 0; jp < nc; jp += nr)
        {
            int width = Math.Min(nr, nc - jp);
            float* panel = destination + ((long)jp * kc);
            if (_transposed)
            {
                // op(B)[p, j] = B[j, p]: each stored row is one packed column.
                if (width < nr)
                {
                    new Span<float>(panel, kc * nr).Clear();
                }

                for (int jj = 0; jj < width; jj++)
                {
                    float* column = _data + ((long)(j0 + jp + jj) * _stride) + k0;
                    for (int p = 0; p < kc; p++)
                    {
                        panel[(p * nr) + jj] = column[p];
                    }
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* row = _data + ((long)(k0 + p) * _stride) + j0 + jp;
                    new ReadOnlySpan<float>(row, width).CopyTo(new Span<float>(panel + (p * nr), width));
                    new Span<float>(panel + (p * nr) + width, nr - width).Clear();
                }
            }
        }
    }
}

/// <summary>
/// A source of the m×k operand in Mr-row panels (kc steps of Mr floats each, the last panel zero-padded):
/// packed on demand into a scratch block, or packed once ahead of time.
/// </summary>
internal unsafe interface IGemmASource
{
    /// <summary>The panels of alpha·op(A)[i0..i0+mc, k0..k0+kc); <paramref name="scratch"/> may be used to pack them.</summary>
    float* Panels(float* scratch, int i0, int mc, int k0, int kc, int mr, float alpha);
}

/// <summary>A stored row-major matrix used as op(A): A is m×k, or k×m when transposed.</summary>
internal readonly unsafe struct MatrixA : IGemmASource
{
    private readonly float* _data;
    private readonly int _stride;
    private readonly bool _transposed;

    public MatrixA(float* data, int stride, bool transposed)
    {
        _data = data;
        _stride = stride;
        _transposed = transposed;
    }

    public float* Panels(float* scratch, int i0, int mc, int k0, int kc, int mr, float alpha)
    {
        Pack(scratch, i0, mc, k0, kc, mr, alpha);
        return scratch;
    }

    /// <summary>
    /// Packs alpha·op(A)[i0..i0+mc, k0..k0+kc) into Mr-row panels (kc steps of Mr floats each), zero-padding
    /// the last panel's missing rows. Scaling here costs O(m·k) instead of O(m·n) at the store.
    /// </summary>
    public void Pack(float* destination, int i0, int mc, int k0, int kc, int mr, float alpha)
    {
        for (int ip = 0; ip < mc; ip += mr)
        {
            int height = Math.Min(mr, mc - ip);
            float* panel = destination + ((long)ip * kc);
            if (height < mr)
            {
                new Span<float>(panel, kc * mr).Clear();
            }

            if (_transposed)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* column = _data + ((long)(k0 + p) * _stride) + i0 + ip;
                    for (int ii = 0; ii < height; ii++)
                    {
                        panel[(p * mr) + ii] = alpha * column[ii];
                    }
                }
            }
            else
            {
                for (int ii = 0; ii < height; ii++)
                {
                    float* row = _data + ((long)(i0 + ip + ii) * _stride) + k0;
                    for (int p = 0; p < kc; p++)
                    {
                        panel[(p * mr) + ii] = alpha * row[p];
                    }
                }
            }
        }
    }
}

/// <summary>
/// One m×k matrix packed ahead of time for a tiling: for each Kc block of depth, all Mr-row panels of the
/// whole (padded) height in a row, so any block starting at a multiple of Mr is one pointer away. Only for
/// alpha = 1, the convolution case.
/// </summary>
internal readonly unsafe struct PackedMatrixA : IGemmASource
{
    private readonly float* _data;
    private readonly int _paddedRows;

    private PackedMatrixA(float* data, int paddedRows)
    {
        _data = data;
        _paddedRows = paddedRows;
    }

    /// <summary>Floats <see cref="Pack"/> writes for an m×k matrix.</summary>
    public static long Length(int m, int k, int mr) => (long)GemmTiling.RoundUp(m, mr) * k;

    /// <summary>Packs <paramref name="a"/> (m×k) into <paramref name="destination"/> for the tiling's Mr and Kc.</summary>
    public static PackedMatrixA Pack(MatrixA a, int m, int k, GemmTiling tiling, float* destination)
    {
        int padded = GemmTiling.RoundUp(m, tiling.Mr);
        for (int pc = 0; pc < k; pc += tiling.Kc)
        {
            a.Pack(destination + ((long)pc * padded), 0, m, pc, Math.Min(tiling.Kc, k - pc), tiling.Mr, 1f);
        }

        return new PackedMatrixA(destination, padded);
    }

    public float* Panels(float* scratch, int i0, int mc, int k0, int kc, int mr, float alpha)
    {
        // Blocks before k0 are full Kc blocks of every padded row; i0 is a multiple of Mr.
        System.Diagnostics.Debug.Assert(alpha == 1f && i0 % mr == 0, "packed A serves alpha = 1 and whole Mr panels");
        return _data + ((long)k0 * _paddedRows) + ((long)i0 * kc);
    }
}

/// <summary>
/// Per-thread packing buffers, pinned and 64-byte aligned, grown on demand and then reused, so a GEMM or
/// convolution allocates nothing once a thread has seen its largest block.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    [ThreadStatic]
    private static GemmWorkspace? t_current;

    private float[] _packedA = [];
    private float[] _packedB = [];

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>An aligned buffer of at least <paramref name="floats"/> for the packed A block.</summary>
    public float* PackedA(int floats) => Ensure(ref _packedA, floats);

    /// <summary>An aligned buffer of at least <paramref name="floats"/> for the packed B block.</summary>
    public float* PackedB(int floats) => Ensure(ref _packedB, floats);

    private static float* Ensure(ref float[] buffer, int floats)
    {
        if (buffer.Length < AlignedFloats.Needed(floats))
        {
            buffer = AlignedFloats.Allocate(floats);
        }

        return AlignedFloats.Start(buffer);
    }
}

/// <summary>Pinned float arrays whose usable part starts on a 64-byte (cache line, zmm) boundary.</summary>
internal static unsafe class AlignedFloats
{
    private const int Alignment = 64;

    /// <summary>Array length that holds <paramref name="floats"/> aligned floats.</summary>
    public static long Needed(long floats) => floats + (Alignment / sizeof(float));

    /// <summary>A pinned, uninitialised array with room for <paramref name="floats"/> aligned floats.</summary>
    public static float[] Allocate(long floats) => GC.AllocateUninitializedArray<float>(checked((int)Needed(floats)), pinned: true);

    /// <summary>The first aligned float of a pinned array from <see cref="Allocate"/>.</summary>
    public static float* Start(float[] buffer)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
