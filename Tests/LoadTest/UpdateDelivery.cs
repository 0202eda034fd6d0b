namespace Resonance.LoadTest;

/// <summary>
/// The arithmetic behind resonance_update lag and delivered %, kept pure so it can be tested on
/// crafted inputs. Lag compares two readings of the same machine clock: the server's timestamp
/// (Unix ms, written when it serialised the update) and the tool's wall clock at receipt.
/// </summary>
public static class UpdateDelivery
{
    private const long UnixEpochTicks = 621_355_968_000_000_000;   // DateTime.UnixEpoch.Ticks

    /// <summary>Wall clock in Unix microseconds (DateTime.UtcNow: no allocation, ~20 ns).</summary>
    public static long UnixMicrosNow() => (DateTime.UtcNow.Ticks - UnixEpochTicks) / 10;

    /// <summary>
    /// Lag in microseconds of an update stamped <paramref name="timestampMs"/> received at
    /// <paramref name="receiveUnixMicros"/>. Servers truncate their stamp to whole ms, so lag has up
    /// to 1 ms of upward bias; a negative value (clock reading order) counts as 0.
    /// </summary>
    public static long LagMicros(long receiveUnixMicros, long timestampMs) => Math.Max(0, receiveUnixMicros - timestampMs * 1000);

    /// <summary>
    /// Seconds client i spent connected inside [windowStart, windowEnd] (Stopwatch ticks), summed
    /// over all clients. connectedAt[i] == 0: never connected; closedAt[i] == 0: still open.
    /// </summary>
    public static double ClientSecondsInWindow(ReadOnlySpan<long> connectedAt, ReadOnlySpan<long> closedAt,
        long windowStart, long windowEnd, long ticksPerSecond)
    {
        double sum = 0;
        for (int i = 0; i < connectedAt.Length; i++)
        {
            if (connectedAt[i] == 0) continue;
            long from = Math.Max(connectedAt[i], windowStart);
            long to = closedAt[i] == 0 ? windowEnd : Math.Min(closedAt[i], windowEnd);
            if (to > from) sum += (double)(to - from) / ticksPerSecond;
        }
        return sum;
    }

    /// <summary>Updates a server ticking at <paramref name="updateHz"/> should have delivered in that time.</summary>
    public static double Expected(double clientSeconds, double updateHz) => clientSeconds * updateHz;

    /// <summary>Delivered as a percentage of expected (null when nothing was expected).</summary>
    public static double? Percent(long delivered, double expected) => expected > 0 ? delivered / expected * 100 : null;
}
