using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace Resonance.Gateway.Protocol;

/// <summary>
/// Samples a composed field on a subscription's lattice and encodes <c>field_frame</c>s (docs/protocol.md, "Field frames").
/// </summary>
public static class FieldFrames
{
    public const int HeaderBytes = 64;
    public const ushort Version = 1;
    public static ReadOnlySpan<byte> Magic => "RFLD"u8;

    /// <summary>
    /// Fills <paramref name="destination"/> (width*height, row-major) with the field at
    /// x = x0 + i (x1-x0)/width, y = y0 + j (y1-y0)/height, interpolated bilinearly between the grid's samples
    /// (grid sample (i, j) sits at (i h, j h)); positions past the last sample take the edge value.
    /// </summary>
    public static void Sample(ReadOnlySpan<double> grid, int columns, int rows, double spacing, FieldSubscription s, Span<double> destination)
    {
        double dx = (s.X1 - s.X0) / s.Width, dy = (s.Y1 - s.Y0) / s.Height, inv = 1.0 / spacing;
        for (int j = 0; j < s.Height; j++)
        {
            double v = (s.Y0 + j * dy) * inv;
            int j0 = Math.Clamp((int)Math.Floor(v), 0, rows - 1);
            int j1 = Math.Min(j0 + 1, rows - 1);
            double fy = Math.Clamp(v - j0, 0, 1);
            if (j1 == j0) fy = 0;
            var row0 = grid.Slice(j0 * columns, columns);
            var row1 = grid.Slice(j1 * columns, columns);
            var target = destination.Slice(j * s.Width, s.Width);
            for (int i = 0; i < s.Width; i++)
            {
                double u = (s.X0 + i * dx) * inv;
                int i0 = Math.Clamp((int)Math.Floor(u), 0, columns - 1);
                int i1 = Math.Min(i0 + 1, columns - 1);
                double fx = Math.Clamp(u - i0, 0, 1);
                if (i1 == i0) fx = 0;
                // Exact at lattice points: fx = fy = 0 multiplies the neighbours by zero.
                double top = fx == 0 ? row0[i0] : row0[i0] + (row0[i1] - row0[i0]) * fx;
                double bottom = fx == 0 ? row1[i0] : row1[i0] + (row1[i1] - row1[i0]) * fx;
                target[i] = fy == 0 ? top : top + (bottom - top) * fy;
            }
        }
    }

    /// <summary>Encodes one frame. Binary formats return a binary WebSocket payload; JSON a text payload.</summary>
    public static byte[] Encode(FieldSubscription s, uint seq, ReadOnlySpan<double> values, double timeSeconds, double globalResonance)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (values.IsEmpty) min = max = 0;
        return s.Format switch
        {
            FrameFormat.F32 => Binary(s, seq, values, min, max),
            FrameFormat.U8 => Binary(s, seq, values, min, max),
            _ => Json(s, seq, values, min, max, timeSeconds, globalResonance),
        };
    }

    private static byte[] Json(FieldSubscription s, uint seq, ReadOnlySpan<double> values, double min, double max, double t, double g)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + values.Length * 20);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("type", "field_frame");
            w.WriteNumber("seq", seq);
            w.WriteNumber("width", s.Width);
            w.WriteNumber("height", s.Height);
            w.WriteNumber("x0", s.X0);
            w.WriteNumber("y0", s.Y0);
            w.WriteNumber("x1", s.X1);
            w.WriteNumber("y1", s.Y1);
            w.WriteNumber("min", min);
            w.WriteNumber("max", max);
            w.WriteNumber("t", t);
            w.WriteNumber("globalResonance", g);
            w.WriteStartArray("values");
            foreach (double v in values) w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Binary(FieldSubscription s, uint seq, ReadOnlySpan<double> values, double min, double max)
    {
        int sampleBytes = s.Format == FrameFormat.F32 ? 4 : 1;
        var bytes = new byte[HeaderBytes + values.Length * sampleBytes];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        span[6] = s.Format == FrameFormat.F32 ? (byte)1 : (byte)2;
        span[7] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], seq);
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], (ushort)s.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(span[14..], (ushort)s.Height);
        BinaryPrimitives.WriteDoubleLittleEndian(span[16..], s.X0);
        BinaryPrimitives.WriteDoubleLittleEndian(span[24..], s.Y0);
        BinaryPrimitives.WriteDoubleLittleEndian(span[32..], s.X1);
        BinaryPrimitives.WriteDoubleLittleEndian(span[40..], s.Y1);
        BinaryPrimitives.WriteDoubleLittleEndian(span[48..], min);
        BinaryPrimitives.WriteDoubleLittleEndian(span[56..], max);
        var body = span[HeaderBytes..];
        if (s.Format == FrameFormat.F32)
        {
            for (int k = 0; k < values.Length; k++)
                BinaryPrimitives.WriteSingleLittleEndian(body[(k * 4)..], (float)values[k]);
        }
        else
        {
            double range = max - min, scale = range > 0 ? 255 / range : 0;
            for (int k = 0; k < values.Length; k++)
                body[k] = (byte)Math.Clamp(Math.Round((values[k] - min) * scale), 0, 255);
        }
        return bytes;
    }
}
