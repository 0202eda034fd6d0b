using System.Buffers.Binary;
using System.IO.Compression;

namespace Resonance.Gateway.Rest;

/// <summary>Renders a field as an 8-bit RGB PNG through a perceptual (viridis-like) colour scale from min to max.</summary>
public static class HeatmapPng
{
    // Control points of the colour scale (dark violet -> blue -> teal -> green -> yellow), interpolated linearly.
    private static readonly (double T, byte R, byte G, byte B)[] Scale =
    [
        (0.00, 68, 1, 84), (0.25, 59, 82, 139), (0.50, 33, 145, 140), (0.75, 94, 201, 98), (1.00, 253, 231, 37),
    ];

    public static (byte R, byte G, byte B) Colour(double t)
    {
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        for (int k = 1; k < Scale.Length; k++)
        {
            if (t > Scale[k].T) continue;
            var (t0, r0, g0, b0) = Scale[k - 1];
            var (t1, r1, g1, b1) = Scale[k];
            double f = (t - t0) / (t1 - t0);
            return ((byte)Math.Round(r0 + (r1 - r0) * f), (byte)Math.Round(g0 + (g1 - g0) * f), (byte)Math.Round(b0 + (b1 - b0) * f));
        }
        return (Scale[^1].R, Scale[^1].G, Scale[^1].B);
    }

    /// <summary>Encodes width x height values (row-major) scaled from [min, max].</summary>
    public static byte[] Encode(ReadOnlySpan<double> values, int width, int height, double min, double max)
    {
        double range = max - min;
        var raw = new byte[height * (1 + 3 * width)];
        for (int j = 0; j < height; j++)
        {
            int o = j * (1 + 3 * width);
            raw[o++] = 0; // filter: none
            for (int i = 0; i < width; i++)
            {
                var (r, g, b) = Colour(range > 0 ? (values[j * width + i] - min) / range : 0);
                raw[o++] = r;
                raw[o++] = g;
                raw[o++] = b;
            }
        }
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: truecolour RGB
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // no interlace
        Chunk(output, "IHDR"u8, header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
            Chunk(output, "IDAT"u8, compressed.ToArray());
        }
        Chunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        output.Write(type);
        output.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFF, type), data) ^ 0xFFFFFFFF;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        output.Write(crcBytes);
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309 polynomial, reflected), table-driven.</summary>
    public static class Crc32
    {
        private static readonly uint[] Table = Build();

        private static uint[] Build()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }

        public static uint Update(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
