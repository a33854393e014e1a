namespace Esen.Kernels.Cpu.Kernels;

/// <summary>
/// The im2col matrix of one image and group, used as the GEMM's B operand without materialising it: row
/// (c, ky, kx), column (oy, ox) holds in[c, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw], zero outside the
/// image. Packing reads it straight from the NCHW input; with stride 1 each run of a packed row is a copy.
/// </summary>
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
}
