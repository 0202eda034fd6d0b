using System.Globalization;

namespace Resonance.LoadTest;

/// <summary>
/// Bytes the kernel holds for the tool's sockets that the tool has not read yet: the rx_queue of
/// every TCP socket in /proc/net/tcp{,6} whose REMOTE port is the server's (our client ends; the
/// server's own ends have the server port as local port). On loopback a server's sent bytes land
/// there at once, so a backlog that stays above one broadcast means the tool's receive loops, not
/// the server, are behind.
/// </summary>
public static class ReceiveBacklog
{
    /// <summary>Sum of rx_queue over client sockets to <paramref name="serverPort"/>, or null when unreadable.</summary>
    public static long? Bytes(int serverPort)
    {
        long total = 0;
        bool any = false;
        foreach (var path in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                using var reader = new StreamReader(path);
                reader.ReadLine();   // header
                string? line;
                while ((line = reader.ReadLine()) != null) total += RxQueueOfClientSocket(line, serverPort);
                any = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return any ? total : null;
    }

    /// <summary>
    /// One /proc/net/tcp row: "sl local_address rem_address st tx_queue:rx_queue ..." with hex
    /// "ADDR:PORT" and hex queues. Returns rx_queue when rem port == serverPort, else 0.
    /// </summary>
    internal static long RxQueueOfClientSocket(string line, int serverPort)
    {
        var f = line.AsSpan().Trim();
        Span<Range> parts = stackalloc Range[6];
        if (f.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries) < 5) return 0;
        var remote = f[parts[2]];
        int colon = remote.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(remote[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port) || port != serverPort) return 0;
        var queues = f[parts[4]];
        int q = queues.IndexOf(':');
        return q >= 0 && long.TryParse(queues[(q + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long rx) ? rx : 0;
    }
}
