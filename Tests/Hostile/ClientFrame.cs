using System.Buffers.Binary;

namespace Resonance.Hostile;

/// <summary>
/// Client-to-server WebSocket frames (RFC 6455 section 5.2), written by hand so a frame can be anything a broken or
/// hostile client sends: FIN clear, a continuation without a start, a length far beyond what follows.
/// Client frames are always masked (section 5.3).
/// </summary>
public static class ClientFrame
{
    public const byte OpContinuation = 0x0, OpText = 0x1, OpBinary = 0x2, OpClose = 0x8, OpPing = 0x9, OpPong = 0xA;

    /// <summary>The fixed mask key this tool uses (any key is valid; a fixed one lets a big payload be masked once).</summary>
    public static readonly byte[] MaskKey = [0x37, 0xfa, 0x21, 0x3d];

    /// <summary>A frame header announcing <paramref name="payloadLength"/> bytes (which need not follow), masked with <see cref="MaskKey"/>.</summary>
    public static byte[] Header(byte opcode, bool fin, ulong payloadLength)
    {
        int extra = payloadLength < 126 ? 0 : payloadLength <= ushort.MaxValue ? 2 : 8;
        var h = new byte[2 + extra + 4];
        h[0] = (byte)((fin ? 0x80 : 0) | opcode);
        if (extra == 0) h[1] = (byte)(0x80 | (byte)payloadLength);
        else if (extra == 2)
        {
            h[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)payloadLength);
        }
        else
        {
            h[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(2), payloadLength);
        }
        MaskKey.CopyTo(h, 2 + extra);
        return h;
    }

    /// <summary>Masks <paramref name="payload"/> in place; <paramref name="offset"/> is its position within the frame's payload.</summary>
    public static void Mask(Span<byte> payload, long offset = 0)
    {
        for (int i = 0; i < payload.Length; i++) payload[i] ^= MaskKey[(int)((offset + i) & 3)];
    }

    /// <summary>One complete masked frame.</summary>
    public static byte[] Frame(byte opcode, bool fin, ReadOnlySpan<byte> payload)
    {
        var h = Header(opcode, fin, (ulong)payload.Length);
        var f = new byte[h.Length + payload.Length];
        h.CopyTo(f, 0);
        payload.CopyTo(f.AsSpan(h.Length));
        Mask(f.AsSpan(h.Length));
        return f;
    }

    public static byte[] Text(string text, bool fin = true) => Frame(OpText, fin, System.Text.Encoding.UTF8.GetBytes(text));
}
