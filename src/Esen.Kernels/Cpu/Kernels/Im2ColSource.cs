using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The im2col matrix of one image and group, used as the GEMM's B operand without materialising it: row
/// (c, ky, kx), column (oy, ox) holds in[c, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw], zero outside the
/// image. Packing reads it straight from the NCHW input; with stride 1 each run of a packed row is a copy.
/// On AVX-512 with horizontal stride 1 or 2 the runs are moved with masked vector loads and stores instead.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct Im2ColSource : IGemmBSource
{
    private readonly float* _input;
    private readonly Conv2DShape _shape;
    private readonly int _outWidth;

    /// <param name="input">The first channel of this image's group.</param>
    public Im2ColSource(float* input, in Conv2DShape shape)
    {
        _input = input;
        _shape = shape;
        _outWidth = shape.OutWidth;
    }

    public bool TryGetRows(out float* origin, out int stride)
    {
        origin = null;
        stride = 0;
        return false;
    }

    public void Pack(float* destination, int k0, int kc, int j0, int nc, int nr)
    {
        if (nr == Avx512Panel && _shape.StrideW <= 2 && Avx512F.IsSupported)
        {
            PackAvx512(destination, k0, kc, j0, nc);
            return;
        }

        int kernelArea = _shape.KernelHeight * _shape.KernelWidth;
        int height = _shape.InHeight, width = _shape.InWidth, strideW = _shape.StrideW;
        for (int jp = 0; jp < nc; jp += nr)
        {
            int panelWidth = Math.Min(nr, nc - jp);
            float* panel = destination + ((long)jp * kc);
            int oyStart = (j0 + jp) / _outWidth, oxStart = (j0 + jp) % _outWidth;
            for (int p = 0; p < kc; p++)
            {
                int row = k0 + p;
                int channel = row / kernelArea, offset = row - (channel * kernelArea);
                int ky = offset / _shape.KernelWidth, kx = offset - (ky * _shape.KernelWidth);
                float* plane = _input + ((long)channel * height * width);
                float* dst = panel + (p * nr);
                int oy = oyStart, ox = oxStart;
                for (int jj = 0; jj < panelWidth;)
                {
                    int run = Math.Min(panelWidth - jj, _outWidth - ox);
                    int iy = (oy * _shape.StrideH) - _shape.PadTop + (ky * _shape.DilationH);
                    int ix0 = (ox * strideW) - _shape.PadLeft + (kx * _shape.DilationW);
                    if (unchecked((uint)iy >= (uint)height))
                    {
                        new Span<float>(dst + jj, run).Clear();
                    }
                    else if (strideW == 1)
                    {
                        // Positions t with 0 ≤ ix0 + t < width are copied, the rest are padding.
                        int lo = Math.Clamp(-ix0, 0, run), hi = Math.Clamp(width - ix0, lo, run);
                        // ix0 + lo ≥ 0: the pointer never steps before the row (checked builds reject that).
                        float* src = plane + ((long)iy * width) + (ix0 + lo);
                        new Span<float>(dst + jj, lo).Clear();
                        new ReadOnlySpan<float>(src, hi - lo).CopyTo(new Span<float>(dst + jj + lo, hi - lo));
                        new Span<float>(dst + jj + hi, run - hi).Clear();
                    }
                    else
                    {
                        float* src = plane + ((long)iy * width);
                        for (int t = 0; t < run; t++)
                        {
                            int ix = ix0 + (t * strideW);
                            dst[jj + t] = unchecked((uint)ix < (uint)width) ? src[ix] : 0f;
                        }
                    }

                    jj += run;
                    ox += run;
                    if (ox == _outWidth)
                    {
                        ox = 0;
                        oy++;
                    }
                }

                new Span<float>(dst + panelWidth, nr - panelWidth).Clear();
            }
        }
    }

    private const int Avx512Panel = 32;

    /// <summary>
    /// <see cref="Pack"/> for 32-column panels. A panel's columns fall into runs along output rows; those runs
    /// are the same for every packed row, so they are found once per panel, and each is at most two 16-lane
    /// chunks. Each chunk then fills its columns of every packed row in one pass, with its store mode and mask
    /// fixed for the pass. A chunk whose input lies inside its row takes plain loads; one at a row's edge loads
    /// the positions outside as zero with a mask (masked-off lanes never touch memory). Stride 2 loads 32
    /// consecutive inputs per chunk and keeps the even ones. A chunk stores whole where the lanes past its run
    /// belong to a later run of the same panel row, and with its mask elsewhere. Packing costs about as many
    /// instructions per element as the tile spends FMAs on it at small depths (fire4's 288 × 729 matrix took 0.07
    /// ms of that convolution's 0.33 on one thread, 2026-12-06), so nothing per element is left in the loop but
    /// the loads, the store and the tap bookkeeping: fire8's 13 × 13 expand 0.290–0.308 → 0.282–0.285 ms.
    /// </summary>
    private void PackAvx512(float* destination, int k0, int kc, int j0, int nc)
    {
        Conv2DShape s = _shape;
        int height = s.InHeight, width = s.InWidth, strideW = s.StrideW;

        // Per run of the panel: first column, length, and the input row and column its first output reads at
        // ky = kx = 0.
        const int MaxRuns = Avx512Panel;
        int* runs = stackalloc int[4 * MaxRuns];
        int reach = strideW * MaskedRow.Lanes;
        for (int jp = 0; jp < nc; jp += Avx512Panel)
        {
            int panelWidth = Math.Min(Avx512Panel, nc - jp);
            float* panel = destination + ((long)jp * kc);
            int runCount = 0;
            for (int jj = 0, j = j0 + jp; jj < panelWidth; runCount++)
            {
                int oy = j / _outWidth, ox = j % _outWidth;
                int run = Math.Min(panelWidth - jj, _outWidth - ox);
                int* r = runs + (4 * runCount);
                (r[0], r[1], r[2], r[3]) = (jj, run, (oy * s.StrideH) - s.PadTop, (ox * strideW) - s.PadLeft);
                jj += run;
                j += run;
            }

            int area = s.KernelHeight * s.KernelWidth;
            for (int r = 0; r < runCount; r++)
            {
                int* run = runs + (4 * r);
                for (int chunk = 0; chunk < run[1]; chunk += MaskedRow.Lanes)
                {
                    // A whole store may run into later runs' columns (written after it) but not past the panel row,
                    // and not into the tail of a narrow last panel.
                    int column = run[0] + chunk;
                    bool whole = column + MaskedRow.Lanes <= Avx512Panel && (r < runCount - 1 || chunk + MaskedRow.Lanes <= run[1]);
                    Vector512<float> keep = MaskedRow.FirstLanes(run[1] - chunk);
                    float* dst = panel + column;
                    int channel = k0 / area, ky = k0 % area / s.KernelWidth, kx = k0 % s.KernelWidth;
                    for (int p = 0; p < kc; p++, dst += Avx512Panel)
                    {
                        int iy = run[2] + (ky * s.DilationH), first = run[3] + (kx * s.DilationW) + (strideW * chunk);
                        Vector512<float> values = Vector512<float>.Zero;
                        if (unchecked((uint)iy < (uint)height))
                        {
                            float* row = _input + ((((long)channel * height) + iy) * width);
                            values = MaskedRow.Load(row, first, strideW, width, Vector512<float>.Zero, inside: first >= 0 && first + reach <= width);
                        }

                        if (whole)
                        {
                            values.Store(dst);
                        }
                        else
                        {
                            Avx512F.MaskStore(dst, keep, values);
                        }

                        if (++kx == s.KernelWidth)
                        {
                            kx = 0;
                            if (++ky == s.KernelHeight)
                            {
                                ky = 0;
                                channel++;
                            }
                        }
                    }
                }
            }

            for (int p = 0; panelWidth < Avx512Panel && p < kc; p++)
            {
                new Span<float>(panel + (p * Avx512Panel) + panelWidth, Avx512Panel - panelWidth).Clear();
            }
        }
    }
}
