using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Esen.Kernels.Cpu.Kernels;
using Esen.Kernels.Graph;

namespace Esen.Kernels.Cpu.Ops;

/// <summary>A pooling window in three spatial dimensions (1-D and 2-D pools get leading size-1 dimensions).</summary>
internal sealed class PoolShape
{
    public PoolShape(WindowGeometry window, long planes)
    {
        WindowGeometry volume = window.Padded(3);
        Planes = checked((int)planes);
        Input = volume.Input;
        Output = volume.Output;
        Kernel = volume.Kernel;
        Strides = volume.Strides;
        Dilations = volume.Dilations;
        PadsBegin = volume.PadsBegin;
        PadsEnd = volume.PadsEnd;
    }

    public int Planes { get; }

    public int[] Input { get; }

    public int[] Output { get; }

    public int[] Kernel { get; }

    public int[] Strides { get; }

    public int[] Dilations { get; }

    public int[] PadsBegin { get; }

    public int[] PadsEnd { get; }

    public int InputPlane => Input[0] * Input[1] * Input[2];

    public int OutputPlane => Output[0] * Output[1] * Output[2];
}

internal static partial class CpuOps
{
    /// <summary>Floats of row maxima the AVX-512 max pooling reduces before it reads them back: 4 KiB, so a block's input rows stay in L1 beside it (16 KiB made the 111 × 111 pool 15% slower).</summary>
    private const int MaxPoolBlockFloats = 1024;

    /// <summary>
    /// Max pooling over N·C planes; padding never wins (it reads as −∞). When <paramref name="indices"/>
    /// is not empty it receives each maximum's flat index into x (ONNX MaxPool's Indices output):
    /// row-major, or with <paramref name="columnMajor"/> (storage_order 1) the spatial part column-major.
    /// </summary>
    public static void MaxPool(PoolShape s, ReadOnlySpan<float> x, Span<float> y, Span<long> indices = default, bool columnMajor = false, int threads = 1)
    {
        Pool(s, x, y, average: false, countIncludePad: false, threads);
        if (indices.IsEmpty)
        {
            return;
        }

        int inPlane = s.InputPlane, outPlane = s.OutputPlane;
        for (int p = 0; p < s.Planes; p++)
        {
            int o = 0;
            for (int od = 0; od < s.Output[0]; od++)
            {
                for (int oh = 0; oh < s.Output[1]; oh++)
                {
                    for (int ow = 0; ow < s.Output[2]; ow++, o++)
                    {
                        indices[(p * outPlane) + o] = ((long)p * inPlane) + ArgMax(s, x.Slice(p * inPlane, inPlane), y[(p * outPlane) + o], od, oh, ow, columnMajor);
                    }
                }
            }
        }
    }

    // The first window position holding the maximum, as a flat index within the plane.
    private static long ArgMax(PoolShape s, ReadOnlySpan<float> input, float max, int od, int oh, int ow, bool columnMajor)
    {
        for (int kd = 0; kd < s.Kernel[0]; kd++)
        {
            int id = (od * s.Strides[0]) - s.PadsBegin[0] + (kd * s.Dilations[0]);
            for (int kh = 0; kh < s.Kernel[1]; kh++)
            {
                int ih = (oh * s.Strides[1]) - s.PadsBegin[1] + (kh * s.Dilations[1]);
                for (int kw = 0; kw < s.Kernel[2]; kw++)
                {
                    int iw = (ow * s.Strides[2]) - s.PadsBegin[2] + (kw * s.Dilations[2]);
                    if (id < 0 || id >= s.Input[0] || ih < 0 || ih >= s.Input[1] || iw < 0 || iw >= s.Input[2])
                    {
                        continue;
                    }

                    float v = input[(((id * s.Input[1]) + ih) * s.Input[2]) + iw];
                    if (v == max || (float.IsNaN(v) && float.IsNaN(max)))
                    {
                        return columnMajor
                            ? (((long)iw * s.Input[1]) + ih) * s.Input[0] + id
                            : (((long)id * s.Input[1]) + ih) * s.Input[2] + iw;
                    }
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// Average pooling; the divisor counts the window positions inside the input, or with
    /// <paramref name="countIncludePad"/> also those in the explicit padding (never positions beyond it,
    /// which ceil_mode can create).
    /// </summary>
    public static void AveragePool(PoolShape s, ReadOnlySpan<float> x, Span<float> y, bool countIncludePad, int threads = 1) =>
        Pool(s, x, y, average: true, countIncludePad, threads);

    /// <summary>Mean of each plane of <paramref name="planeSize"/> elements.</summary>
    public static void GlobalAveragePool(ReadOnlySpan<float> x, Span<float> y, int planeSize)
    {
        for (int p = 0; p < y.Length; p++)
        {
            y[p] = TensorPrimitives.Sum(x.Slice(p * planeSize, planeSize)) / planeSize;
        }
    }

    /// <summary>Pools every plane, split over up to <paramref name="threads"/> threads when the work repays it (see <see cref="PoolJob"/>).</summary>
    private static unsafe void Pool(PoolShape s, ReadOnlySpan<float> x, Span<float> y, bool average, bool countIncludePad, int threads)
    {
        long taps = (long)s.Planes * s.OutputPlane * s.Kernel[0] * s.Kernel[1] * s.Kernel[2];
        bool byRows = PoolJob.SplitsRows(s, threads);
        if (threads == 1 || taps < 1 << 16 || (s.Planes == 1 && !byRows))
        {
            PoolPlanes(s, x[..(s.Planes * s.InputPlane)], y[..(s.Planes * s.OutputPlane)], average, countIncludePad);
            return;
        }

        fixed (float* input = x, output = y)
        {
            PoolJob job = PoolJob.ForCurrentThread;
            job.Set(s, input, output, average, countIncludePad, byRows, parts: Math.Min(byRows ? s.Output[1] : s.Planes, threads));
            CpuParallel.For(job, job.Parts, threads);
        }
    }

    /// <summary>Pools the planes that <paramref name="y"/> holds (and <paramref name="x"/> their inputs).</summary>
    internal static void PoolPlanes(PoolShape s, ReadOnlySpan<float> x, Span<float> y, bool average, bool countIncludePad)
    {
        if (IsPlanar(s))
        {
            Pool2D(s, x, y, average, countIncludePad, 0, s.Output[1]);
            return;
        }

        int inPlane = s.InputPlane, outPlane = s.OutputPlane;
        for (int p = 0; p < y.Length / outPlane; p++)
        {
            ReadOnlySpan<float> input = x.Slice(p * inPlane, inPlane);
            Span<float> output = y.Slice(p * outPlane, outPlane);
            int o = 0;
            for (int od = 0; od < s.Output[0]; od++)
            {
                for (int oh = 0; oh < s.Output[1]; oh++)
                {
                    for (int ow = 0; ow < s.Output[2]; ow++)
                    {
                        output[o++] = Window(s, input, od, oh, ow, average, countIncludePad);
                    }
                }
            }
        }
    }

    // Two-dimensional windows (the d dimension is trivial) with no dilation: the case of every 2-D CNN.
    internal static bool IsPlanar(PoolShape s) =>
        s.Input[0] == 1 && s.Output[0] == 1 && s.Kernel[0] == 1 && s.PadsBegin[0] == 0 && s.Dilations[1] == 1 && s.Dilations[2] == 1;

    /// <summary>
    /// <see cref="Pool"/> for planar windows. Each window is clipped to the input once per row and column
    /// instead of testing every tap. Max pooling reduces the window's rows into one row and then that row's
    /// windows, both vectorised (on AVX-512 with horizontal stride 1 or 2 by masked loads, see <see cref="MaxPool2DAvx512"/>);
    /// average pooling adds the taps in the generic order, so the sums are identical. Only output rows
    /// [<paramref name="firstRow"/>, <paramref name="endRow"/>) of each plane are written.
    /// </summary>
    internal static unsafe void Pool2D(PoolShape s, ReadOnlySpan<float> x, Span<float> y, bool average, bool countIncludePad, int firstRow, int endRow)
    {
        int height = s.Input[1], width = s.Input[2], outWidth = s.Output[2];
        int kernelHeight = s.Kernel[1], kernelWidth = s.Kernel[2], strideH = s.Strides[1], strideW = s.Strides[2];
        int padTop = s.PadsBegin[1], padLeft = s.PadsBegin[2], padBottom = s.PadsEnd[1], padRight = s.PadsEnd[2];
        int inPlane = s.InputPlane, outPlane = s.OutputPlane;

        // Max pooling's scratch: the row maxima, then the maxima of each full window along that row; on AVX-512 a
        // block of row maxima (MaxPoolBlockFloats, or one row when a row is wider).
        bool avx512 = !average && strideW <= 2 && Avx512F.IsSupported;
        int blockRows = Math.Max(1, MaxPoolBlockFloats / width), scratchLength = avx512 ? blockRows * width : 2 * width;
        float[]? rented = null;
        Span<float> scratch = average ? default
            : scratchLength <= MaxPoolBlockFloats ? stackalloc float[scratchLength] : (rented = ArrayPool<float>.Shared.Rent(scratchLength)).AsSpan(0, scratchLength);
        for (int p = 0; p < y.Length / outPlane; p++)
        {
            ReadOnlySpan<float> input = x.Slice(p * inPlane, inPlane);
            Span<float> output = y.Slice(p * outPlane, outPlane);
            if (avx512)
            {
                fixed (float* pInput = input, pOutput = output, pScratch = scratch)
                {
                    MaxPool2DAvx512(s, pInput, pOutput, firstRow, endRow, pScratch, blockRows);
                }

                continue;
            }

            for (int oh = firstRow; oh < endRow; oh++)
            {
                int top = (oh * strideH) - padTop;
                int rowBegin = Math.Max(0, -top), rowEnd = Math.Min(kernelHeight, height - top);
                Span<float> outputRow = output.Slice(oh * outWidth, outWidth);
                if (!average)
                {
                    if (rowEnd <= rowBegin)
                    {
                        outputRow.Fill(float.NegativeInfinity);
                        continue;
                    }

                    Span<float> rowMax = scratch[..width];
                    ReadOnlySpan<float> rows = input.Slice((top + rowBegin) * width, (rowEnd - rowBegin) * width);
                    rows[..width].CopyTo(rowMax);
                    for (int r = width; r < rows.Length; r += width)
                    {
                        TensorPrimitives.Max(rowMax, rows.Slice(r, width), rowMax);
                    }

                    MaxPoolRow(rowMax, scratch[width..], outputRow, kernelWidth, strideW, padLeft);
                    continue;
                }

                int paddedRows = Math.Max(0, Math.Min(kernelHeight, height + padBottom - top) - Math.Max(0, -padTop - top));
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int left = (ow * strideW) - padLeft;
                    int columnBegin = Math.Max(0, -left), columnEnd = Math.Min(kernelWidth, width - left);
                    float sum = 0f;
                    for (int kh = rowBegin; kh < rowEnd; kh++)
                    {
                        ReadOnlySpan<float> row = input.Slice((top + kh) * width, width);
                        for (int kw = columnBegin; kw < columnEnd; kw++)
                        {
                            sum += row[left + kw];
                        }
                    }

                    int paddedColumns = Math.Max(0, Math.Min(kernelWidth, width + padRight - left) - Math.Max(0, -padLeft - left));
                    int divisor = countIncludePad
                        ? paddedRows * paddedColumns
                        : Math.Max(0, rowEnd - rowBegin) * Math.Max(0, columnEnd - columnBegin);
                    outputRow[ow] = divisor == 0 ? 0f : sum / divisor;
                }
            }
        }

        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// One output row of max pooling from <paramref name="rowMax"/>, the element-wise maximum of the window's
    /// input rows. Windows wholly inside the row read the maxima of every full window (computed with kernel − 1
    /// vectorised passes); windows that overlap the padding are clipped.
    /// </summary>
    private static void MaxPoolRow(ReadOnlySpan<float> rowMax, Span<float> windowMax, Span<float> outputRow, int kernelWidth, int stride, int padLeft)
    {
        int width = rowMax.Length, windows = width - kernelWidth + 1;
        if (windows > 0)
        {
            windowMax = windowMax[..windows];
            rowMax[..windows].CopyTo(windowMax);
            for (int kw = 1; kw < kernelWidth; kw++)
            {
                TensorPrimitives.Max(windowMax, rowMax.Slice(kw, windows), windowMax);
            }
        }

        for (int ow = 0; ow < outputRow.Length; ow++)
        {
            int left = (ow * stride) - padLeft;
            if (left >= 0 && left < windows)
            {
                outputRow[ow] = windowMax[left];
                continue;
            }

            float max = float.NegativeInfinity;
            for (int iw = Math.Max(0, left); iw < Math.Min(width, left + kernelWidth); iw++)
            {
                float v = rowMax[iw];
                max = v > max || float.IsNaN(v) ? v : max;
            }

            outputRow[ow] = max;
        }
    }

    /// <summary>
    /// Output rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of one plane of max pooling with horizontal
    /// stride 1 or 2 on AVX-512, in blocks of rows: first each row's window rows are reduced into a scratch row, then
    /// 16 outputs at a time are taken from it. Reducing a whole block before reading any of it back keeps those
    /// loads from waiting on the stores just before them, which cannot forward to them (SqueezeNet's 27 × 27 pool on
    /// one thread, row by row: 0.081 ms, in blocks: 0.050 ms, 2026-12-06).
    /// <para>
    /// The kernel is bound by instruction count, not memory, so chunks that lie wholly inside the row take plain
    /// loads and no masks; only the chunks at a row's ends (and padded windows) use masked loads, where positions
    /// outside the row load as −∞, so a window with no input rows comes out −∞. With stride 2 an interior chunk
    /// loads 32 consecutive values at each even tap offset and keeps two running maxima: over the even taps (whose
    /// windows read the even lanes) and over the offsets one before each odd tap (the odd lanes); one permute of
    /// each then gives the 16 outputs. For a 3-wide window that is 4 loads, 3 maxima and 2 permutes per 16 outputs
    /// instead of 6 masked loads with their masks, 3 permutes and 3 maxima (SqueezeNet's 111 × 111 pool on one thread:
    /// 0.20–0.25 → 0.12 ms, 2026-12-06). Vector512.Max is IEEE 754 maximum: a NaN wins, as in the portable path.
    /// </para>
    /// </summary>
    private static unsafe void MaxPool2DAvx512(PoolShape s, float* input, float* output, int firstRow, int endRow, float* scratch, int blockRows)
    {
        const int Lanes = MaskedRow.Lanes;
        int height = s.Input[1], width = s.Input[2], outWidth = s.Output[2];
        int kernelHeight = s.Kernel[1], kernelWidth = s.Kernel[2], strideH = s.Strides[1], stride = s.Strides[2];
        int padTop = s.PadsBegin[1], padLeft = s.PadsBegin[2];

        // How far past a chunk's first position its loads reach: 16 values at each tap, or with stride 2 32 values at each even tap.
        int reach = stride == 1 ? kernelWidth - 1 + Lanes : ((kernelWidth - 1) & ~1) + (2 * Lanes);
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        Vector512<int> even = Vector512<int>.Indices * 2, odd = even + Vector512<int>.One;
        for (int block = firstRow; block < endRow; block += blockRows)
        {
            int blockEnd = Math.Min(endRow, block + blockRows);
            for (int oh = block; oh < blockEnd; oh++)
            {
                int top = (oh * strideH) - padTop;
                int rowBegin = Math.Max(0, top), rowEnd = Math.Min(height, top + kernelHeight);
                float* reduced = scratch + ((long)(oh - block) * width);
                int j = 0;
                if (rowBegin < rowEnd)
                {
                    for (; j + Lanes <= width; j += Lanes)
                    {
                        float* column = input + ((long)rowBegin * width) + j;
                        Vector512<float> max = Vector512.Load(column);
                        for (int r = rowBegin + 1; r < rowEnd; r++)
                        {
                            column += width;
                            max = Vector512.Max(max, Vector512.Load(column));
                        }

                        max.Store(reduced + j);
                    }
                }

                for (; j < width; j += Lanes)
                {
                    Vector512<float> inside = MaskedRow.FirstLanes(width - j), max = lowest;
                    for (int r = rowBegin; r < rowEnd; r++)
                    {
                        max = Vector512.Max(max, Avx512F.MaskLoad(input + ((long)r * width) + j, inside, lowest));
                    }

                    Avx512F.MaskStore(reduced + j, inside, max);
                }
            }

            for (int oh = block; oh < blockEnd; oh++)
            {
                float* reduced = scratch + ((long)(oh - block) * width), outputRow = output + ((long)oh * outWidth);
                for (int ow = 0; ow < outWidth; ow += Lanes)
                {
                    int first = (ow * stride) - padLeft;
                    bool inside = first >= 0 && first + reach <= width;
                    Vector512<float> max = stride == 2
                        ? WindowMaxStride2(reduced, first, width, kernelWidth, inside, even, odd)
                        : WindowMax(reduced, first, width, kernelWidth, inside);

                    Avx512F.MaskStore(outputRow + ow, MaskedRow.FirstLanes(outWidth - ow), max);
                }
            }
        }
    }

    /// <summary>
    /// max over kw of row[first + i + kw] for 16 consecutive i, −∞ outside [0, width); <paramref name="inside"/>
    /// says every position read is inside, so the loads need no mask.
    /// </summary>
    private static unsafe Vector512<float> WindowMax(float* row, int first, int width, int kernelWidth, bool inside)
    {
        Vector512<float> max = Vector512.Create(float.NegativeInfinity);
        for (int kw = 0; kw < kernelWidth; kw++)
        {
            max = Vector512.Max(max, LoadRow(row, first + kw, width, inside));
        }

        return max;
    }

    /// <summary>max over kw of row[first + 2i + kw] for 16 consecutive i, as <see cref="WindowMax"/> (the pairing is described at <see cref="MaxPool2DAvx512"/>).</summary>
    private static unsafe Vector512<float> WindowMaxStride2(float* row, int first, int width, int kernelWidth, bool inside, Vector512<int> even, Vector512<int> odd)
    {
        Vector512<float> evenLow = LoadRow(row, first, width, inside), evenHigh = LoadRow(row, first + MaskedRow.Lanes, width, inside);
        Vector512<float> oddLow = evenLow, oddHigh = evenHigh;
        for (int tap = 2; tap < kernelWidth; tap += 2)
        {
            Vector512<float> low = LoadRow(row, first + tap, width, inside), high = LoadRow(row, first + tap + MaskedRow.Lanes, width, inside);
            evenLow = Vector512.Max(evenLow, low);
            evenHigh = Vector512.Max(evenHigh, high);
            if (tap + 1 < kernelWidth)
            {
                oddLow = Vector512.Max(oddLow, low);
                oddHigh = Vector512.Max(oddHigh, high);
            }
        }

        Vector512<float> max = Avx512F.PermuteVar16x32x2(evenLow, even, evenHigh);
        return kernelWidth == 1 ? max : Vector512.Max(max, Avx512F.PermuteVar16x32x2(oddLow, odd, oddHigh));
    }

    /// <summary>row[first .. first + 16), −∞ outside [0, width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadRow(float* row, int first, int width, bool inside) =>
        MaskedRow.Load(row, first, 1, width, Vector512.Create(float.NegativeInfinity), inside);

    private static float Window(PoolShape s, ReadOnlySpan<float> input, int od, int oh, int ow, bool average, bool countIncludePad)
    {
        float max = float.NegativeInfinity, sum = 0f;
        int inside = 0, padded = 0;
        for (int kd = 0; kd < s.Kernel[0]; kd++)
        {
            int id = (od * s.Strides[0]) - s.PadsBegin[0] + (kd * s.Dilations[0]);
            bool dInPad = id >= -s.PadsBegin[0] && id < s.Input[0] + s.PadsEnd[0];
            for (int kh = 0; kh < s.Kernel[1]; kh++)
            {
                int ih = (oh * s.Strides[1]) - s.PadsBegin[1] + (kh * s.Dilations[1]);
                bool hInPad = ih >= -s.PadsBegin[1] && ih < s.Input[1] + s.PadsEnd[1];
                for (int kw = 0; kw < s.Kernel[2]; kw++)
                {
                    int iw = (ow * s.Strides[2]) - s.PadsBegin[2] + (kw * s.Dilations[2]);
                    bool wInPad = iw >= -s.PadsBegin[2] && iw < s.Input[2] + s.PadsEnd[2];
                    if (dInPad && hInPad && wInPad)
                    {
                        padded++;
                    }

                    if (id < 0 || id >= s.Input[0] || ih < 0 || ih >= s.Input[1] || iw < 0 || iw >= s.Input[2])
                    {
                        continue;
                    }

                    float v = input[(((id * s.Input[1]) + ih) * s.Input[2]) + iw];
                    max = v > max || float.IsNaN(v) ? v : max;
                    sum += v;
                    inside++;
                }
            }
        }

        if (!average)
        {
            return max;
        }

        int divisor = countIncludePad ? padded : inside;
        return divisor == 0 ? 0f : sum / divisor;
    }
}

/// <summary>
/// Pooling split over threads; cached per calling thread so a call allocates nothing. Planes go to threads whole:
/// on the AMD EPYC machine that made SqueezeNet's 111 × 111 pool faster on two threads than splitting every plane by
/// output rows (0.098–0.112 → 0.091–0.094 ms, 2026-12-06), and rows of small planes share cache lines at every
/// boundary. Only when there are fewer planes than threads do large planar windows split by output rows.
/// </summary>
internal sealed unsafe class PoolJob : ParallelWork
{
    [ThreadStatic]
    private static PoolJob? t_cached;

    private PoolShape? _shape;
    private float* _input;
    private float* _output;
    private bool _average;
    private bool _countIncludePad;
    private bool _byRows;

    public static PoolJob ForCurrentThread => t_cached ??= new PoolJob();

    /// <summary>Whether <paramref name="s"/> splits by output rows rather than by planes: planar, fewer planes than threads, and output planes of at least 32 × 32.</summary>
    public static bool SplitsRows(PoolShape s, int threads) => CpuOps.IsPlanar(s) && s.Planes < threads && s.OutputPlane >= 1024;

    public int Parts { get; private set; }

    public void Set(PoolShape shape, float* input, float* output, bool average, bool countIncludePad, bool byRows, int parts)
    {
        (_shape, _average, _countIncludePad, _byRows, Parts) = (shape, average, countIncludePad, byRows, parts);
        _input = input;
        _output = output;
    }

    public override void Execute(int index)
    {
        PoolShape s = _shape!;
        if (_byRows)
        {
            int outHeight = s.Output[1];
            CpuOps.Pool2D(
                s,
                new ReadOnlySpan<float>(_input, s.Planes * s.InputPlane),
                new Span<float>(_output, s.Planes * s.OutputPlane),
                _average,
                _countIncludePad,
                (int)((long)outHeight * index / Parts),
                (int)((long)outHeight * (index + 1) / Parts));
            return;
        }

        int first = (int)((long)s.Planes * index / Parts), end = (int)((long)s.Planes * (index + 1) / Parts);
        CpuOps.PoolPlanes(
            s,
            new ReadOnlySpan<float>(_input + ((long)first * s.InputPlane), (end - first) * s.InputPlane),
            new Span<float>(_output + ((long)first * s.OutputPlane), (end - first) * s.OutputPlane),
            _average,
            _countIncludePad);
    }
}
