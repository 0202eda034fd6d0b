using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Resonance.Hostile;

/// <summary>
/// Reads the server's frames (unmasked, RFC 6455 section 5.2) from a raw connection until it ends, and remembers what
/// tells how the session was ended: the error codes it was sent, the close code, and whether the connection then
/// ended with a FIN or a reset.
/// </summary>
public sealed class ServerFrameReader(Socket socket, byte[] leftover)
{
    public List<string> ErrorCodes { get; } = [];
    public int? CloseCode { get; private set; }
    public string? CloseReason { get; private set; }
    public int TextMessages { get; private set; }

    /// <summary>When the close frame arrived (Stopwatch timestamp; 0 when none did).</summary>
    public long CloseTimestamp { get; private set; }

    /// <summary>Reads until the connection ends; returns "fin" or "reset".</summary>
    public async Task<string> RunAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int have = leftover.Length;
        leftover.CopyTo(buffer, 0);
        try
        {
            while (true)
            {
                int used = Parse(buffer.AsSpan(0, have));
                if (used > 0)
                {
                    Buffer.BlockCopy(buffer, used, buffer, 0, have - used);
                    have -= used;
                    continue;
                }
                if (have == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, ct);
                if (n == 0) return "fin";
                have += n;
            }
        }
        catch (SocketException)
        {
            return "reset";
        }
        catch (ObjectDisposedException)
        {
            return "reset";
        }
    }

    /// <summary>Consumes one whole frame from the start of <paramref name="data"/>; 0 when it is not all there yet.</summary>
    private int Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2) return 0;
        int opcode = data[0] & 0x0F;
        long length = data[1] & 0x7F;
        int header = 2;
        if (length == 126)
        {
            if (data.Length < 4) return 0;
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10) return 0;
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            header = 10;
        }
        if (data.Length < header + length) return 0;
        var payload = data.Slice(header, (int)length);
        if (opcode == ClientFrame.OpText)
        {
            TextMessages++;
            // Only errors matter here; resonance_update and the like are skipped without parsing.
            if (payload.IndexOf("\"error\""u8) >= 0)
            {
                try
                {
                    using var doc = JsonDocument.Parse(payload.ToArray());
                    if (doc.RootElement.TryGetProperty("code", out var code)) ErrorCodes.Add(code.GetString() ?? "");
                }
                catch (JsonException)
                {
                }
            }
        }
        else if (opcode == ClientFrame.OpClose && CloseCode is null)
        {
            CloseTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            CloseCode = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;
            CloseReason = payload.Length > 2 ? Encoding.UTF8.GetString(payload[2..]) : "";
        }
        return header + (int)length;
    }
}
