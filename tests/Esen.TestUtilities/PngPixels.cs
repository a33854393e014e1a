using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace Esen.TestUtilities;

/// <summary>
/// The pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots are), decoded per the PNG
/// specification (W3C, 2nd ed.): IDAT chunks concatenated, zlib-inflated, each scanline unfiltered (§9.2: None, Sub, Up,
/// Average, Paeth).
/// </summary>
public sealed class PngPixels
{
    private PngPixels(int width, int height, int channels, byte[] data) => (Width, Height, Channels, Data) = (width, height, channels, data);

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    /// <summary>Row-major samples, <see cref="Channels"/> per pixel.</summary>
    public byte[] Data { get; }

    /// <summary>The RGB colour of the pixel at (<paramref name="x"/>, <paramref name="y"/>) as 0xRRGGBB.</summary>
    public int Rgb(int x, int y)
    {
        int i = ((y * Width) + x) * Channels;
        return (Data[i] << 16) | (Data[i + 1] << 8) | Data[i + 2];
    }

    public static PngPixels Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal([137, 80, 78, 71, 13, 10, 26, 10], file[..8]);
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            ReadOnlySpan<byte> body = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(body), BinaryPrimitives.ReadInt32BigEndian(body[4..]));
                Assert.Equal(8, body[8]);
                channels = body[9] switch { 2 => 3, 6 => 4, byte colour => throw new NotSupportedException($"PNG colour type {colour}") };
                Assert.Equal(0, body[12]);
            }
            else if (type == "IDAT")
            {
                idat.Write(body);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] filtered = raw.ToArray();
        int stride = width * channels;
        byte[] data = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = filtered[y * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? data[(y * stride) + i - channels] : 0;
                int b = y > 0 ? data[((y - 1) * stride) + i] : 0;
                int c = y > 0 && i >= channels ? data[((y - 1) * stride) + i - channels] : 0;
                int x = filtered[(y * (stride + 1)) + 1 + i];
                data[(y * stride) + i] = (byte)(filter switch
                {
                    0 => x,
                    1 => x + a,
                    2 => x + b,
                    3 => x + ((a + b) / 2),
                    4 => x + Paeth(a, b, c),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                });
            }
        }

        return new PngPixels(width, height, channels, data);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
