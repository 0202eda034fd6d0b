using System.Buffers.Binary;

namespace Resonance.Gateway.Sessions;

/// <summary>
/// Server-to-client WebSocket frames (RFC 6455 section 5.2): FIN set, unmasked, one frame per message. A message shared
/// by many clients is framed once and the same bytes are written to every socket.
/// </summary>
public static class WebSocketFrame
{
    public const byte OpText = 0x1, OpBinary = 0x2, OpClose = 0x8;

    public static bool IsClose(ReadOnlySpan<byte> frame) => frame.Length > 0 && (frame[0] & 0x0F) == OpClose;

    public static byte Opcode(ReadOnlySpan<byte> frame) => (byte)(frame[0] & 0x0F);

    /// <summary>The header length of a frame built here (where its payload starts).</summary>
    public static int HeaderLengthOf(ReadOnlySpan<byte> frame) => (frame[1] & 0x7F) switch { 126 => 4, 127 => 10, _ => 2 };

    public static int HeaderLength(int payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes the header for a final frame of <paramref name="payloadLength"/> bytes; returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, byte opcode, int payloadLength)
    {
        destination[0] = (byte)(0x80 | opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>One complete frame around <paramref name="payload"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte opcode = OpText)
    {
        var frame = new byte[HeaderLength(payload.Length) + payload.Length];
        int header = WriteHeader(frame, opcode, payload.Length);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }
}
