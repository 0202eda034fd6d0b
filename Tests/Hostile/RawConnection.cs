using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Resonance.Hostile;

/// <summary>
/// A TCP connection to the gateway from a chosen loopback source address (the whole 127/8 is local on Linux, so many
/// source addresses give many times the ephemeral ports one address has), with the HTTP/1.1 upgrade done by hand.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    public Socket Socket { get; }
    public Target Target { get; }

    private RawConnection(Socket socket, Target target)
    {
        Socket = socket;
        Target = target;
    }

    public static async Task<RawConnection> ConnectAsync(Target target, IPAddress source, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target.EndPoint, ct);
            return new RawConnection(socket, target);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The upgrade request of RFC 6455 section 4.1 (a fixed key: the server's answer is not checked).</summary>
    public static byte[] UpgradeRequest(Target target) => Encoding.ASCII.GetBytes(
        $"GET {target.PathAndQuery} HTTP/1.1\r\nHost: {target.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    public Task SendAsync(byte[] data, CancellationToken ct) => Socket.SendAsync(data, SocketFlags.None, ct).AsTask();

    /// <summary>
    /// Reads the HTTP response head; returns its status (0 when the connection ended first) and whatever followed the head.
    /// </summary>
    public async Task<(int Status, byte[] After)> ReadResponseAsync(CancellationToken ct)
    {
        var buffer = new byte[8192];
        int have = 0;
        while (have < buffer.Length)
        {
            int n = await Socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, ct);
            if (n == 0) return (0, []);
            have += n;
            int end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8);
            if (end < 0) continue;
            var head = Encoding.ASCII.GetString(buffer, 0, end);
            int status = head.Length > 12 && int.TryParse(head.AsSpan(9, 3), out var s) ? s : -1;
            return (status, buffer.AsSpan(end + 4, have - end - 4).ToArray());
        }
        return (-1, []);
    }

    /// <summary>Upgrade in one write; the status and what followed the response head.</summary>
    public async Task<(int Status, byte[] After)> UpgradeAsync(CancellationToken ct)
    {
        await SendAsync(UpgradeRequest(Target), ct);
        return await ReadResponseAsync(ct);
    }

    /// <summary>
    /// The kernel's view of the connection without reading from it (TCP_INFO's state): a client that never reads still
    /// learns when the server cut it off. 1 = established, 8 = close-wait (the server sent FIN), 7 = closed (reset).
    /// </summary>
    public int TcpState()
    {
        try
        {
            Span<byte> info = stackalloc byte[8];
            Socket.GetRawSocketOption(6 /* IPPROTO_TCP */, 11 /* TCP_INFO */, info);
            return info[0];
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 7;
        }
    }

    public const int Established = 1, CloseWait = 8, Closed = 7;

    public static string DescribeState(int state) => state switch { CloseWait => "fin", Closed => "reset", _ => $"tcp state {state}" };

    public ValueTask DisposeAsync()
    {
        try
        {
            // No lingering: a hostile client's socket closes at once, whatever is unsent.
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Where the gateway's WebSocket endpoint is (from a ws:// URL).</summary>
public sealed record Target(IPEndPoint EndPoint, string Authority, string PathAndQuery)
{
    public static Target Parse(string url, string space)
    {
        var u = new Uri(url);
        if (u.Scheme != "ws") throw new FormatException("--url must be ws:// (the tool speaks plain TCP)");
        var address = IPAddress.Parse(u.Host == "localhost" ? "127.0.0.1" : u.Host);
        string query = string.IsNullOrEmpty(u.Query) ? $"?space={space}" : u.Query;
        return new Target(new IPEndPoint(address, u.Port), u.Authority, u.AbsolutePath + query);
    }
}
