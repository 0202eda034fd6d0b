namespace Resonance.Gateway.Sessions;

/// <summary>
/// Follows the frames a client sends (RFC 6455 section 5.2) in the bytes the session's protocol reader reads, to see its
/// pongs, which the .NET WebSocket consumes without telling anyone. It only looks: headers are parsed byte by byte and
/// payloads skipped in one step (a pong's first 8 bytes are unmasked to compare with the ping's payload), with no
/// allocation and no lock; malformed input is the protocol reader's to reject.
/// </summary>
public sealed class ClientFrameScanner(Action<long, int> pong)
{
    private const byte OpPong = 0xA;
    // Longest header: 2 + 8 (64-bit length) + 4 (mask).
    private readonly byte[] _header = new byte[14];
    private int _headerLength;
    private int _headerNeeded = 2;
    private long _payloadLeft;
    private long _payloadLength;
    private long _payloadIndex;
    private byte _opcode;
    private uint _mask;
    private long _pongValue;

    public void Scan(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                int n = (int)Math.Min(_payloadLeft, data.Length);
                if (_opcode == OpPong) CollectPong(data[..n]);
                _payloadIndex += n;
                _payloadLeft -= n;
                data = data[n..];
                if (_payloadLeft == 0) FrameEnded();
                continue;
            }
            _header[_headerLength++] = data[0];
            data = data[1..];
            if (_headerLength == 2)
            {
                int len7 = _header[1] & 0x7F;
                _headerNeeded = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((_header[1] & 0x80) != 0 ? 4 : 0);
            }
            if (_headerLength == _headerNeeded) HeaderEnded();
        }
    }

    private void HeaderEnded()
    {
        _opcode = (byte)(_header[0] & 0x0F);
        int len7 = _header[1] & 0x7F;
        int at = 2;
        long length = len7;
        if (len7 == 126)
        {
            length = (_header[2] << 8) | _header[3];
            at = 4;
        }
        else if (len7 == 127)
        {
            ulong l = 0;
            for (int i = 2; i < 10; i++) l = (l << 8) | _header[i];
            length = l > long.MaxValue ? long.MaxValue : (long)l; // invalid (RFC: MSB 0); the protocol reader fails it
            at = 10;
        }
        _mask = (_header[1] & 0x80) != 0
            ? (uint)(_header[at] << 24 | _header[at + 1] << 16 | _header[at + 2] << 8 | _header[at + 3])
            : 0;
        _headerLength = 0;
        _headerNeeded = 2;
        _payloadLength = length;
        _payloadLeft = length;
        _payloadIndex = 0;
        _pongValue = 0;
        if (length == 0) FrameEnded();
    }

    private void CollectPong(ReadOnlySpan<byte> chunk)
    {
        for (int i = 0; i < chunk.Length && _payloadIndex + i < sizeof(long); i++)
        {
            int k = (int)((_payloadIndex + i) & 3);
            byte b = (byte)(chunk[i] ^ (byte)(_mask >> (24 - 8 * k)));
            _pongValue = (_pongValue << 8) | b;
        }
    }

    private void FrameEnded()
    {
        if (_opcode == OpPong) pong(_pongValue, (int)Math.Min(_payloadLength, int.MaxValue));
    }
}
